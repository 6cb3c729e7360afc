"""The one place that decides which HTML may be stored and shown.

Everything staff write in a rich-text field passes through `clean_html` on save, so the
editor, the reader pages and the exports only ever see sanitized markup.
"""

from urllib.parse import unquote, urlsplit

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "a", "blockquote", "hr", "img", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Removed together with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
URL_SCHEMES = {"http", "https", "mailto"}


def _is_own_media(url):
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return False
    path = unquote(parts.path)
    # "/media/../admin/…" starts like our media but points anywhere on the site.
    segments = path.replace("\\", "/").split("/")
    return path.startswith(settings.MEDIA_URL) and not {".", ".."} & set(segments)


def _filter_attribute(tag, attribute, value):
    # Images may only come from our own uploads: no hotlinking, no tracking pixels.
    if tag == "img" and attribute == "src" and not _is_own_media(value):
        return None
    if attribute in {"width", "height", "colspan", "rowspan", "start"} and not value.isdigit():
        return None
    return value


def clean_html(html):
    """Return `html` with everything but the editor's safe subset removed."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
