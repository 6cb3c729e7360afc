"""Deleting an article moves it to the trash; nothing is lost until a superuser empties it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_live_article, make_staff

pytestmark = pytest.mark.django_db


def trash_article(article, days_ago):
    Article.objects.filter(pk=article.pk).update(
        trashed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


def test_deleting_in_the_admin_moves_the_article_and_its_versions_to_the_trash(client, editor):
    article = make_live_article()

    response = client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.trashed_at is not None
    assert article.versions.count() == 1
    assert not Article.objects.live().filter(pk=article.pk).exists()


def test_delete_confirmation_says_trash_not_delete(client, editor):
    article = make_article()

    html = client.get(reverse("admin:articles_article_delete", args=[article.pk])).content.decode()

    assert "Move the article" in html and "to the trash" in html


def test_bulk_delete_action_moves_selected_articles_to_the_trash(client, editor):
    first, second = make_article(), make_article()

    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    assert Article.objects.trashed().count() == 2
    assert Article.objects.count() == 2


def test_authors_cannot_move_articles_to_the_trash(client):
    client.force_login(make_staff("arthur", "Authors"))
    article = make_article()

    response = client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.trashed_at is None


def test_changelist_hides_trashed_articles_and_the_trash_lists_them(client, editor):
    kept = make_article("Kept article")
    trashed = make_article("Trashed article")
    trash_article(trashed, 1)

    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()
    trash = client.get(reverse("admin:articles_article_trash")).content.decode()

    assert kept.title in changelist and trashed.title not in changelist
    assert reverse("admin:articles_article_trash") in changelist
    assert trashed.title in trash and kept.title not in trash


def test_restore_from_trash_brings_a_live_article_back_to_readers(client, editor):
    article = make_live_article()
    trash_article(article, 3)
    assert client.get(article.get_absolute_url()).status_code == 410

    response = client.post(reverse("admin:articles_article_restore_from_trash", args=[article.pk]))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.trashed_at is None
    assert client.get(article.get_absolute_url()).status_code == 200


def test_restore_needs_a_post(client, editor):
    article = make_article()
    trash_article(article, 1)

    url = reverse("admin:articles_article_restore_from_trash", args=[article.pk])
    assert client.get(url).status_code == 405


def test_only_a_superuser_may_empty_the_trash(client, editor):
    article = make_article()
    trash_article(article, 40)

    response = client.post(reverse("admin:articles_article_empty_trash"))

    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_emptying_the_trash_deletes_only_articles_kept_longer_than_the_retention(client, settings):
    settings.TRASH_RETENTION_DAYS = 30
    client.force_login(make_staff("root", superuser=True))
    old = make_live_article("Old")
    recent = make_live_article("Recent")
    untouched = make_article("Untouched")
    trash_article(old, 31)
    trash_article(recent, 29)

    response = client.post(reverse("admin:articles_article_empty_trash"))

    assert response.status_code == 302
    assert not Article.objects.filter(pk=old.pk).exists()
    assert old.versions.model.objects.filter(article_id=old.pk).count() == 0
    assert set(Article.objects.values_list("pk", flat=True)) == {recent.pk, untouched.pk}


def test_retention_days_come_from_settings(settings):
    settings.TRASH_RETENTION_DAYS = 5
    article = make_article()
    trash_article(article, 6)

    assert Article.objects.empty_trash() == 1


def test_readers_get_a_site_styled_410_for_a_trashed_article(client):
    article = make_live_article()
    article.move_to_trash()

    response = client.get(article.get_absolute_url())

    assert response.status_code == 410
    html = response.content.decode()
    assert "This article has been withdrawn" in html and 'class="site-header"' in html


def test_a_trashed_article_readers_never_saw_is_404(client):
    article = make_article()
    article.move_to_trash()

    assert client.get(article.get_absolute_url()).status_code == 404
