"""seed_bulk writes versions whose content is exactly what Article.snapshot() gives."""

import io

import pytest
from django.core.management import call_command

from articles.models import Article, ArticleStatus

pytestmark = pytest.mark.django_db


def test_seeded_versions_hold_what_snapshot_gives_for_the_same_data():
    call_command("seed_bulk", articles=40, inquiries=0, stdout=io.StringIO())

    articles = list(Article.objects.select_related("latest_version"))
    assert len(articles) == 40
    for article in articles:
        assert article.latest_version.content == article.snapshot(), article.slug


def test_seeded_live_versions_are_what_readers_see():
    call_command("seed_bulk", articles=40, inquiries=0, stdout=io.StringIO())

    live = Article.objects.live()
    assert live.exists()
    for article in live.with_live_snapshot():
        assert article.status == ArticleStatus.PUBLISHED
        assert article.live_version.slug == article.slug
        assert {t.pk for t in article.live_version.topics.all()} == {
            t["id"] for t in article.live_version.content["topics"]
        }
