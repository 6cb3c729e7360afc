"""Template helpers for the reader pages: snapshot dates, sanitized HTML, structured data."""

import datetime
import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import renditions
from articles.cache import kept_in_generation
from articles.models import ImageLicence
from articles.sanitize import clean_html

register = template.Library()

# The same escapes Django's json_script uses: no "</script>", "<!--" or "&" can break out.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def iso_date(value):
    """A snapshot's ISO date string as a date, so the `date` filter can format it."""
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def sanitized(html):
    """Snapshot HTML passed through the sanitizer once more before it reaches a reader."""
    return mark_safe(clean_html(html))  # noqa: S308 (clean_html is the site's sanitizer)


def json_ld_script(data):
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),  # noqa: S308 (escaped above)
    )


def _absolute(context, path):
    # Without a request (an e-mail, a script) the path is the best available address.
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


def _person(context, author):
    person = {"@type": "Person", "name": author["name"]}
    if author.get("credentials"):
        person["jobTitle"] = author["credentials"]
    if author.get("slug"):
        person["url"] = _absolute(context, reverse("articles:author", args=[author["slug"]]))
    return person


@register.simple_tag(takes_context=True)
def article_json_ld(context, article, content, picture=None):
    """schema.org MedicalWebPage for an article page, as a safe JSON-LD script element."""
    url = _absolute(context, article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "mainEntityOfPage": url,
        "headline": content.get("title", ""),
        "name": content.get("title", ""),
        "description": content.get("summary", ""),
        "inLanguage": "en",
        "author": [_person(context, author) for author in content.get("authors", [])],
        "publisher": {"@type": "Organization", "name": settings.ORGANIZATION_NAME},
        "about": [{"@type": "Thing", "name": topic["name"]} for topic in content.get("topics", [])],
        "citation": [
            {
                "@type": "CreativeWork",
                "name": source["title"],
                **({"url": source["url"]} if source.get("url") else {}),
                **({"publisher": source["publisher"]} if source.get("publisher") else {}),
            }
            for source in content.get("sources", [])
        ],
    }
    if article.first_published_at:
        data["datePublished"] = article.first_published_at.isoformat()
    updated = article.live_version.live_from if article.live_version else None
    if updated:
        data["dateModified"] = updated.isoformat()
    if content.get("last_reviewed"):
        data["lastReviewed"] = content["last_reviewed"]
    if content.get("medical_reviewer"):
        data["reviewedBy"] = _person(context, content["medical_reviewer"])
    if picture:
        data["image"] = _absolute(context, picture["og_image"])
    return json_ld_script(data)


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    return _absolute(context, path)


@register.simple_tag
def hero_picture(image):
    """Responsive renditions of a snapshot's hero image (made on first use), or None."""
    return renditions.hero_picture(image)


@register.filter
def licence_label(value):
    try:
        return ImageLicence(value).label
    except ValueError:
        return ""


@register.simple_tag(takes_context=True)
def drawn_per_generation(context, template_name, *vary_on):
    """`template_name` drawn with this page's context, kept under the page cache generation the
    page is drawn in (`page_generation`, set by the view) and `vary_on`
    (articles.cache.kept_in_generation). Without a generation (staff, previews, no page cache)
    it is drawn each time.

    Usage: ``{% drawn_per_generation "articles/_related.html" article.pk %}``.
    """
    part = context.template.engine.get_template(template_name)

    def draw():
        with context.push():  # as {% include %}: what the part sets stays in it
            return str(part.render(context))

    drawn = kept_in_generation(context.get("page_generation"), [template_name, *vary_on], draw)
    return mark_safe(drawn)  # noqa: S308 (drawn by our own template, escaped there)
