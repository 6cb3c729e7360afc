"""Replies by e-mail and questions that arrive by e-mail, against real SMTP and IMAP servers."""

from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command

from inquiries.mail import ReplyNotAllowed, inquiry_id_from_address, reply_address, send_reply
from inquiries.models import Channel, Direction, Inquiry, InquiryMessage, SavedReply, Status
from tests.factories import emergency_reply, make_live_article

pytestmark = pytest.mark.django_db


def make_inquiry(**fields):
    fields.setdefault("question", "Can I take LDN with hydroxychloroquine?")
    fields.setdefault("name", "Ann Reader")
    fields.setdefault("email", "ann@example.net")
    fields.setdefault("reply_wanted", True)
    fields.setdefault("consent_given", True)
    return Inquiry.objects.create(**fields)


def reader_mail(body, *, message_id, subject="A question", in_reply_to="", to=None, attach=False):
    mail = EmailMessage()
    mail["From"] = "Bea Reader <bea@example.net>"
    mail["To"] = to or "questions@localhost"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    if attach:
        mail.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf")
    return mail.as_bytes()


def test_reply_is_sent_once_with_our_reply_address_and_marks_the_question_answered(
    smtp_server, django_user_model
):
    staff = django_user_model.objects.create_user("helen", is_staff=True)
    inquiry = make_inquiry()

    message = send_reply(inquiry, "Dear Ann, yes you can; see our article.", by=staff)

    assert len(smtp_server.messages) == 1
    recipients, sent = smtp_server.messages[0]
    assert recipients == ["ann@example.net"]
    assert "Dear Ann, yes you can" in sent.get_content()
    assert sent["Reply-To"] == reply_address(inquiry)
    assert sent["Message-ID"] == message.message_id
    message.refresh_from_db()
    inquiry.refresh_from_db()
    assert message.sent_at is not None and message.send_error == ""
    assert message.created_by == staff
    assert inquiry.status == Status.ANSWERED and inquiry.answered_at is not None


def test_a_refused_send_keeps_the_text_and_says_so(smtp_server):
    smtp_server.refuse = True
    inquiry = make_inquiry()

    message = send_reply(inquiry, "Text that must not be lost.", by=None)

    message.refresh_from_db()
    inquiry.refresh_from_db()
    assert message.body == "Text that must not be lost."
    assert message.sent_at is None and message.send_error.startswith("Not sent")
    assert "ann@example.net" not in message.send_error
    assert inquiry.status == Status.NEW and inquiry.answered_at is None


@pytest.mark.parametrize(
    "fields", [{"reply_wanted": False}, {"consent_given": False}, {"email": ""}]
)
def test_no_reply_to_readers_who_did_not_ask_or_consent(smtp_server, fields):
    inquiry = make_inquiry(**fields)
    with pytest.raises(ReplyNotAllowed):
        send_reply(inquiry, "Hello", by=None)
    assert smtp_server.messages == []
    assert not InquiryMessage.objects.exists()


def test_reply_address_names_its_inquiry_and_a_forged_one_names_none():
    inquiry = make_inquiry()
    address = reply_address(inquiry)
    assert inquiry_id_from_address(f"Portal <{address}>") == inquiry.pk
    forged = address.replace(f"+{inquiry.pk}-", f"+{inquiry.pk + 1}-")
    assert inquiry_id_from_address(forged) is None
    assert inquiry_id_from_address("questions@localhost") is None


def test_an_email_question_becomes_one_inquiry_and_a_second_run_changes_nothing(imap_server):
    imap_server.deliver(
        reader_mail(
            "Is LDN safe with my lupus nephritis?\n\nThanks,\nBea\n\n"
            "On Mon, someone wrote:\n> an older message\n",
            message_id="<q1@example.net>",
            attach=True,
        )
    )

    call_command("fetch_inquiry_mail")
    call_command("fetch_inquiry_mail")

    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Channel.EMAIL
    assert inquiry.question.startswith("Is LDN safe with my lupus nephritis?")
    assert "older message" not in inquiry.question
    assert inquiry.email == "bea@example.net" and inquiry.name == "Bea Reader"
    assert inquiry.had_attachments
    assert imap_server.unseen() == 0


def test_a_readers_answer_joins_the_thread_by_its_headers(imap_server, smtp_server):
    inquiry = make_inquiry(email="bea@example.net")
    reply = send_reply(inquiry, "Our answer.", by=None)
    imap_server.deliver(
        reader_mail(
            "Thank you! One more thing: what dose?\n\n> Our answer.",
            message_id="<r1@example.net>",
            in_reply_to=reply.message_id,
        )
    )

    call_command("fetch_inquiry_mail")
    call_command("fetch_inquiry_mail")

    assert Inquiry.objects.count() == 1
    answer = inquiry.messages.get(direction=Direction.FROM_READER)
    assert answer.body == "Thank you! One more thing: what dose?"


def test_a_readers_answer_without_headers_joins_the_thread_by_its_reply_address(imap_server):
    inquiry = make_inquiry()
    imap_server.deliver(
        reader_mail("Following up.", message_id="<r2@example.net>", to=reply_address(inquiry))
    )

    call_command("fetch_inquiry_mail")

    assert Inquiry.objects.count() == 1
    assert inquiry.messages.get().body == "Following up."


def test_an_imap_outage_loses_nothing(imap_server, settings):
    imap_server.deliver(reader_mail("Question during an outage", message_id="<q2@example.net>"))
    settings.INQUIRY_IMAP_URL = imap_server.url.replace(str(imap_server.port), "1")

    with pytest.raises(CommandError, match="could not be read"):
        call_command("fetch_inquiry_mail")
    assert not Inquiry.objects.exists()

    settings.INQUIRY_IMAP_URL = imap_server.url
    call_command("fetch_inquiry_mail")
    assert Inquiry.objects.get().question == "Question during an outage"


def test_a_message_stored_but_not_marked_seen_is_not_taken_twice(imap_server):
    raw = reader_mail("Asked once", message_id="<q3@example.net>")
    imap_server.deliver(raw)
    call_command("fetch_inquiry_mail")
    # The server lost the \\Seen flag (or the run stopped before setting it).
    imap_server.deliver(raw)

    call_command("fetch_inquiry_mail")

    assert Inquiry.objects.count() == 1
    assert imap_server.unseen() == 0


def test_the_emergency_reply_is_the_first_saved_reply_and_fills_in_the_reader():
    article = make_live_article("Low-dose naltrexone")
    inquiry = make_inquiry(source_article=article)
    emergency_reply()
    first = SavedReply.objects.first()
    assert first.title.startswith("Urgent")
    filled = first.fill(inquiry)
    assert filled.startswith("Dear Ann Reader,")
    assert "emergency number" in filled
    link = SavedReply(title="Link", body="See {article_link} {unknown}").fill(inquiry, "https://x")
    assert link == f"See https://x{article.get_absolute_url()} {{unknown}}"


def test_taking_in_mail_logs_no_address_and_no_words(imap_server, caplog):
    imap_server.deliver(reader_mail("My private health question", message_id="<q9@example.net>"))
    with caplog.at_level("DEBUG"):
        call_command("fetch_inquiry_mail")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "bea@example.net" not in logged and "private health" not in logged
    assert Inquiry.objects.count() == 1
