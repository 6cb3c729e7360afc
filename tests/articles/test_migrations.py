"""Migration 0008 moves what readers see onto the versions without changing it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("articles", "0006_article_first_published_index")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_every_reader_sees_the_same_articles_and_versions_after_migrating():
    apps = _migrate(BEFORE)
    OldArticle = apps.get_model("articles", "Article")
    OldVersion = apps.get_model("articles", "ArticleVersion")
    now = timezone.now()
    day = datetime.timedelta(days=1)

    def article(slug, status, versions=2, live=1, **fields):
        row = OldArticle.objects.create(
            slug=slug, title=slug, summary="s", status=status, last_published_at=now - day, **fields
        )
        made = [
            OldVersion.objects.create(
                article=row, number=n, title=f"{slug} v{n}", summary="s", content={"title": slug}
            )
            for n in range(1, versions + 1)
        ]
        row.latest_version = made[-1]
        row.live_version = made[live - 1] if live else None
        row.save()
        return row

    article("live", "published")
    article("scheduled", "published", go_live_at=now + day)
    article("expired", "published", expire_at=now - day)
    article("expiring", "published", expire_at=now + day)
    article("unpublished", "unpublished")
    article("archived", "archived")
    article("draft", "draft", live=0)
    article("trashed", "published", trashed_at=now - day)

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def seen(at):
        live = Article.objects.live(at=at).with_live_snapshot()
        return {a.slug: a.live_version.number for a in live}

    assert seen(timezone.now()) == {"live": 1, "expiring": 1}
    assert seen(now + 2 * day) == {"live": 1, "scheduled": 1}
    assert Article.objects.get(slug="live").versions.get(number=2).slug == "live"


def test_existing_versions_get_the_public_notes_up_to_each_of_them():
    apps = _migrate([("articles", "0011_article_main_topic")])
    OldArticle = apps.get_model("articles", "Article")
    OldVersion = apps.get_model("articles", "ArticleVersion")
    row = OldArticle.objects.create(slug="noted", title="Noted", summary="s")
    notes = [("First public", True), ("Staff only", False), ("Second public", True)]
    for number, (note, public) in enumerate(notes, start=1):
        OldVersion.objects.create(
            article=row,
            number=number,
            title="Noted",
            summary="s",
            content={"title": "Noted"},
            change_note=note,
            note_is_public=public,
        )
    quiet = OldArticle.objects.create(slug="quiet", title="Quiet", summary="s")
    OldVersion.objects.create(article=quiet, number=1, title="Quiet", summary="s", content={})

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from articles.models import ArticleVersion

    def shown(slug, number):
        version = ArticleVersion.objects.get(article__slug=slug, number=number)
        return [note["change_note"] for note in version.public_change_notes]

    assert shown("noted", 1) == ["First public"]
    assert shown("noted", 2) == ["First public"]
    assert shown("noted", 3) == ["Second public", "First public"]
    assert shown("quiet", 1) == []
