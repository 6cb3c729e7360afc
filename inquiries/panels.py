"""The staff home's panels for staff who answer readers: urgent and unanswered questions."""

from django.urls import reverse
from django.utils.timesince import timesince

from inquiries.models import Inquiry
from ldn_portal.staff_home import PANEL_LENGTH, register


def _question_item(inquiry):
    return {
        "label": str(inquiry),
        "url": reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]),
        "detail": f"Waiting {timesince(inquiry.received_at, depth=1)}",
    }


def _panel(request, title, questions, empty_text):
    if not request.user.has_perm("inquiries.view_inquiry"):
        return None
    return {
        "title": title,
        "items": [_question_item(inquiry) for inquiry in questions[:PANEL_LENGTH]],
        "empty_text": empty_text,
    }


@register
def urgent_questions(request):
    return _panel(
        request,
        "Urgent questions",
        Inquiry.objects.open().filter(is_urgent=True).order_by("received_at"),
        "No urgent question is waiting.",
    )


@register
def unanswered_questions(request):
    return _panel(
        request,
        "Unanswered questions",
        Inquiry.objects.unanswered().order_by("received_at"),
        "Every reader who asked for a reply has had one.",
    )
