"""Template helpers for plain, comfortable reading (issue 17)."""

from django import template

from articles import content_checks, readability, reader_body
from articles.sanitize import clean_html

register = template.Library()


@register.simple_tag
def reader_body_of(content):
    """The snapshot's body, sanitized, with heading ids and linked citation markers.

    Usage: ``{% reader_body_of content as body %}{{ body.html|safe }}`` and
    ``body.on_this_page`` for the list of sections.
    """
    return reader_body.prepare(clean_html(content.get("body", "")), len(content.get("sources", [])))


@register.inclusion_tag("articles/_reading_panel.html")
def reading_panel(content, live=False):
    """Reading level and content checks of a snapshot, for the editor and the compare view.

    ``live=True`` (the change form) also loads the script that re-checks as the author types.
    """
    return {
        "readability": readability.assess(content.get("body", "")),
        "checks": content_checks.check_version(content),
        "live": live,
    }


@register.inclusion_tag("articles/_reading_compare.html")
def reading_compare(older, newer):
    """The reading level of two versions side by side, for the compare view."""
    return {
        "older": readability.assess(older.get("body", "")),
        "newer": readability.assess(newer.get("body", "")),
        "checks": content_checks.check_version(newer),
    }
