"""A save refused because someone saved a newer version: keep the typed text, compare it.

The refused form's data is kept in the editor's session and shown again by GET (a redirect
after the POST), so Back, reload or leaving the page never loses it and never asks to resend
a form. The comparison is field by field: the newer saved version ("theirs") against the
text being saved ("mine").
"""

import secrets

from django.forms import CheckboxInput, ModelChoiceField, ModelMultipleChoiceField
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from articles.forms import posted_rows
from articles.models import Author
from articles.sanitize import clean_html

# Fields of the form that are about this save, not the article's content.
NOT_COMPARED = {"based_on_version", "change_note", "note_is_public", "publish_at"}
# Fields whose "take theirs" the page cannot apply to the widget: changed by hand.
BY_HAND = {"topics", "image"}
SESSION_KEY = "article-kept-text-{}"


def keep_text(request, article_pk, data):
    """Keep `data` (a refused form's POST) for this editor; returns the token that shows it."""
    token = secrets.token_urlsafe(12)
    request.session[SESSION_KEY.format(article_pk)] = {
        "token": token,
        "at": timezone.now().isoformat(),
        "data": {key: data.getlist(key) for key in data if key != "csrfmiddlewaretoken"},
    }
    return token


def kept_text(request, article_pk, token):
    """The kept form data for `token` as a QueryDict, or None if it is gone (saved since)."""
    kept = request.session.get(SESSION_KEY.format(article_pk))
    if not kept or not secrets.compare_digest(kept["token"], str(token)):
        return None
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    return data


def kept_link(request, article):
    """Where this editor's refused, unsaved text for `article` is shown, if there is one."""
    kept = request.session.get(SESSION_KEY.format(article.pk))
    if not kept:
        return None
    url = reverse("admin:articles_article_change", args=[article.pk])
    return {"url": f"{url}?kept={kept['token']}", "at": parse_datetime(kept["at"])}


def forget(request, article_pk):
    request.session.pop(SESSION_KEY.format(article_pk), None)


def rows(form, article):
    """Each difference between the newer saved article (theirs) and the form's text (mine).

    A row gives both values for display, and for fields the page can set, both raw values
    so "take theirs" and "keep mine" only change the field in the form.
    """
    result = []
    for name, field in form.fields.items():
        if name in NOT_COMPARED or field.disabled:
            continue
        bound = form[name]
        # Against the saved article, not the form's hidden "initial" copy of what was opened.
        theirs_raw, mine_raw = bound.initial, bound.data
        if not field.has_changed(theirs_raw, mine_raw):
            continue
        result.append(
            {
                "name": name,
                "label": bound.label,
                "id": bound.id_for_label,
                "theirs": _display(field, theirs_raw, name),
                "mine": _display(field, mine_raw, name),
                "settable": name not in BY_HAND,
                "checkbox": isinstance(field.widget, CheckboxInput),
                "theirs_value": _raw(field, theirs_raw),
                "mine_value": _raw(field, mine_raw),
            }
        )
    result += _inline_rows(form.data, article)
    return result


def _raw(field, value):
    if isinstance(field.widget, CheckboxInput):
        return bool(value) and value not in ("", "false", "off", "0")
    if isinstance(field, ModelMultipleChoiceField):
        return [str(pk) for pk in (value or [])]
    if isinstance(field, ModelChoiceField):
        return "" if value in (None, "") else str(getattr(value, "pk", value))
    formatted = field.widget.format_value(value)
    return "" if formatted is None else str(formatted)


def _display(field, value, name):
    if name == "body":
        return mark_safe(clean_html(value or ""))  # noqa: S308 (sanitized)
    if isinstance(field, ModelMultipleChoiceField):
        pks = [getattr(v, "pk", v) for v in (value or [])]
        names = [str(obj) for obj in field.queryset.filter(pk__in=[p for p in pks if p])]
        return ", ".join(names) or "(none)"
    if isinstance(field, ModelChoiceField):
        pk = getattr(value, "pk", value)
        obj = field.queryset.filter(pk=pk).first() if pk not in (None, "") else None
        return str(obj) if obj else "(none)"
    if isinstance(field.widget, CheckboxInput):
        return "Yes" if _raw(field, value) else "No"
    text = _raw(field, value)
    return text or "(empty)"


def _inline_rows(data, article):
    theirs_authors = [str(link.author) for link in article.article_authors.select_related("author")]
    mine_ids = posted_rows(data, "article_authors", "author")
    by_id = Author.objects.in_bulk([pk for pk in mine_ids if pk.isdigit()])
    mine_authors = [str(by_id[int(pk)]) for pk in mine_ids if pk.isdigit() and int(pk) in by_id]
    theirs_sources = [source.title for source in article.sources.all()]
    mine_sources = posted_rows(data, "sources", "title")
    result = []
    for label, theirs, mine in [
        ("Byline", theirs_authors, mine_authors),
        ("Sources", theirs_sources, mine_sources),
    ]:
        if theirs != mine:
            result.append(
                {
                    "name": label.lower(),
                    "label": label,
                    "theirs": "; ".join(theirs) or "(none)",
                    "mine": "; ".join(mine) or "(none)",
                    "settable": False,
                }
            )
    return result
