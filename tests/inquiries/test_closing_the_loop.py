"""Issue 8: urgent messages, reader feedback, the question -> article loop, review queue."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, SearchGap
from inquiries.models import (
    ArticleFeedback,
    ArticleRole,
    Channel,
    Inquiry,
    SavedReply,
    Status,
)
from inquiries.urgent import is_urgent, urgent_phrases
from tests.factories import emergency_reply, make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = make_staff("root", superuser=True)
    client.force_login(user)
    return user


# Urgent phrases -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "I have had CHEST PAIN since this morning",
        "I cannot breathe properly at night",
        "sometimes I can't breathe",
        "I can’t breathe when I lie down",
        "I have been thinking about suicide",
        "I want to kill myself",
        "I just want to end my life",
        "her face is drooping on one side",
        "slurred speech after the new dose",
        "I think I took an overdose",
        "my son had a seizure",
        "there is severe bleeding from my nose",
    ],
)
def test_emergency_phrases_are_recognised(text):
    assert is_urgent(text)


@pytest.mark.parametrize(
    "text",
    [
        "Can LDN help with fatigue?",
        "strokes of genius",
        "my breathing exercises help",
        "Is hydroxychloroquine safe in pregnancy?",
        "bleeding gums from brushing",
    ],
)
def test_ordinary_questions_are_not_urgent(text):
    assert not is_urgent(text)


def test_urgent_phrases_lists_what_was_found():
    assert urgent_phrases("Chest pain and slurred speech") == ["Chest pain", "slurred speech"]


def test_a_new_inquiry_mentioning_an_emergency_is_flagged_on_save():
    assert make_inquiry("I have crushing chest pain, what do I do?").is_urgent
    assert not make_inquiry("What is LDN?").is_urgent


def test_staff_can_clear_the_flag_after_reading():
    inquiry = make_inquiry("I can't breathe")
    inquiry.is_urgent = False
    inquiry.save()

    inquiry.refresh_from_db()
    assert not inquiry.is_urgent


def test_web_form_questions_are_flagged(client, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    page = client.get("/ask/").content.decode()
    import re

    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post("/ask/", {"question": "I have thoughts of suicide", "form_token": token})

    assert Inquiry.objects.get().is_urgent


def test_triage_list_shows_urgent_first_with_a_marker(client, inquiry_staff):
    older_urgent = make_inquiry("I have chest pain")
    Inquiry.objects.filter(pk=older_urgent.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=3)
    )
    make_inquiry("A newer ordinary question")

    html = client.get(reverse("admin:inquiries_inquiry_changelist")).content.decode()

    assert "⚠ URGENT" in html
    assert html.index("I have chest pain") < html.index("A newer ordinary question")


def test_inquiry_page_offers_the_emergency_saved_reply_first(client, inquiry_staff):
    emergency_reply()
    inquiry = make_inquiry(
        "I can't breathe", email="ann@example.net", reply_wanted=True, consent_given=True
    )

    html = client.get(reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])).content.decode()

    assert "it mentions: can&#x27;t breathe" in html
    links = re.findall(r'<a href="\?saved=\d+#reply"[^>]*>Insert “([^”]+)”', html)
    assert links[0] == "Urgent: emergency guidance"
    filled = client.get(
        reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])
        + f"?saved={SavedReply.objects.first().pk}"
    ).content.decode()
    assert "contact your own" in filled and "emergency" in filled


@pytest.mark.parametrize("url", ["/ask/", "/ask/thanks/"])
def test_ask_form_and_thank_you_page_say_what_to_do_in_an_emergency(client, url):
    html = client.get(url).content.decode()

    assert "In an emergency, call your local emergency number now." in html


# Reader feedback ----------------------------------------------------------------------------
def vote(client, article, kind="yes", headers=None, **fields):
    data = {"article": article.slug, "version": article.live_version.number, "kind": kind}
    data.update(fields)
    return client.post(reverse("inquiries:feedback"), data, headers=headers)


def test_article_page_has_helpful_and_report_forms_without_a_csrf_token(client):
    article = make_live_article()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Was this article helpful?" in html and "Report an error" in html
    section = html[
        html.index('id="feedback"') : html.index("</section>", html.index('id="feedback"'))
    ]
    assert "csrfmiddlewaretoken" not in section
    assert 'aria-live="polite"' in section
    assert "js/feedback.js" in html


def test_helpful_vote_without_javascript_redirects_back_with_thanks(client):
    article = make_live_article()

    response = vote(client, article, "yes")

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?feedback=thanks#feedback"
    assert "Thank you for telling us." in client.get(response["Location"]).content.decode()
    feedback = ArticleFeedback.objects.get()
    assert feedback.helpful and feedback.version == article.live_version
    assert [f.name for f in ArticleFeedback._meta.fields] == [
        "id",
        "version",
        "helpful",
        "created_at",
    ]


def test_feedback_with_javascript_answers_json(client):
    article = make_live_article()

    response = client.post(
        reverse("inquiries:feedback"),
        {"article": article.slug, "kind": "no"},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert not ArticleFeedback.objects.get().helpful


def test_feedback_is_counted_per_version():
    from inquiries.models import ArticleFeedback as Feedback

    article = make_live_article()
    first = article.live_version
    article.title = "Updated"
    article.save()
    second = article.save_version(change_note="Retitled")
    article.publish(second)
    Feedback.objects.create(version=first, helpful=True)
    Feedback.objects.create(version=second, helpful=False)
    Feedback.objects.create(version=second, helpful=True)

    assert Feedback.objects.counts_by_version(article) == [
        {"number": 2, "helpful": 1, "not_helpful": 1},
        {"number": 1, "helpful": 1, "not_helpful": 0},
    ]


def test_a_version_readers_never_saw_falls_back_to_the_live_one(client):
    article = make_live_article()

    vote(client, article, "yes", version=99)

    assert ArticleFeedback.objects.get().version == article.live_version


def test_error_report_lands_in_triage_with_channel_feedback_and_the_version(client):
    article = make_live_article()

    response = vote(client, article, "error", report="The dose in the second list is wrong.")

    assert response["Location"].endswith("?feedback=reported#feedback")
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Channel.FEEDBACK
    assert inquiry.source_article == article and inquiry.source_version == article.live_version
    assert inquiry.client_hash == "" and inquiry.email == ""


def test_empty_error_report_is_a_400_with_a_message(client):
    article = make_live_article()

    response = vote(client, article, "error", report="  ")

    assert response.status_code == 400
    assert "Please tell us what is wrong." in response.content.decode()
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"article": "no-such-article", "kind": "yes"}, {"article": "x", "kind": "maybe"}]
)
def test_bad_feedback_is_a_400_not_a_500(client, data):
    assert client.post(reverse("inquiries:feedback"), data).status_code == 400


def test_feedback_needs_a_post(client):
    assert client.get(reverse("inquiries:feedback")).status_code == 405


def test_feedback_from_another_site_is_refused(client):
    article = make_live_article()

    response = vote(client, article, "yes", headers={"origin": "https://evil.example"})
    response_fetch = vote(client, article, "yes", headers={"sec-fetch-site": "cross-site"})

    assert response.status_code == 403 and response_fetch.status_code == 403
    assert not ArticleFeedback.objects.exists()


def test_same_origin_feedback_is_accepted(client):
    article = make_live_article()

    assert vote(client, article, headers={"origin": "http://testserver"}).status_code == 302


def test_feedback_honeypot_looks_like_success_and_stores_nothing(client):
    article = make_live_article()

    response = vote(client, article, "error", report="spam", website="http://spam.example")

    assert response.status_code == 302
    assert not Inquiry.objects.exists()


def test_feedback_is_rate_limited(client, settings):
    settings.INQUIRY_FEEDBACK_RATE_LIMIT = "2/h"
    article = make_live_article()

    statuses = [vote(client, article).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert ArticleFeedback.objects.count() == 2


def test_feedback_works_with_the_page_cache_on(client, settings):
    settings.PAGE_CACHE = True
    article = make_live_article()
    client.get(article.get_absolute_url())
    cached = client.get(article.get_absolute_url())

    response = vote(client, article)

    assert cached.status_code == 200 and response.status_code == 302
    assert ArticleFeedback.objects.count() == 1


# The loop -----------------------------------------------------------------------------------
def republish_with_public_note(article, note="New trial results added."):
    article.body = article.body + "<p>New trial results.</p>"
    article.save()
    version = article.save_version(change_note=note, note_is_public=True)
    article.publish(version)
    return version


def test_article_page_question_records_the_version_seen(client, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    import re

    article = make_live_article()
    page = client.get(article.get_absolute_url()).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post(
        "/ask/", {"question": "Does it help?", "article": article.slug, "form_token": token}
    )

    assert Inquiry.objects.get().source_version == article.live_version


def test_republished_article_lists_earlier_questions_and_readers_to_notify(client, superuser):
    article = make_live_article()
    seen = article.live_version
    make_inquiry(
        "Will you cover the new trial?",
        source_article=article,
        source_version=seen,
        reply_wanted=True,
        consent_given=True,
        name="Rosa Reader",
        email="rosa@example.org",
    )
    make_inquiry(
        "No reply wanted here", source_article=article, source_version=seen, reply_wanted=False
    )
    make_inquiry(
        "Wanted a reply, no consent",
        source_article=article,
        source_version=seen,
        reply_wanted=True,
        email="nc@example.org",
    )
    update = republish_with_public_note(article)
    make_inquiry("Asked after the update", source_article=article, source_version=update)

    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert "New trial results added." in html
    assert "Will you cover the new trial?" in html and "No reply wanted here" in html
    assert "Asked after the update" not in html
    assert 'data-figure="notify">1<' in html
    assert "rosa@example.org" in html and "nc@example.org" not in html


def test_readers_names_need_the_personal_data_permission(client):
    user = make_staff("viv")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_article", "view_inquiry"])
    )
    client.force_login(user)
    article = make_live_article()
    make_inquiry(
        "Question",
        source_article=article,
        source_version=article.live_version,
        reply_wanted=True,
        consent_given=True,
        email="hidden@example.org",
    )
    republish_with_public_note(article)

    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-figure="notify">1<' in html
    assert "hidden@example.org" not in html


def test_without_a_public_note_nobody_is_listed(client, superuser):
    article = make_live_article()
    make_inquiry("Q", source_article=article, source_version=article.live_version)
    article.title = "Retitled"
    article.save()
    article.publish(article.save_version(change_note="Private fix", note_is_public=False))

    update, earlier = Inquiry.objects.raised_before_update(article)

    assert update is None and not earlier.exists()


def test_article_admin_shows_prompted_by_count_linking_to_the_list(client, superuser):
    article = make_live_article()
    for _ in range(3):
        make_inquiry(related_article=article, related_article_role=ArticleRole.PROMPTED)

    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert "Prompted by" in html and "3 inquiries" in html
    assert (
        f"related_article__id__exact={article.pk}&amp;related_article_role__exact=prompted" in html
    )


# Review queue -------------------------------------------------------------------------------
def test_review_queue_ranks_due_articles_by_questions_on_their_topics(client, superuser):
    today = timezone.localdate()
    busy, quiet = make_topic("Busy"), make_topic("Quiet")
    low = make_live_article("Low demand", topics=[quiet], next_review_due=today)
    high = make_live_article(
        "High demand", topics=[busy], next_review_due=today + datetime.timedelta(days=20)
    )
    make_live_article("Not due", topics=[busy], next_review_due=today + datetime.timedelta(60))
    for _ in range(3):
        make_inquiry(topics=[busy])
    make_inquiry(topics=[quiet])
    old = make_inquiry(topics=[quiet])
    Inquiry.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=120)
    )
    make_inquiry(topics=[quiet], status=Status.SPAM)

    response = client.get(reverse("admin:inquiries_demandreport_review_queue"))
    html = response.content.decode()

    assert response.status_code == 200
    assert html.index(high.title) < html.index(low.title)
    assert "Not due" not in html
    from inquiries import demand

    assert [(a.title, a.demand) for a in demand.review_queue()] == [
        ("High demand", 3),
        ("Low demand", 1),
    ]


def test_review_queue_needs_article_view_permission(client):
    client.force_login(make_staff("nobody"))
    assert client.get(reverse("admin:inquiries_demandreport_review_queue")).status_code == 403


# Start a draft from inquiries -----------------------------------------------------------------
def test_gap_topic_links_to_starting_a_draft(client, superuser):
    topic = make_topic("Hair loss")
    for _ in range(3):
        make_inquiry(topics=[topic])

    html = client.get(reverse("admin:inquiries_demandreport_changelist")).content.decode()

    assert reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk]) in html


def test_starting_a_draft_prefills_topic_lists_questions_and_links_them(client, superuser):
    topic = make_topic("Hair loss")
    chosen = [make_inquiry(f"Does lupus cause hair loss {n}?", topics=[topic]) for n in range(2)]
    left_out = make_inquiry("Unrelated hair question", topics=[topic])
    url = reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk])
    assert "Unrelated hair question" in client.get(url).content.decode()

    response = client.post(
        url, {"title": "Hair loss and lupus", "inquiries": [i.pk for i in chosen]}
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    assert list(article.topics.all()) == [topic]
    assert article.status == "draft" and article.body == ""
    assert f"inquiries {chosen[0].pk}, {chosen[1].pk}." in article.editor_note
    assert "hair loss 0" not in article.editor_note
    assert set(Inquiry.objects.prompted(article)) == set(chosen)
    left_out.refresh_from_db()
    assert left_out.related_article is None


def test_an_author_editing_a_draft_started_from_questions_never_sees_readers_text(
    client, superuser
):
    topic = make_topic("Hair loss")
    asked = [
        make_inquiry(f"My hair falls out in clumps, is it lupus {n}?", topics=[topic])
        for n in range(2)
    ]
    url = reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk])
    client.post(url, {"title": "Hair loss and lupus", "inquiries": [i.pk for i in asked]})
    article = Article.objects.get()
    change = reverse("admin:articles_article_change", args=[article.pk])
    assert "Prompted by" in client.get(change).content.decode()

    client.force_login(make_staff("aisha", "Authors"))
    response = client.get(change)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Written because readers asked" in html
    assert "falls out in clumps" not in html
    assert client.get(reverse("admin:inquiries_inquiry_changelist")).status_code == 403


def test_starting_a_draft_without_questions_shows_an_error(client, superuser):
    topic = make_topic("Hair loss")
    make_inquiry(topics=[topic])
    url = reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk])

    response = client.post(url, {"title": "Hair loss"})

    assert response.status_code == 200
    assert "Choose at least one question." in response.content.decode()
    assert not Article.objects.exists()


def test_inquiry_staff_without_article_rights_cannot_start_a_draft(client, inquiry_staff):
    topic = make_topic("Hair loss")
    url = reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk])

    assert client.get(url).status_code == 403


def test_dashboard_shows_zero_result_searches_beside_the_gaps(client, superuser):
    for n, q in enumerate(["Hair LOSS", "hair loss", "hair  loss"]):
        SearchGap.objects.record(q, client=f"192.0.2.{n}")

    html = client.get(reverse("admin:inquiries_demandreport_changelist")).content.decode()

    assert 'data-query="hair loss"' in html
    assert html.index('id="content-gaps"') < html.index('id="search-gaps"')
