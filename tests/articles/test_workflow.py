"""The publishing workflow: scheduling per version, save and publish, naming versions, old
addresses, and readers seeing only the live version (issue 12)."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    NewerVersionExists,
    PublishBlocked,
    ScheduleChanged,
    scheduled_changes,
)
from articles.signals import article_workflow
from tests.factories import make_article, make_author, make_live_article, make_topic

pytestmark = pytest.mark.django_db


def later(**delta):
    """Patch the clock forward; nothing else runs in between (no job)."""
    moment = timezone.now() + datetime.timedelta(**delta)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def new_version(article, change_note="Changed", **fields):
    for name, value in fields.items():
        setattr(article, name, value)
    article.save()
    return article.save_version(change_note=change_note)


def page(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


# Scheduling belongs to a version -----------------------------------------------------------------
def test_a_scheduled_version_takes_over_at_its_moment_with_no_job(client):
    article = make_live_article("Pacing, version one")
    url = article.get_absolute_url()
    new_version(article, title="Pacing, version two")
    moment = timezone.now() + datetime.timedelta(hours=2)

    article.publish(2, at=moment)

    status, html = page(client, url)
    assert status == 200 and '">Pacing, version one</h1>' in html
    assert Article.objects.live().get().live_version.number == 1
    with later(hours=3):
        status, html = page(client, url)
        assert '">Pacing, version two</h1>' in html
        assert Article.objects.live().get().live_version.number == 2
        assert "Pacing, version two" in page(client, "/articles/")[1]


def test_a_scheduled_first_publish_shows_nothing_until_its_moment(client):
    article = make_article("Brand new")
    article.publish(1, at=timezone.now() + datetime.timedelta(days=1))

    assert page(client, "/articles/brand-new/")[0] == 404
    assert not Article.objects.live().exists()
    with later(days=2):
        assert page(client, "/articles/brand-new/")[0] == 200


def test_cancelling_a_schedule_keeps_readers_on_the_live_version(client):
    article = make_live_article("Kept")
    new_version(article, title="Never shown")
    article.publish(2, at=timezone.now() + datetime.timedelta(hours=1))

    cancelled = article.cancel_schedule(version=2)

    assert cancelled.number == 2
    with later(hours=2):
        assert "Kept" in page(client, article.get_absolute_url())[1]
        assert Article.objects.live().get().live_version.number == 1
    assert ArticleVersion.objects.scheduled().count() == 0


def test_cancelling_a_first_publish_puts_the_article_back_to_draft():
    article = make_article()
    article.publish(1, at=timezone.now() + datetime.timedelta(hours=1))

    article.cancel_schedule()

    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT and article.first_published_at is None
    with later(hours=2):
        assert not Article.objects.live().exists()


def test_cancelling_a_schedule_that_changed_is_refused():
    article = make_live_article()
    new_version(article, title="Two")
    new_version(article, title="Three")
    article.publish(3, at=timezone.now() + datetime.timedelta(hours=1), allow_newer=True)

    with pytest.raises(ScheduleChanged):
        article.cancel_schedule(version=2)
    assert article.scheduled_version.number == 3


def test_unpublish_at_keeps_the_article_live_until_its_moment(client):
    article = make_live_article("Leaving soon")
    url = article.get_absolute_url()

    article.unpublish(at=timezone.now() + datetime.timedelta(hours=1))

    assert page(client, url)[0] == 200
    with later(hours=2):
        assert page(client, url)[0] == 404
        assert not Article.objects.live().exists()


def test_what_is_scheduled_is_listed_soonest_first():
    now = timezone.now()
    later_one, sooner, leaving = make_live_article(), make_live_article(), make_live_article()
    new_version(later_one, title="Later")
    new_version(sooner, title="Sooner")
    later_one.publish(2, at=now + datetime.timedelta(days=3))
    sooner.publish(2, at=now + datetime.timedelta(days=1))
    leaving.unpublish(at=now + datetime.timedelta(days=2))

    changes = scheduled_changes()

    assert [(c["article"].pk, c["action"]) for c in changes] == [
        (sooner.pk, "publish"),
        (leaving.pk, "unpublish"),
        (later_one.pk, "publish"),
    ]
    assert [v.article_id for v in ArticleVersion.objects.scheduled()] == [sooner.pk, later_one.pk]


def test_saving_a_stale_working_copy_never_undoes_a_workflow_action():
    article = make_live_article()
    stale = Article.objects.get(pk=article.pk)  # an admin save in flight loaded this
    article.unpublish()

    stale.title = "Edited meanwhile"
    stale.save()

    article.refresh_from_db()
    assert article.status == ArticleStatus.UNPUBLISHED and article.title == "Edited meanwhile"
    assert not Article.objects.live().exists()


# Naming versions, numbering them -----------------------------------------------------------------
def test_publish_refuses_when_a_newer_version_was_saved_meanwhile():
    article = make_article()
    new_version(article, title="Saved by someone else")

    with pytest.raises(NewerVersionExists) as refused:
        article.publish(1)

    assert refused.value.latest.number == 2
    assert not Article.objects.live().exists()
    assert article.publish(1, allow_newer=True).number == 1
    assert Article.objects.live().get().live_version.number == 1


def test_version_numbers_come_from_the_versions_not_the_articles_pointer():
    article = make_article()
    new_version(article, title="Two")
    # A stale pointer written back elsewhere no longer decides the next number.
    Article.objects.filter(pk=article.pk).update(latest_version=article.versions.get(number=1))

    version = new_version(article, title="Three")

    assert version.number == 3
    assert Article.objects.get(pk=article.pk).latest_version == version


def test_every_workflow_action_is_announced_once_committed(django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, article, action, version, by, **kwargs):
        heard.append((action, version.number if version else None))

    article_workflow.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            article = make_article()
            new_version(article, title="Two")
            article.submit_for_review()
            article.publish(2)
            new_version(article, title="Three")
            article.publish(3, at=timezone.now() + datetime.timedelta(hours=1))
            article.cancel_schedule()
            article.unpublish(at=timezone.now() + datetime.timedelta(hours=1))
            article.unpublish()
            article.restore(article.versions.get(number=1))
            article.archive()
            article.move_to_trash()
            article.restore_from_trash()
    finally:
        article_workflow.disconnect(listener)

    assert heard == [
        ("submit_for_review", 2),
        ("publish", 2),
        ("schedule", 3),
        ("cancel_schedule", 3),
        ("schedule_unpublish", 2),
        ("unpublish", 2),
        ("restore", 4),
        ("archive", None),
        ("trash", None),
        ("restore_from_trash", None),
    ]


# Save and publish --------------------------------------------------------------------------------
def test_save_and_publish_publishes_exactly_what_was_in_the_form(client):
    article = make_live_article("Before")
    article.title = "What the editor typed"
    article.save()

    version = article.save_and_publish(change_note="Retitled")

    assert version.number == 2 and version.title == "What the editor typed"
    assert "What the editor typed" in page(client, article.get_absolute_url())[1]


def test_save_and_publish_refused_by_the_checklist_saves_and_publishes_nothing():
    article = make_live_article("Before")
    article.sources.all().delete()

    with pytest.raises(PublishBlocked):
        article.save_and_publish(change_note="Dropped the sources")

    assert article.versions.count() == 1
    assert Article.objects.live().get().live_version.number == 1


def test_save_and_publish_without_a_change_note_on_a_live_article_publishes_nothing():
    article = make_live_article("Before")
    article.title = "No note"
    article.save()

    with pytest.raises(ValidationError):
        article.save_and_publish()

    assert article.versions.count() == 1
    assert Article.objects.live().get().live_version.title == "Before"


def test_save_and_publish_can_schedule():
    article = make_live_article("Now")
    article.title = "Tomorrow"
    article.save()

    article.save_and_publish(change_note="Next", at=timezone.now() + datetime.timedelta(days=1))

    assert Article.objects.live().get().live_version.title == "Now"
    with later(days=2):
        assert Article.objects.live().get().live_version.title == "Tomorrow"


# Old addresses -----------------------------------------------------------------------------------
def test_every_earlier_address_of_a_live_article_redirects_permanently(client):
    article = make_live_article("First name", slug="first-name")
    article.publish(new_version(article, slug="second-name"))
    article.publish(new_version(article, slug="third-name"))

    for old in ("first-name", "second-name"):
        response = client.get(f"/articles/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/articles/third-name/"
    assert client.get("/articles/third-name/").status_code == 200


def test_an_unpublished_address_change_changes_no_address(client):
    article = make_live_article("Stays", slug="stays")
    new_version(article, slug="not-yet")

    assert client.get("/articles/stays/").status_code == 200
    assert client.get("/articles/not-yet/").status_code == 404
    assert 'href="/articles/stays/"' in page(client, "/articles/")[1]


# Readers see only the live version (a test per field) --------------------------------------------
def test_an_unpublished_topic_change_changes_no_reader_page(client):
    old_topic, new_topic = make_topic("Fatigue"), make_topic("Sleep")
    article = make_live_article("Resting well", topics=[old_topic])
    article.topics.set([new_topic])
    article.save_version(change_note="Moved to sleep")

    assert "Resting well" in page(client, old_topic.get_absolute_url())[1]
    assert "Resting well" not in page(client, new_topic.get_absolute_url())[1]
    assert "Resting well" not in page(client, "/articles/?q=sleep")[1]
    assert "/topics/sleep/" not in page(client, "/sitemap-topics.xml")[1]
    assert "<category>Fatigue</category>" in page(client, "/feeds/articles/")[1]
    assert "Sleep" not in page(client, "/")[1]

    article.publish()

    assert "Resting well" in page(client, new_topic.get_absolute_url())[1]
    assert "Resting well" not in page(client, old_topic.get_absolute_url())[1]
    assert "Resting well" in page(client, "/articles/?q=sleep")[1]
    assert "/topics/sleep/" in page(client, "/sitemap-topics.xml")[1]


def test_an_unpublished_byline_change_changes_no_reader_page(client):
    old_author, new_author = make_author("Ana Ortiz"), make_author("Ben Okafor")
    article = make_live_article("Joint pain", authors=[old_author])
    article.article_authors.update(author=new_author)
    article.save_version(change_note="New author")

    assert "Joint pain" in page(client, old_author.get_absolute_url())[1]
    assert "Joint pain" not in page(client, new_author.get_absolute_url())[1]
    assert "Ana Ortiz" in page(client, article.get_absolute_url())[1]
    assert "/authors/ben-okafor/" not in page(client, "/sitemap-authors.xml")[1]
    assert "Ben Okafor" not in page(client, "/feeds/articles/")[1]

    article.publish()

    assert "Joint pain" in page(client, new_author.get_absolute_url())[1]
    assert "Joint pain" not in page(client, old_author.get_absolute_url())[1]
    assert "Ben Okafor" in page(client, "/feeds/articles/")[1]


def test_an_unpublished_medical_reviewer_change_changes_no_reader_page(client):
    reviewer = make_author("Dr Chen")
    article = make_live_article("Kidney checks")
    article.medical_reviewer = reviewer
    article.save()
    article.save_version(change_note="Reviewed")

    assert "Kidney checks" not in page(client, reviewer.get_absolute_url())[1]
    assert "Dr Chen" not in page(client, article.get_absolute_url())[1]

    article.publish()

    assert "Kidney checks" in page(client, reviewer.get_absolute_url())[1]
    assert "Dr Chen" in page(client, article.get_absolute_url())[1]


def test_an_unpublished_slug_change_changes_no_list_feed_or_sitemap(client):
    article = make_live_article("Addresses", slug="addresses")
    new_version(article, slug="addresses-renamed")

    for url in (
        "/",
        "/articles/",
        "/feeds/articles/",
        "/sitemap-articles.xml",
        "/articles/?q=addresses",
    ):
        html = page(client, url)[1]
        assert "addresses-renamed" not in html, url
        assert "/articles/addresses/" in html, url
