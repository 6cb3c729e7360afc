"""Migration 0009: old drafts' editor's notes no longer quote readers' questions."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("inquiries", "0008_article_suggestion"), ("articles", "0011_article_main_topic")]
AFTER = [("inquiries", "0009_editor_notes_without_questions")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_note_quoting_questions_names_them_by_number_and_others_are_left_alone():
    apps = _migrate(BEFORE)
    OldArticle = apps.get_model("articles", "Article")
    quoting = OldArticle.objects.create(
        slug="fatigue",
        title="Fatigue",
        editor_note="Written because readers asked:\n"
        "- I am so tired, my name is Ann Reader (inquiry 12)\n"
        "- Is fatigue normal with lupus? (inquiry 15)",
    )
    edited = OldArticle.objects.create(
        slug="sleep",
        title="Sleep",
        editor_note="Written because readers asked:\n- Can't sleep (inquiry 3)\nCall Dr Lee.",
    )

    _migrate(AFTER)

    note = Article.objects.get(pk=quoting.pk).editor_note
    assert note.startswith("Written because readers asked: inquiries 12, 15.")
    assert "Ann Reader" not in note and "tired" not in note
    assert Article.objects.get(pk=edited.pk).editor_note.endswith("Call Dr Lee.")
