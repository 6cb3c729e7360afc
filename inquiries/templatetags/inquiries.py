from django import template
from django.conf import settings

from inquiries.forms import AskForm

register = template.Library()


@register.inclusion_tag("inquiries/_ask_form_compact.html", takes_context=True)
def ask_form(context, article=None):
    """The question form for an article page, with the article and its first topic prefilled.

    Usage: ``{% load inquiries %}{% ask_form article %}``. It posts to /ask/, which shows any
    errors and the thank-you page.
    """
    return {
        "form": AskForm.for_article(article),
        "article": article,
        "compact": True,
        "consent_version": settings.INQUIRY_CONSENT_TEXT_VERSION,
        "csrf_token": context.get("csrf_token"),
    }
