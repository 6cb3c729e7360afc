from django import template
from django.conf import settings

from articles.cache import cache_no_later_than
from inquiries.forms import AskForm, FeedbackForm, served_until

register = template.Library()


@register.inclusion_tag("inquiries/_ask_form_compact.html", takes_context=True)
def ask_form(context, article=None):
    """The question form for an article page, with the article and its first topic prefilled.

    Usage: ``{% load inquiries %}{% ask_form article %}``. It posts to /ask/, which shows any
    errors and the thank-you page.
    """
    request = context.get("request")
    if request is not None:
        # The page carries a token shared by everyone in this time bucket (no CSRF token, no
        # cookie): caches may keep it only until the bucket ends.
        cache_no_later_than(request, served_until())
    return {
        "form": AskForm.for_article(article, shared=True),
        "article": article,
        "compact": True,
        "consent_version": settings.INQUIRY_CONSENT_TEXT_VERSION,
        # The fields but the token are kept for the article page's generation, if it has one.
        "page_generation": context.get("page_generation"),
    }


FEEDBACK_FLAGS = {
    "thanks": "Thank you for telling us.",
    "reported": "Thank you: your report has reached our team, who will check the article.",
}


@register.inclusion_tag("inquiries/_feedback.html", takes_context=True)
def feedback_form(context, article, content=None):
    """The "Was this helpful?" and "Report an error" forms for an article page.

    Usage: ``{% load inquiries %}{% feedback_form article content %}``. The forms post to
    /feedback/ (no CSRF token, so the page can be cached; see inquiries.views.feedback).
    After a post without JavaScript the page is shown again with ?feedback=thanks|reported.
    """
    request = context.get("request")
    flag = request.GET.get("feedback", "") if request is not None else ""
    version = article.live_version.number if article.live_version_id else None
    return {
        "article": article,
        "version": version,
        "form": FeedbackForm(),
        "thanks": FEEDBACK_FLAGS.get(flag, ""),
    }
