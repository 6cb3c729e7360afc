"""Answering a reader from the inquiry page: preview, send, refusals, a failed send."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from inquiries.models import Direction, Inquiry, SavedReply, Status
from tests.factories import make_inquiry, make_live_article, make_staff

pytestmark = pytest.mark.django_db


def reader_question(**fields):
    fields.setdefault("email", "ann@example.net")
    fields.setdefault("name", "Ann")
    return make_inquiry(
        "Can I take low-dose naltrexone with hydroxychloroquine?",
        reply_wanted=True,
        consent_given=True,
        **fields,
    )


def page(client, inquiry, query=""):
    response = client.get(reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def reply(client, inquiry, **data):
    return client.post(reverse("admin:inquiries_inquiry_reply", args=[inquiry.pk]), data)


def test_the_readers_message_is_shown_as_sent_and_cannot_be_edited(client, helen):
    inquiry = reader_question()
    html = page(client, inquiry)
    assert '<blockquote class="thread-body">Can I take low-dose naltrexone' in html
    assert 'name="question"' not in html

    response = client.post(
        reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]),
        {
            "question": "Rewritten by staff",
            "channel": "web",
            "status": "triaged",
            "received_at_0": "2026-12-01",
            "received_at_1": "10:00:00",
            "staff_notes": "Checked with the nurse.",
            "reply_wanted": "on",
            "name": "Ann",
            "email": "ann@example.net",
        },
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "triaged"
    assert inquiry.question.startswith("Can I take low-dose naltrexone")


def test_preview_keeps_the_text_and_sends_nothing(client, helen, smtp_server):
    inquiry = reader_question()

    response = reply(client, inquiry, body="Dear Ann, here is what we know.", preview="1")

    assert response.status_code == 302
    html = page(client, inquiry)
    assert "Preview: what the reader will get" in html
    assert html.count("Dear Ann, here is what we know.") == 2  # the preview and the box
    assert smtp_server.messages == []
    assert not inquiry.messages.exists()


def test_send_emails_the_reader_once_and_the_thread_shows_it(client, helen, smtp_server):
    article = make_live_article("Low-dose naltrexone and lupus")
    inquiry = reader_question()

    reply(client, inquiry, body="Dear Ann, see our article.", cite=[article.pk], send="1")

    assert len(smtp_server.messages) == 1
    recipients, mail = smtp_server.messages[0]
    assert recipients == ["ann@example.net"]
    assert f"Read more: http://testserver{article.get_absolute_url()}" in mail.get_content()
    message = inquiry.messages.get()
    assert message.direction == Direction.TO_READER and message.created_by == helen
    assert list(message.cited_versions.all()) == [article.live_version]
    inquiry.refresh_from_db()
    assert inquiry.status == Status.ANSWERED
    html = page(client, inquiry)
    assert "Reply by helen" in html and "Cited: Low-dose naltrexone and lupus (version 1)" in html
    assert "Dear Ann, see our article." not in html.split('id="reply"')[1]  # the box is empty


def test_a_failed_send_keeps_the_text_and_can_be_sent_again(client, helen, smtp_server):
    inquiry = reader_question()
    smtp_server.refuse = True

    reply(client, inquiry, body="Text that must survive.", send="1")

    html = page(client, inquiry)
    assert "Text that must survive." in html and "not sent" in html
    assert "The mail server did not take your reply." in html
    message = inquiry.messages.get()
    smtp_server.refuse = False

    client.post(reverse("admin:inquiries_inquiry_resend", args=[inquiry.pk, message.pk]))

    message.refresh_from_db()
    assert message.sent_at is not None
    assert len(smtp_server.messages) == 1
    assert inquiry.messages.count() == 1


def test_a_reader_who_wanted_no_reply_cannot_be_written_to(client, helen, smtp_server):
    inquiry = make_inquiry("Just telling you", email="ann@example.net")
    assert "did not ask for a reply" in page(client, inquiry)

    reply(client, inquiry, body="Hello", send="1")

    assert smtp_server.messages == []
    assert "did not ask for a reply" in page(client, inquiry)


def test_staff_without_the_personal_data_permission_cannot_reply(client, smtp_server):
    volunteer = make_staff("val")
    volunteer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inquiries", codename__in=["view_inquiry", "change_inquiry"]
        )
    )
    client.force_login(volunteer)
    inquiry = reader_question()

    html = page(client, inquiry)
    assert "Replying needs the permission" in html
    assert "ann@example.net" not in html and "Ann" not in html.split('id="thread"')[1]
    response = reply(client, inquiry, body="Hello", send="1")
    assert response.status_code == 403
    assert smtp_server.messages == []


def test_a_saved_reply_fills_in_the_readers_name_and_the_article_link(client, helen):
    article = make_live_article("Low-dose naltrexone and lupus")
    inquiry = reader_question(source_article=article)
    saved = SavedReply.objects.create(
        title="Our LDN article", body="Dear {name}, read {article_link}"
    )

    html = page(client, inquiry, f"?saved={saved.pk}")

    assert f"Dear Ann, read http://testserver{article.get_absolute_url()}</textarea>" in html


def test_suggested_articles_match_the_question(client, helen):
    make_live_article("Low-dose naltrexone and lupus")
    make_live_article("Sleep and fatigue")
    inquiry = reader_question()

    html = page(client, inquiry)

    suggested = html.split("Suggested articles")[1].split("</fieldset>")[0]
    assert "Low-dose naltrexone and lupus" in suggested
    assert "Sleep and fatigue" not in suggested


def test_no_personal_data_in_the_logs_when_replying(client, helen, smtp_server, caplog):
    inquiry = reader_question()
    with caplog.at_level("DEBUG"):
        reply(client, inquiry, body="Private answer text", send="1")
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.log")
    )
    assert "ann@example.net" not in logged and "Private answer text" not in logged
    assert Inquiry.objects.get().status == Status.ANSWERED
