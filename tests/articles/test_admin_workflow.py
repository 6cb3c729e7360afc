"""The edit form's publishing side: save and publish, confirmations, the live checklist."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleStatus
from tests.admin_forms import article_url, change_url, form_data
from tests.factories import make_article, make_live_article, make_staff

pytestmark = pytest.mark.django_db


# Save and publish ---------------------------------------------------------------------------
def test_save_and_publish_publishes_what_is_in_the_form(client, editor):
    article = make_live_article()

    response = client.post(
        change_url(article),
        form_data(article, title="Typed, not saved", change_note="New title", _publish="now"),
        follow=True,
    )

    article.refresh_from_db()
    assert article.live_version.number == 2
    assert article.live_version.title == "Typed, not saved"
    assert "Saved as version 2. Published version 2" in response.content.decode()


def test_save_and_publish_refused_by_the_checklist_saves_and_publishes_nothing(client, editor):
    article = make_article()

    response = client.post(
        change_url(article),
        form_data(article, title="My typed title", _publish="now") | {"sources-0-DELETE": "on"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved or published" in page
    assert "Add at least one source." in page
    assert response.context["adminform"].form["title"].value() == "My typed title"
    article.refresh_from_db()
    assert article.versions.count() == 1
    assert article.sources.count() == 1
    assert not Article.objects.live().exists()


def test_save_and_publish_of_a_live_article_needs_a_change_note(client, editor):
    article = make_live_article()

    response = client.post(change_url(article), form_data(article, title="Changed", _publish="now"))

    assert "say what changed in a change note" in response.content.decode()
    article.refresh_from_db()
    assert article.live_version.number == 1
    assert article.title != "Changed"


def test_author_cannot_save_and_publish(client):
    client.force_login(make_staff("arthur", "Authors"))
    article = make_article()

    response = client.post(change_url(article), form_data(article, title="X", _publish="now"))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.versions.count() == 1
    assert not Article.objects.live().exists()


def test_save_and_publish_on_the_add_form(client, editor):
    article = make_article()  # only to borrow a complete form
    data = form_data(article, title="Brand new", slug="brand-new", _publish="now")
    for key in list(data):
        if key.endswith("-id") or key.endswith("-article"):
            data[key] = ""
    data["article_authors-INITIAL_FORMS"] = data["sources-INITIAL_FORMS"] = 0
    data["based_on_version"] = 0

    client.post(reverse("admin:articles_article_add"), data)

    new = Article.objects.get(slug="brand-new")
    assert new.live_version.number == 1


# Publishing names the version the editor saw ------------------------------------------------
def test_publish_of_an_older_version_than_the_latest_asks_first(client, editor):
    article = make_article()
    client.post(change_url(article), form_data(article, title="Saved by someone meanwhile"))

    response = client.post(article_url("publish", article), {"version": 1})

    assert response.status_code == 200
    page = response.content.decode()
    assert "You looked at version 1, but version 2 was saved since" in page
    assert "Nothing has been published" in page
    assert not Article.objects.live().exists()

    client.post(article_url("publish", article), {"version": 2, "confirmed": "1"})
    article.refresh_from_db()
    assert article.live_version.number == 2


def test_publish_without_a_version_number_publishes_nothing(client, editor):
    article = make_article()

    response = client.post(article_url("publish", article))

    assert response.status_code == 200
    assert not Article.objects.live().exists()


# Confirmations ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "says"),
    [
        ("unpublish", "Afterwards readers will no longer find it:"),
        ("archive", "Afterwards readers will no longer find it anywhere"),
    ],
)
def test_unpublish_and_archive_ask_first_and_say_what_readers_will_see(
    client, editor, action, says
):
    article = make_live_article()

    response = client.get(article_url(action, article))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Readers now see version 1" in page
    assert says in page
    assert Article.objects.live().filter(pk=article.pk).exists()


def test_restore_asks_first_and_says_readers_keep_the_live_version(client, editor):
    article = make_live_article()
    client.post(change_url(article), form_data(article, title="Second", change_note="Retitled"))

    response = client.get(article_url("restore", article, 1))

    assert "Readers now see version 1" in response.content.decode()
    assert "only once it is published" in response.content.decode()
    assert article.versions.count() == 2


def test_submit_for_review_lists_open_checklist_items_before_confirming(client):
    author = make_staff("arthur", "Authors")
    client.force_login(author)
    article = make_article(sources=0)

    page = client.get(article_url("submit", article)).content.decode()

    assert "Add at least one source." in page
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT

    response = client.post(article_url("submit", article), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Submitted for review. Before an editor can publish it: Add at least one source."
    ]


# The form ----------------------------------------------------------------------------------
def test_add_form_shows_the_checklist_and_marks_the_fields_it_needs(client, editor):
    response = client.get(reverse("admin:articles_article_add"))

    problems = [item["problem"] for item in response.context["checklist"]]
    assert "Add at least one author." in problems
    assert "Set the last-reviewed date." in problems
    page = response.content.decode()
    assert page.count('class="needed-to-publish"') >= 4
    assert '<a href="#id_last_reviewed" data-tab="review">Set the last-reviewed date.</a>' in page


def test_checklist_follows_the_form_as_typed(client, editor):
    article = make_article()
    url = reverse("admin:articles_article_checklist")

    complete = client.post(url, form_data(article) | {"article": article.pk}).json()
    emptied = client.post(
        url, form_data(article, summary="", last_reviewed="") | {"article": article.pk}
    ).json()

    assert complete == {"items": []}
    assert [item["anchor"] for item in emptied["items"]] == ["id_summary", "id_last_reviewed"]


def test_publish_button_is_disabled_while_the_checklist_fails(client, editor):
    page = client.get(change_url(make_article(sources=0))).content.decode()

    assert 'id="publish-button"' in page
    assert "disabled>Publish version 1</button>" in page
    assert "Publishing is off until the checklist above is done." in page


def test_view_on_site_opens_the_preview_for_a_draft_and_the_page_when_live(client, editor):
    draft, live = make_article(), make_live_article()

    draft_page = client.get(change_url(draft)).content.decode()
    live_page = client.get(change_url(live)).content.decode()

    assert f'href="{article_url("preview", draft)}" class="viewsitelink"' in draft_page
    assert f'href="{live.get_absolute_url()}" class="viewsitelink"' in live_page


# Scheduling ---------------------------------------------------------------------------------
def _later(days=2):
    return timezone.localtime(timezone.now() + datetime.timedelta(days=days)).replace(
        second=0, microsecond=0
    )


def _live_with_next_version():
    article = make_live_article()
    article.title = "Next version"
    article.save()
    article.save_version(change_note="New title")
    return article


def test_save_and_schedule_keeps_readers_on_the_live_version_until_the_moment(client, editor):
    article = make_live_article()
    later = _later()

    client.post(
        change_url(article),
        form_data(
            article,
            title="Scheduled title",
            change_note="Retitled",
            _publish="now",
            publish_at=later.strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    article = Article.objects.get(pk=article.pk)
    assert article.live_version.number == 1
    assert article.scheduled_version.number == 2
    assert article.scheduled_version.live_from == later
    assert article.scheduled_version.title == "Scheduled title"


def test_cancel_schedule_asks_first_then_cancels_the_version_seen(client, editor):
    article = _live_with_next_version()
    article.publish(2, at=_later())

    page = client.get(article_url("cancel_schedule", article)).content.decode()
    assert "Readers now see version 1" in page
    assert "version 2 will not go live" in page
    assert Article.objects.get(pk=article.pk).scheduled_version.number == 2

    client.post(article_url("cancel_schedule", article), {"version": 2})
    article = Article.objects.get(pk=article.pk)
    assert article.scheduled_version is None
    assert article.live_version.number == 1


def test_cancel_schedule_of_a_version_no_longer_scheduled_cancels_nothing(client, editor):
    article = _live_with_next_version()
    article.title = "Third"
    article.save()
    article.save_version(change_note="Third")
    article.publish(3, at=_later())

    response = client.post(article_url("cancel_schedule", article), {"version": 2}, follow=True)

    assert "Nothing was cancelled" in response.content.decode()
    assert Article.objects.get(pk=article.pk).scheduled_version.number == 3


def test_unpublish_at_a_moment_keeps_it_live_until_then_and_can_be_cancelled(client, editor):
    article = make_live_article()
    later = _later()

    client.post(
        article_url("unpublish", article),
        {"version": 1, "at": later.strftime("%Y-%m-%dT%H:%M")},
    )

    assert Article.objects.live().filter(pk=article.pk).exists()
    assert not Article.objects.live(at=later + datetime.timedelta(minutes=1)).exists()
    page = client.get(change_url(article)).content.decode()
    assert "Leaves the site" in page

    client.post(article_url("cancel_unpublish", article))
    assert Article.objects.live(at=later + datetime.timedelta(minutes=1)).exists()


def test_unpublish_naming_a_version_readers_no_longer_see_changes_nothing(client, editor):
    article = _live_with_next_version()
    article.publish(2)

    response = client.post(article_url("unpublish", article), {"version": 1}, follow=True)

    assert "Nothing was changed" in response.content.decode()
    assert Article.objects.live().filter(pk=article.pk).exists()


def test_scheduled_list_shows_what_changes_soonest_first(client, editor):
    first, second = _live_with_next_version(), _live_with_next_version()
    second.publish(2, at=_later(1))
    first.publish(2, at=_later(3))
    third = make_live_article("Leaving soon")
    third.unpublish(at=_later(2))

    response = client.get(reverse("admin:articles_article_scheduled"))

    assert [c["article"].pk for c in response.context["changes"]] == [
        second.pk,
        third.pk,
        first.pk,
    ]
    assert "Leaves the site" in response.content.decode()
