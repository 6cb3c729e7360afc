"""Answering readers, walked in Chromium: an urgent question answered with the emergency reply,
the reader's answer fetched from the mailbox into the same thread; the reader's urgent page."""

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from inquiries.models import Direction, Inquiry, Status
from tests.factories import emergency_reply, make_live_article, make_staff

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path("/work/shots/answer")


def shot(page, name):
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base, username):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_staff_answer_an_urgent_question_and_the_readers_reply_joins_the_thread(
    live_server, page, smtp_server, imap_server
):
    make_live_article("Low-dose naltrexone and lupus")
    make_staff("helen", "Inquiry staff")
    emergency_reply()
    inquiry = Inquiry.objects.create(
        question="I started LDN last week and now I have chest pain and I cannot breathe properly",
        name="Ann",
        email="ann@example.net",
        reply_wanted=True,
        consent_given=True,
    )
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "helen")

    page.goto(base + "/admin/inquiries/inquiry/")
    page.get_by_role("link", name="I started LDN last week").click()
    expect(page.locator(".inquiry-urgent-note")).to_contain_text("chest pain")
    expect(page.locator("blockquote.thread-body")).to_contain_text("I cannot breathe properly")
    shot(page, "1-urgent-question")

    page.get_by_role("link", name="Insert “Urgent: emergency guidance”").click()
    box = page.locator("#id_body")
    expect(box).to_have_value(re.compile(r"^Dear Ann,"))
    box.press("End")
    box.type("\n\nHelen, for the team")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".reply-preview")).to_contain_text("call your local emergency")
    expect(page.locator("#id_body")).to_have_value(re.compile("Helen, for the team"))
    shot(page, "2-preview")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messagelist")).to_contain_text("Your reply was sent.")
    expect(page.locator(".thread-out")).to_contain_text("Reply by helen")
    shot(page, "3-sent")

    assert len(smtp_server.messages) == 1
    recipients, sent = smtp_server.messages[0]
    assert recipients == ["ann@example.net"]
    assert "emergency number" in sent.get_content() and "Helen, for the team" in sent.get_content()
    assert "+" in sent["Reply-To"]
    inquiry.refresh_from_db()
    assert inquiry.status == Status.ANSWERED and inquiry.answered_at is not None

    answer = EmailMessage()
    answer["From"] = "Ann <ann@example.net>"
    answer["To"] = sent["Reply-To"]
    answer["Subject"] = "Re: " + sent["Subject"]
    answer["Message-ID"] = "<ann-answer-1@example.net>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer.set_content("Thank you. I called my doctor and feel better now.\n\n> Dear Ann,\n")
    imap_server.deliver(answer.as_bytes())

    call_command("fetch_inquiry_mail")
    call_command("fetch_inquiry_mail")

    assert Inquiry.objects.count() == 1
    assert inquiry.messages.filter(direction=Direction.FROM_READER).count() == 1
    page.reload()
    expect(page.locator(".thread-in").last).to_contain_text("I called my doctor")
    shot(page, "4-readers-answer-in-thread")


def test_a_reader_on_a_phone_sends_an_urgent_question_and_sees_what_to_do_now(
    live_server, page, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/ask/")
    page.fill("#ask_question", "I took too many tablets and I feel strange")
    page.get_by_role("button", name="Send my question").click()

    page.wait_for_url("**/ask/thanks/urgent/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("What you wrote may be an emergency")
    expect(page.locator("main")).to_contain_text("Call your local emergency number now")
    expect(page.locator("main")).not_to_contain_text("within two weeks")
    box = heading.bounding_box()
    assert box["y"] < 400  # leads the page, on the first phone screen
    shot(page, "5-reader-urgent-thanks-390")


def test_the_triage_list_fits_at_1366_px_and_opens_on_open_questions(live_server, page):
    make_staff("helen", "Inquiry staff")
    for number in range(3):
        Inquiry.objects.create(
            question=f"Question {number}: can I take low-dose naltrexone with my other lupus "
            "medicines, and what should I tell my rheumatologist before I start?",
            reply_wanted=number == 0,
        )
    Inquiry.objects.create(question="Buy cheap pills", status=Status.SPAM)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.url, "helen")

    page.goto(live_server.url + "/admin/inquiries/inquiry/")

    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    expect(page.locator("#changelist-filter")).to_contain_text("Open (new or triaged)")
    header = page.locator("#result_list thead th", has_text="Assigned to")
    box = header.bounding_box()
    assert box["x"] + box["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "6-triage-list-1366")


def test_a_reader_typing_a_question_is_shown_articles_that_may_answer_it(
    live_server, page, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    make_live_article("Low-dose naltrexone and lupus")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/ask/")

    page.fill("#ask_question", "Can I take naltrexone with my lupus medicines?")

    suggestion = page.locator(".ask-suggestions a", has_text="Low-dose naltrexone and lupus")
    expect(suggestion).to_be_visible()
    shot(page, "7-suggestions-while-typing-390")
    page.get_by_role("button", name="Send my question").click()
    page.wait_for_url("**/ask/thanks/")
    from inquiries.models import ArticleSuggestion

    assert ArticleSuggestion.objects.get().sent_anyway == 1
