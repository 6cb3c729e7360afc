"""Signals other apps listen to. Each is sent only after its change is committed."""

from django.dispatch import Signal

# Sent after a workflow action on an article is committed, with keyword arguments
# article (Article), action (str, one of WORKFLOW_ACTIONS), version (ArticleVersion or None)
# and by (User or None).
article_workflow = Signal()

WORKFLOW_ACTIONS = (
    "publish",
    "schedule",
    "cancel_schedule",
    "unpublish",
    "schedule_unpublish",
    "archive",
    "restore",
    "trash",
    "restore_from_trash",
    "empty_trash",
    "submit_for_review",
)
