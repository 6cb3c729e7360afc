"""Field-by-field comparison of two article versions, for the admin's compare page.

The fields are the article's content declaration (articles.models.CONTENT_FIELDS). Text is
compared word by word with difflib; dates, numbers, people and images as whole values. The
body is compared as a stream of HTML tags and words: the result keeps the newer version's
markup, shows added words in <ins> and removed words in <del>, and is passed through
`clean_html` before it is marked safe.
"""

import datetime
import difflib
import re

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import CONTENT_FIELDS
from articles.sanitize import clean_html

_WORDS = re.compile(r"\w+|[^\w\s]|\s+")
_TOKENS = re.compile(r"<[^>]*>|&#?\w+;|\w+|[^\w\s<]|\s+")
# Private-use characters stand in for <ins>/<del> while the HTML is sanitized, so the
# sanitizer never has to allow those tags in anything a user wrote.
_MARKERS = {
    "ins": ("\ue000", "\ue001"),
    "del": ("\ue002", "\ue003"),
}
_ALL_MARKERS = "".join(a + b for a, b in _MARKERS.values())


def _date_value(value):
    if not value:
        return ""
    try:
        return date_format(datetime.date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return str(value)


def _image_value(image):
    if not image:
        return ""
    size = f"{image['width']}×{image['height']} px" if image.get("width") else ""
    details = [f"{key}: {image[key]}" for key in _IMAGE_KEYS if image.get(key)]
    parts = [image.get("file", ""), size, *details]
    return "\n".join(part for part in parts if part)


_IMAGE_KEYS = ("alt", "caption", "credit", "rights_holder", "licence", "permission_contact",
               "link_back_required", "source_url")  # fmt: skip

# How each kind of content (articles.models.CONTENT_FIELDS) reads as text, and whether it is
# compared word by word ("words") or shown as whole values, old then new ("value"): a date, a
# number or an image is a value, and a character diff of "2025-03-01" helps nobody.
_KINDS = {
    "text": ("words", lambda v: v or ""),
    "lines": ("words", lambda v: "\n".join(v or [])),
    "statements": (
        "words",
        lambda v: "\n".join(f"{k.capitalize()}: {t}" for k, t in (v or {}).items() if t),
    ),
    "reading_minutes": ("value", lambda v: f"{v} min" if v else ""),
    "topics": ("words", lambda v: ", ".join(t["name"] for t in v or [])),
    "authors": (
        "words",
        lambda v: "; ".join(f"{a['name']} ({a['credentials']})" for a in v or []),
    ),
    "topic": ("value", lambda v: (v or {}).get("name", "")),
    "person": ("value", lambda v: (v or {}).get("name", "")),
    "disclaimer": ("words", lambda v: (v or {}).get("text", "")),
    "date": ("value", _date_value),
    "image": ("value", _image_value),
    "sources": (
        "words",
        lambda v: "\n".join(
            " · ".join(
                str(part)
                for part in (s["title"], s.get("publisher"), s.get("url"), s.get("published_on"))
                if part
            )
            for s in v or []
        ),
    ),
}


def _strip_markers(text):
    return text.translate({ord(ch): None for ch in _ALL_MARKERS})


def diff_text(old, new):
    """Plain text with changes marked, escaped and safe to show."""
    old_tokens = _WORDS.findall(old or "")
    new_tokens = _WORDS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new_tokens[j1:j2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(old_tokens[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(new_tokens[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece of user text is escaped above)


def _wrapped(tokens, kind, keep_tags):
    """Words wrapped in `kind` markers; tags kept (from the newer version) or dropped."""
    start, end = _MARKERS[kind]
    out, run = [], []

    def flush():
        text = "".join(run)
        run.clear()
        if text.strip():
            out.append(start + text + end)
        elif keep_tags:
            out.append(text)  # Layout whitespace between new tags is not a change to show.

    for token in tokens:
        if token.startswith("<"):
            flush()
            if keep_tags:
                out.append(token)
        else:
            run.append(token)
    flush()
    return out


def diff_html(old, new):
    """The newer body's HTML with added words in <ins> and removed words in <del>.

    Both sides are sanitized first and the result is sanitized again, so nothing a user
    wrote reaches the page unsanitized. Tags removed in the newer version are dropped
    (their words are shown as removed); the structure is the newer version's.
    """
    old_tokens = _TOKENS.findall(clean_html(_strip_markers(old or "")))
    new_tokens = _TOKENS.findall(clean_html(_strip_markers(new or "")))
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.extend(new_tokens[j1:j2])
            continue
        parts.extend(_wrapped(old_tokens[i1:i2], "del", keep_tags=False))
        parts.extend(_wrapped(new_tokens[j1:j2], "ins", keep_tags=True))
    html = clean_html("".join(parts))
    for kind, (start, end) in _MARKERS.items():
        html = html.replace(start, f"<{kind}>").replace(end, f"</{kind}>")
    return mark_safe(html)  # noqa: S308 (sanitized by clean_html; only our own tags added)


def diff_value(old, new):
    """Whole values, escaped and safe to show: the new one, or the old struck out and the new."""
    if old == new:
        return escape(new)
    parts = []
    if old:
        parts.append(f"<del>{escape(old)}</del>")
    if new:
        parts.append(f"<ins>{escape(new)}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 (both values are escaped above)


def compare(old_content, new_content):
    """Rows for the compare page, one per content field (CONTENT_FIELDS): label, whether it
    changed, and the marked-up difference."""
    rows = []
    for field in CONTENT_FIELDS:
        old, new = old_content.get(field.key), new_content.get(field.key)
        if field.kind == "html":
            marked = diff_html(old or "", new or "")
        else:
            mode, as_text = _KINDS[field.kind]
            old, new = as_text(old), as_text(new)
            marked = diff_text(old, new) if mode == "words" else diff_value(old, new)
        rows.append({"label": field.label, "changed": old != new, "diff": marked})
    return rows
