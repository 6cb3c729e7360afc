"""Answering readers by e-mail, and taking in what they send back.

A reply goes out from DEFAULT_FROM_EMAIL with our own Message-ID and a per-inquiry reply
address (INQUIRY_REPLY_ADDRESS with "+<inquiry>-<signature>" added to its local part). A
message that comes in joins the thread whose message it answers (In-Reply-To, then
References), or failing that the inquiry its reply address names; anything else is a new
question. Nothing here logs a reader's address or words.
"""

import email
import email.policy
import hashlib
import re
from email.utils import getaddresses, make_msgid, parseaddr

import nh3
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from mailparser_reply import EmailReplyParser

from inquiries.models import (
    QUESTION_MAX_LENGTH,
    Channel,
    Direction,
    Inquiry,
    InquiryMessage,
    Status,
)

_SIGNATURE_LENGTH = 10
_THREAD_ID = re.compile(r"<[^<>\s]+>")


class ReplyNotAllowed(Exception):
    """The reader did not ask for a reply, did not consent, or gave no address."""


def _signature(inquiry_id):
    return salted_hmac("inquiries.reply-address", str(inquiry_id)).hexdigest()[:_SIGNATURE_LENGTH]


def reply_address(inquiry):
    """The address a reader's answer to `inquiry`'s e-mails goes to."""
    local, _, domain = settings.INQUIRY_REPLY_ADDRESS.partition("@")
    return f"{local}+{inquiry.pk}-{_signature(inquiry.pk)}@{domain}"


def inquiry_id_from_address(address):
    """The inquiry a per-inquiry reply address names, or None (also for a forged one)."""
    local = parseaddr(address)[1].partition("@")[0]
    tag = local.rpartition("+")[2] if "+" in local else ""
    inquiry_id, _, signature = tag.partition("-")
    if inquiry_id.isdigit() and constant_time_compare(signature, _signature(inquiry_id)):
        return int(inquiry_id)
    return None


def send_reply(inquiry, body, by, versions=()):
    """Store `body` as a reply on `inquiry`, then send it (see `deliver`); returns the message.

    Raises ReplyNotAllowed, before storing anything, when the reader cannot be written to.
    """
    if not (inquiry.reply_wanted and inquiry.consent_given and inquiry.email):
        raise ReplyNotAllowed(
            "This reader did not ask for a reply by e-mail or did not agree that we keep "
            "their address, so no e-mail can be sent."
        )
    domain = settings.INQUIRY_REPLY_ADDRESS.partition("@")[2] or "localhost"
    with transaction.atomic():
        message = InquiryMessage.objects.create(
            inquiry=inquiry,
            direction=Direction.TO_READER,
            body=body,
            created_by=by,
            message_id=make_msgid(idstring=f"inquiry{inquiry.pk}", domain=domain),
        )
        message.cited_versions.set(versions)
    deliver(message)
    return message


def deliver(message):
    """Send a stored reply; True once the mail server accepted it.

    The message is committed before the mail server is asked, and marked sent (and its
    inquiry answered) only once the server accepted it. A refused send keeps the message with
    the reason, so the text is never lost and can be sent again.
    """
    inquiry = message.inquiry
    headers = {"Message-ID": message.message_id}
    earlier = inquiry.messages.filter(created_at__lte=message.created_at).exclude(pk=message.pk)
    references = " ".join(earlier.exclude(message_id=None).values_list("message_id", flat=True))
    if inquiry.mail_message_id:
        references = f"{inquiry.mail_message_id} {references}".strip()
    if references:
        headers["References"] = references
        headers["In-Reply-To"] = references.rsplit(" ", 1)[-1]
    mail = EmailMessage(
        subject=settings.INQUIRY_REPLY_SUBJECT,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[inquiry.email],
        reply_to=[reply_address(inquiry)],
        headers=headers,
    )
    try:
        mail.send()
    except Exception as error:  # noqa: BLE001 - any failure of the mail server is reported
        # The reason names the failure, never the reader's address.
        message.send_error = f"Not sent: {type(error).__name__}"[:300]
        message.save(update_fields=["send_error"])
        return False
    now = timezone.now()
    with transaction.atomic():
        message.sent_at = now
        message.send_error = ""
        message.save(update_fields=["sent_at", "send_error"])
        Inquiry.objects.filter(pk=inquiry.pk).exclude(status=Status.CLOSED).update(
            status=Status.ANSWERED
        )
        Inquiry.objects.filter(pk=inquiry.pk, answered_at__isnull=True).update(answered_at=now)
    return True


def _text_of(parsed):
    part = parsed.get_body(preferencelist=("plain",))
    if part is None:
        part = parsed.get_body(preferencelist=("html",))
        if part is None:
            return ""
        # An HTML-only message: keep the words, never the markup.
        return nh3.clean(part.get_content(), tags=set()).strip()
    return part.get_content()


def _new_text(text):
    """The reader's own words: without the quoted history and the signature."""
    replies = EmailReplyParser(languages=["en"]).read(text=text).replies
    lines = (replies[0].body if replies else text).rstrip().splitlines()
    # A quote with no "On … wrote:" line before it is left by the parser: drop it from the end.
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return ("\n".join(lines).strip() or text.strip())[:QUESTION_MAX_LENGTH]


def _message_id(parsed, raw):
    found = _THREAD_ID.findall(parsed.get("Message-ID", ""))
    if found:
        return found[0][:255]
    # No Message-ID: the message's own bytes identify it, so fetching it again finds it.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def _thread_for(parsed):
    ids = _THREAD_ID.findall(parsed.get("In-Reply-To", "")) + list(
        reversed(_THREAD_ID.findall(parsed.get("References", "")))
    )
    if ids:
        known = (
            InquiryMessage.objects.filter(message_id__in=ids)
            .values_list("inquiry_id", flat=True)
            .first()
            or Inquiry.objects.filter(mail_message_id__in=ids).values_list("pk", flat=True).first()
        )
        if known:
            return known
    recipients = getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", []))
    for _, address in recipients:
        inquiry_id = inquiry_id_from_address(address)
        if inquiry_id and Inquiry.objects.filter(pk=inquiry_id).exists():
            return inquiry_id
    return None


def take_in(raw):
    """Store one e-mail (bytes) as a new inquiry or as a message on its thread.

    Returns the InquiryMessage for a message that joined a thread, the Inquiry for a new
    question, or None when this message was taken before (same Message-ID).
    """
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _message_id(parsed, raw)
    if (
        InquiryMessage.objects.filter(message_id=message_id).exists()
        or Inquiry.objects.filter(mail_message_id=message_id).exists()
    ):
        return None
    text = _new_text(_text_of(parsed))
    had_attachments = any(True for _ in parsed.iter_attachments())
    thread = _thread_for(parsed)
    try:
        with transaction.atomic():
            if thread:
                return InquiryMessage.objects.create(
                    inquiry_id=thread,
                    direction=Direction.FROM_READER,
                    body=text,
                    message_id=message_id,
                    had_attachments=had_attachments,
                )
            name, address = parseaddr(parsed.get("From", ""))
            inquiry = Inquiry.objects.create(
                question=text or "(The e-mail had no text.)",
                channel=Channel.EMAIL,
                name=name[:150],
                email=address[:254],
                # Writing to us by e-mail asks for an answer by e-mail; keeping the address to
                # send it is what the reader expects of an e-mail they sent.
                reply_wanted=bool(address),
                consent_given=bool(address),
                consent_at=timezone.now() if address else None,
                consent_text_version="e-mail",
                mail_message_id=message_id,
                had_attachments=had_attachments,
            )
            return inquiry
    except IntegrityError:
        # Another run took the same message at the same moment.
        return None
