"""The staff home: the admin index (/admin/) as panels of work, then the list of records.

A panel is a function `panel(request)` registered with `@register`; it returns None when it
is not for this person, or a dict with "title", "items" (each {"label", "url", "detail"}) and
"empty_text". Every link a panel shows must open for the person it is shown to: a panel
checks the permission its links need before it returns anything.
"""

import datetime

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article, ArticleStatus, scheduled_changes

PANELS = []
PANEL_LENGTH = 10
REVIEW_SOON_DAYS = 30


def register(panel):
    """Add `panel` to the staff home, after those registered before it."""
    PANELS.append(panel)
    return panel


def panels_for(request):
    return [shown for shown in (panel(request) for panel in PANELS) if shown is not None]


@admin.site.admin_view
def index(request):
    return admin.site.index(
        request, extra_context={"title": "Staff home", "panels": panels_for(request)}
    )


def _when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _article_item(article, detail):
    return {
        "label": str(article),
        "url": reverse("admin:articles_article_change", args=[article.pk]),
        "detail": detail,
    }


@register
def awaiting_review(request):
    if not request.user.has_perm("articles.publish_article"):
        return None
    articles = (
        Article.objects.not_trashed()
        .filter(status=ArticleStatus.IN_REVIEW)
        .select_related("updated_by")
        .order_by("review_requested_at")[:PANEL_LENGTH]
    )
    return {
        "title": "Awaiting review",
        "items": [
            _article_item(
                article,
                f"Submitted {_when(article.review_requested_at)}"
                + (f" by {article.updated_by}" if article.updated_by else "")
                if article.review_requested_at
                else "Submitted for review",
            )
            for article in articles
        ],
        "empty_text": "Nothing is waiting for review.",
    }


@register
def my_drafts(request):
    if not request.user.has_perm("articles.change_article"):
        return None
    articles = (
        Article.objects.not_trashed()
        .filter(
            status__in=[ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW],
            versions__created_by=request.user,
        )
        .distinct()
        .order_by("-updated_at")[:PANEL_LENGTH]
    )
    return {
        "title": "My drafts",
        "items": [
            _article_item(
                article, f"{article.get_status_display()}, last saved {_when(article.updated_at)}"
            )
            for article in articles
        ],
        "empty_text": "You have no drafts in progress.",
    }


@register
def scheduled(request):
    if not request.user.has_perm("articles.view_article"):
        return None
    changes = scheduled_changes()[:PANEL_LENGTH]
    return {
        "title": "Scheduled",
        "items": [
            _article_item(
                change["article"],
                f"Version {change['version'].number} goes live {_when(change['at'])}"
                if change["action"] == "publish"
                else f"Leaves the site {_when(change['at'])}",
            )
            for change in changes
        ],
        "empty_text": "Nothing is scheduled.",
    }


@register
def due_for_review(request):
    if not request.user.has_perm("articles.change_article"):
        return None
    soon = timezone.localdate() + datetime.timedelta(days=REVIEW_SOON_DAYS)
    articles = (
        Article.objects.live()
        .filter(next_review_due__lte=soon)
        .order_by("next_review_due")[:PANEL_LENGTH]
    )
    today = timezone.localdate()
    return {
        "title": "Due for review soon",
        "items": [
            _article_item(
                article,
                ("Overdue since " if article.next_review_due < today else "Due ")
                + date_format(article.next_review_due),
            )
            for article in articles
        ],
        "empty_text": f"No live article is due for review in the next {REVIEW_SOON_DAYS} days.",
    }
