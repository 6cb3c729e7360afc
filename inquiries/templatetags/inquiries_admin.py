"""The questions around an article, for the article's admin change page.

The articles app never imports inquiries; its change form loads this library instead:
``{% load inquiries_admin %}{% article_inquiries original request.user %}``.
"""

from django import template
from django.urls import reverse

from inquiries.models import ArticleFeedback, ArticleRole, Inquiry

register = template.Library()

PERSONAL_DATA_PERMISSION = "inquiries.view_personal_data"
LISTED = 50


@register.inclusion_tag("admin/inquiries/_article_inquiries.html")
def article_inquiries(article, user):
    """Prompted-by count, feedback per version, and who to tell about the latest public update."""
    if article is None or not article.pk or not user.has_perm("inquiries.view_inquiry"):
        return {"show": False}
    changelist = reverse("admin:inquiries_inquiry_changelist")
    update, earlier = Inquiry.objects.raised_before_update(article)
    to_notify = earlier.to_notify()
    can_see_people = user.has_perm(PERSONAL_DATA_PERMISSION)
    return {
        "show": True,
        "article": article,
        "prompted_count": Inquiry.objects.prompted(article).count(),
        "prompted_url": (
            f"{changelist}?related_article__id__exact={article.pk}"
            f"&related_article_role__exact={ArticleRole.PROMPTED}"
        ),
        "feedback": ArticleFeedback.objects.counts_by_version(article),
        "update": update,
        "earlier": earlier.select_related("source_version").order_by("-received_at")[:LISTED],
        "earlier_count": earlier.count(),
        "notify_count": to_notify.count(),
        "can_see_people": can_see_people,
        "to_notify": (
            to_notify.only("pk", "name", "email", "source_version").order_by("received_at")
            if can_see_people
            else []
        ),
    }
