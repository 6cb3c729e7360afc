"""The article admin as staff use it: saving versions, workflow, history, roles."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleStatus
from tests.admin_forms import article_url, change_url, form_data, management_form
from tests.factories import make_article, make_author, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def author_user(client):
    user = make_staff("arthur", "Authors")
    client.force_login(user)
    return user


# Roles ------------------------------------------------------------------------------------
def test_roles_exist_and_only_editors_may_publish():
    authors = Group.objects.get(name="Authors")
    editors = Group.objects.get(name="Editors")
    author_perms = set(authors.permissions.values_list("codename", flat=True))
    editor_perms = set(editors.permissions.values_list("codename", flat=True))

    assert {"add_article", "change_article", "view_topic"} <= author_perms
    assert "publish_article" not in author_perms
    assert "change_topic" not in author_perms
    assert {"publish_article", "change_topic", "change_disclaimer"} <= editor_perms


def test_author_can_open_the_article_form(client, author_user):
    article = make_article()
    assert client.get(change_url(article)).status_code == 200
    assert client.get(reverse("admin:articles_article_add")).status_code == 200


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive"])
def test_author_gets_403_on_publishing_actions(client, author_user, action):
    article = make_live_article() if action != "publish" else make_article()

    response = client.post(article_url(action, article))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == (ArticleStatus.DRAFT if action == "publish" else "published")


def test_author_gets_403_on_restore(client, author_user):
    article = make_article()
    article.title = "Second title"
    article.save()
    article.save_version()

    response = client.post(article_url("restore", article, 1))

    assert response.status_code == 403
    assert article.versions.count() == 2


def test_author_cannot_schedule(client, author_user):
    article = make_article()
    later = timezone.now() + datetime.timedelta(days=3)

    response = client.post(article_url("publish", article), {"version": 1, "at": later.isoformat()})

    assert response.status_code == 403
    assert not article.versions.filter(live_from__isnull=False).exists()


def test_author_sees_submit_for_review_but_no_publish_button(client, author_user):
    page = client.get(change_url(make_article())).content.decode()

    assert "Submit for review" in page
    assert "Publish version" not in page


def test_editor_sees_the_publish_button(client, editor):
    page = client.get(change_url(make_article())).content.decode()
    assert "Publish version 1" in page


def test_author_cannot_change_topics_or_disclaimers(client, author_user):
    topic = make_topic("Lupus")
    url = reverse("admin:articles_topic_change", args=[topic.pk])

    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": "Renamed", "slug": "lupus"})

    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.name == "Lupus"
    assert client.get(reverse("admin:articles_disclaimer_add")).status_code == 403


def test_author_can_submit_for_review(client, author_user):
    article = make_article()

    response = client.post(article_url("submit", article))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW
    assert article.review_requested_at is not None


def test_publishing_actions_refuse_get(client, editor):
    article = make_article()
    assert client.get(article_url("publish", article)).status_code == 405
    assert not Article.objects.live().exists()


# Versions on save -------------------------------------------------------------------------
def test_adding_an_article_saves_version_one_with_authors_and_sources(client, editor):
    writer = make_author("Kim Writer")
    topic = make_topic("Fatigue")
    data = {
        **management_form("article_authors", 0),
        **management_form("sources", 0),
        **{
            "disclaimer": make_article().disclaimer_id,
            "last_reviewed": "2026-01-10",
            "image_licence": "organization",
            "title": "Pacing for fatigue",
            "slug": "pacing-for-fatigue",
            "summary": "How to spend energy wisely.",
            "body": "<p>Plan rest before you need it.</p>",
            "topics": [topic.pk],
            "article_authors-TOTAL_FORMS": 1,
            "article_authors-0-author": writer.pk,
            "article_authors-0-order": 0,
            "sources-TOTAL_FORMS": 1,
            "sources-0-order": 0,
            "sources-0-title": "Energy conservation guide",
            "sources-0-kind": "guideline",
        },
    }

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="pacing-for-fatigue")
    version = article.latest_version
    assert version.number == 1
    assert version.created_by == editor
    assert version.content["authors"][0]["name"] == "Kim Writer"
    assert version.content["sources"][0]["title"] == "Energy conservation guide"
    assert article.updated_by == editor


def test_admin_save_with_changes_creates_a_version_with_its_note(client, editor):
    article = make_article("Sun protection")

    response = client.post(
        change_url(article),
        form_data(
            article,
            body="<p>Wear a hat.</p>",
            change_note="Added hat advice",
            note_is_public="on",
        ),
    )

    assert response.status_code == 302
    version = article.versions.get(number=2)
    assert version.body == "<p>Wear a hat.</p>"
    assert version.change_note == "Added hat advice"
    assert version.note_is_public
    assert version.created_by == editor


def test_admin_save_of_an_inline_change_creates_a_version(client, editor):
    article = make_article()
    data = form_data(article)
    data["sources-0-title"] = "A better source"

    client.post(change_url(article), data)

    assert article.versions.get(number=2).content["sources"][0]["title"] == "A better source"


def test_admin_save_without_changes_creates_no_version(client, editor):
    article = make_article()

    response = client.post(change_url(article), form_data(article), follow=True)

    assert article.versions.count() == 1
    assert "Nothing changed" in response.content.decode()


def test_body_is_sanitized_on_admin_save(client, editor):
    article = make_article()

    client.post(
        change_url(article),
        form_data(article, body='<p onclick="x()">Hi<script>alert(1)</script></p>'),
    )

    article.refresh_from_db()
    assert article.body == "<p>Hi</p>"
    assert "script" not in article.latest_version.body


def test_live_article_change_without_note_is_refused_and_keeps_the_text(client, editor):
    article = make_live_article()

    response = client.post(change_url(article), form_data(article, body="<p>My new words</p>"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "say what changed in a change note" in page
    assert "My new words" in page
    article.refresh_from_db()
    assert article.versions.count() == 1
    assert article.body != "<p>My new words</p>"


def test_versions_cannot_be_edited_or_deleted_in_the_admin(client, editor):
    article = make_article()

    assert client.get("/admin/articles/articleversion/").status_code == 404
    # Deleting the article only moves it to the trash (tests/articles/test_trash.py).
    client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    assert article.versions.count() == 1


# Concurrent edits -------------------------------------------------------------------------
def test_stale_form_is_refused_and_shows_theirs_against_mine_on_the_same_page(client, editor):
    article = make_article()
    stale = form_data(article, body="<p>Second editor's paragraph</p>")
    # Someone else saves first.
    client.post(change_url(article), form_data(article, body="<p>First editor's paragraph</p>"))

    refused = client.post(change_url(article), stale)

    # Shown again by GET, so Back and reload never ask to resend the form.
    assert refused.status_code == 303
    assert refused["Location"].startswith(change_url(article) + "?kept=")
    response = client.get(refused["Location"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "after you opened it" in page
    rows = {row["name"]: row for row in response.context["conflict"]}
    assert set(rows) == {"body"}
    assert "First editor" in rows["body"]["theirs"]
    assert "Second editor" in rows["body"]["mine"]
    assert response.context["adminform"].form["body"].value() == "<p>Second editor's paragraph</p>"
    sources = response.context["inline_admin_formsets"][1].formset
    assert sources.is_bound and sources.management_form.is_valid()
    assert sources.forms[0]["title"].value() == article.sources.get().title
    article.refresh_from_db()
    assert article.versions.count() == 2
    assert article.body == "<p>First editor's paragraph</p>"


def test_kept_text_survives_leaving_the_page_and_is_offered_again(client, editor):
    article = make_article()
    stale = form_data(article, title="My title")
    client.post(change_url(article), form_data(article, title="Their title"))
    kept_url = client.post(change_url(article), stale)["Location"]

    # Back (or any later visit) shows the saved article with a link to the kept text.
    page = client.get(change_url(article)).content.decode()
    assert "Show my unsaved text" in page
    assert kept_url.replace("&", "&amp;") in page
    assert client.get(kept_url).context["adminform"].form["title"].value() == "My title"


def test_opening_kept_text_saves_nothing_and_an_old_token_redirects(client, editor):
    article = make_article()
    stale = form_data(article, title="My title")
    client.post(change_url(article), form_data(article, title="Their title"))
    kept_url = client.post(change_url(article), stale)["Location"]

    client.get(kept_url)
    client.get(kept_url)
    assert article.versions.count() == 2

    response = client.get(change_url(article) + "?kept=not-the-token")
    assert response.status_code == 302
    assert article.versions.count() == 2


def test_save_that_slips_past_the_form_check_is_refused_inside_the_transaction(
    client, editor, monkeypatch
):
    from articles.forms import ArticleAdminForm

    article = make_article()
    stale = form_data(article, body="<p>Mine</p>")
    client.post(change_url(article), form_data(article, title="Their title"))
    original_check = ArticleAdminForm._check_not_stale
    calls = []

    def miss_the_first_time(form, cleaned_data):
        # As if the other save committed between this form's check and its save.
        if calls:
            original_check(form, cleaned_data)
        calls.append(1)

    monkeypatch.setattr(ArticleAdminForm, "_check_not_stale", miss_the_first_time)

    response = client.post(change_url(article), stale, follow=True)

    assert response.status_code == 200
    assert response.content.decode().count("after you opened it") == 1
    assert article.versions.count() == 2
    article.refresh_from_db()
    assert article.title == "Their title"


def test_saving_again_after_the_conflict_message_keeps_both_versions(client, editor):
    article = make_article()
    stale = form_data(article, body="<p>Mine</p>")
    client.post(change_url(article), form_data(article, body="<p>Theirs</p>"))
    refused = client.post(change_url(article), stale, follow=True)
    assert refused.context["adminform"].form["based_on_version"].value() == 2

    stale["based_on_version"] = 2
    response = client.post(change_url(article), stale)

    assert response.status_code == 302
    assert [v.body for v in article.versions.order_by("number")] == [
        "<p>The body of " + article.title + ".</p>",
        "<p>Theirs</p>",
        "<p>Mine</p>",
    ]


# Publishing -------------------------------------------------------------------------------
def test_editor_publishes_the_latest_version(client, editor):
    article = make_article()

    response = client.post(article_url("publish", article), {"version": 1}, follow=True)

    article.refresh_from_db()
    assert article.live_version.number == 1
    assert Article.objects.live().filter(pk=article.pk).exists()
    assert "Published version 1" in response.content.decode()


def test_publish_shows_exactly_what_the_checklist_finds_missing(client, editor):
    article = make_article(authors=[], sources=0, last_reviewed=None)

    response = client.post(article_url("publish", article), {"version": 1}, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert "Add at least one author." in messages
    assert "Add at least one source." in messages
    assert "Set the last-reviewed date." in messages
    assert "Write a summary." not in messages
    assert not Article.objects.live().exists()


def test_change_form_lists_the_checklist_before_publishing(client, editor):
    article = make_article(sources=0)

    page = client.get(change_url(article)).content.decode()

    assert "Add at least one source." in page


def test_the_edit_form_never_changes_what_is_live_or_when(client, editor):
    article = make_live_article()
    later = timezone.now() + datetime.timedelta(days=3)

    client.post(
        change_url(article),
        form_data(
            article,
            change_note="Typo",
            title="New title",
            expire_at_0=later.date().isoformat(),
            expire_at_1="10:00:00",
        ),
    )

    article = Article.objects.get(pk=article.pk)
    assert article.versions.count() == 2
    assert article.expire_at is None
    assert article.live_version.number == 1


def test_saving_the_form_leaves_the_schedule_and_the_live_version_alone(client, editor):
    article = make_live_article()
    article.title = "Next version"
    article.save()
    article.save_version(change_note="New title")
    later = timezone.now() + datetime.timedelta(days=3)
    article.publish(2, at=later)

    client.post(
        change_url(article),
        form_data(article, title="Working copy only", change_note="Edit after scheduling"),
    )

    article = Article.objects.get(pk=article.pk)
    assert article.latest_version.number == 3
    assert article.live_version.number == 1
    assert article.scheduled_version.number == 2
    assert article.scheduled_version.live_from == later


def test_publish_names_the_version_and_asks_when_a_newer_one_exists(client, editor):
    article = make_article()
    article.title = "Saved meanwhile"
    article.save()
    article.save_version()

    response = client.post(article_url("publish", article), {"version": 1}, follow=True)

    assert "You looked at version 1, but version 2 was saved since" in response.content.decode()
    assert not Article.objects.live().exists()
    client.post(article_url("publish", article), {"version": 2})
    assert Article.objects.live().get().live_version.number == 2


def test_unpublish_and_archive_take_the_article_off_the_site(client, editor):
    article = make_live_article()
    client.post(article_url("unpublish", article))
    assert not Article.objects.live().exists()
    client.post(article_url("archive", article))
    article.refresh_from_db()
    assert article.status == ArticleStatus.ARCHIVED


def test_publish_action_on_the_list_reports_blocked_articles(client, editor):
    good = make_article("Good one")
    bad = make_article("Bad one", sources=0)

    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )

    assert Article.objects.live().get() == good
    assert "Add at least one source." in response.content.decode()


# History, compare, restore, preview ----------------------------------------------------------
def _three_versions():
    article = make_article("Pacing", body="<p>Rest often.</p>")
    article.body = "<p>Rest often and plan ahead.</p>"
    article.save()
    article.save_version(change_note="Added planning")
    article.publish()
    article.title = "Pacing your energy"
    article.save()
    article.save_version(change_note="Clearer title")
    return article


def test_history_lists_versions_with_notes_and_the_live_one(client, editor):
    article = _three_versions()

    response = client.get(reverse("admin:articles_article_history", args=[article.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Version 1", "Version 2", "Version 3", "Added planning", "Clearer title"):
        assert text in page
    assert [v.number for v in response.context["versions"]] == [3, 2, 1]
    assert page.count("<strong>Live</strong>") == 1


def test_version_page_shows_that_versions_content(client, editor):
    article = _three_versions()

    page = client.get(article_url("version", article, 1)).content.decode()

    assert "<p>Rest often.</p>" in page
    assert "<dt>Title</dt><dd>Pacing</dd>" in page


def test_compare_marks_additions_and_removals_inline(client, editor):
    article = _three_versions()

    response = client.get(article_url("compare", article) + "?a=1&b=3")

    body_row = next(r for r in response.context["rows"] if r["label"] == "Body")
    assert body_row["diff"] == "<p>Rest often<ins> and plan ahead</ins>.</p>"
    title_row = next(r for r in response.context["rows"] if r["label"] == "Title")
    assert title_row["changed"]
    assert "<ins> your energy</ins>" in title_row["diff"]


def test_compare_escapes_what_staff_wrote(client, editor):
    article = make_article(summary="Plain")
    article.summary = "<script>alert(1)</script>"
    article.save()
    article.save_version()

    page = client.get(article_url("compare", article) + "?a=1&b=2").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("name", ["history", "compare", "preview", "publish"])
def test_a_bad_article_id_is_404_not_an_error(client, editor, name):
    response = client.post(f"/admin/articles/article/not-a-number/{name}/")
    assert response.status_code == 404


def test_compare_with_a_missing_version_is_404(client, editor):
    article = make_article()
    assert client.get(article_url("compare", article) + "?a=1&b=9").status_code == 404
    assert client.get(article_url("compare", article) + "?a=x").status_code == 404


def test_restore_creates_a_new_version_with_the_old_content(client, editor):
    article = _three_versions()

    response = client.post(article_url("restore", article, 1), follow=True)

    article.refresh_from_db()
    restored = article.latest_version
    assert restored.number == 4
    assert restored.change_note == "Restored version 1"
    assert restored.content == article.versions.get(number=1).content
    assert article.title == "Pacing"
    assert article.versions.count() == 4
    assert article.live_version.number == 2
    assert "Restored version 1 as version 4" in response.content.decode()


def test_preview_shows_the_working_copy_and_any_version_as_readers_see_it(client, editor):
    article = _three_versions()
    article.title = "Unsaved to a version"
    article.save()

    working = client.get(article_url("preview", article))
    old = client.get(article_url("preview_version", article, 1))

    assert working.status_code == 200
    assert "Unsaved to a version" in working.content.decode()
    assert "articles/detail.html" in [t.name for t in old.templates]
    assert re.search(r"<h1[^>]*>Pacing</h1>", old.content.decode())
    assert old["X-Robots-Tag"] == "noindex, nofollow"


def test_preview_is_for_staff_only(client):
    article = _three_versions()

    response = client.get(article_url("preview", article))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# The list ---------------------------------------------------------------------------------
def test_list_shows_status_live_version_editor_and_overdue_review(client, editor):
    article = make_live_article("Overdue piece", by=editor)
    Article.objects.filter(pk=article.pk).update(next_review_due=datetime.date(2020, 1, 1))

    page = client.get(reverse("admin:articles_article_changelist")).content.decode()

    assert "Overdue piece" in page
    assert "v1" in page
    assert "edith" in page
    assert "(overdue)" in page


def test_list_filters_by_review_overdue_status_topic_and_author(client, editor):
    lupus = make_topic("Lupus")
    writer = make_author("Wren")
    overdue = make_article("Overdue", next_review_due=datetime.date(2020, 1, 1))
    current = make_live_article(
        "Current", next_review_due=datetime.date(2100, 1, 1), topics=[lupus], authors=[writer]
    )
    url = reverse("admin:articles_article_changelist")

    def listed(query):
        return set(client.get(url + query).context["cl"].queryset)

    assert listed("?review=overdue") == {overdue}
    assert listed("?status__exact=published") == {current}
    assert listed(f"?topics__id__exact={lupus.pk}") == {current}
    assert listed(f"?authors__id__exact={writer.pk}") == {current}
    assert listed("?q=Overdue") == {overdue}


def test_slug_is_prefilled_from_the_title(client, editor):
    page = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "prepopulated_fields" in page or "data-prepopulated-fields" in page
    assert '"dependency_list": ["title"]' in page or "&quot;title&quot;" in page


# The editor -------------------------------------------------------------------------------
def test_editor_toolbar_has_no_source_mode_for_non_superusers(client, editor):
    page = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "sourcearea" in page  # listed in removePlugins
    assert "toolbar_Author" in page


def test_superuser_gets_the_full_toolbar(client):
    client.force_login(make_staff("root", superuser=True))
    page = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "toolbar_Author" not in page
    assert "&quot;toolbar&quot;: &quot;Full&quot;" in page


def test_hero_image_upload_goes_through_the_image_check(client, editor, monkeypatch):
    checked = []

    def fake_check(upload):
        checked.append(upload.name)
        return upload

    monkeypatch.setattr("articles.forms.clean_uploaded_image", fake_check)
    article = make_article()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "navy").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "hero.png"

    client.post(
        change_url(article),
        form_data(article, image=buffer, image_alt="A blue square", image_credit="Staff"),
    )

    assert checked == ["hero.png"]
    assert article.versions.get(number=2).content["image"]["alt"] == "A blue square"


def test_hero_image_needs_alt_text(client, editor):
    article = make_article()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "navy").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "hero.png"

    response = client.post(change_url(article), form_data(article, image=buffer))

    assert response.status_code == 200
    assert "Describe the image" in response.content.decode()
    assert article.versions.count() == 1


def test_crafted_post_repeating_a_byline_author_is_refused_not_a_500(client, editor):
    article = make_article()
    existing = article.article_authors.get()
    data = form_data(article, title="A new title")
    # The existing byline row is left out of the forms and the same author sent as new.
    data.update(management_form("article_authors", 0))
    data["article_authors-TOTAL_FORMS"] = 1
    data.pop("article_authors-0-id")
    data["article_authors-0-author"] = existing.author_id

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert "Each author can appear only once in the byline." in response.content.decode()
    assert article.versions.count() == 1
