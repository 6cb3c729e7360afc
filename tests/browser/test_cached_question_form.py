"""A reader on a phone asks from a cached article page, with and without JavaScript: the page
is the same for everyone, a form sent too fast is refused with the text kept, and both readers'
identical questions are stored."""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inquiries.models import Inquiry
from tests.factories import make_live_article

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/work/shots/cache")
PHONE = {"width": 390, "height": 844}
QUESTION = "Can I take LDN if I am on hydroxychloroquine?"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_asking_from_a_cached_article_page_with_and_without_javascript(
    live_server, browser, settings
):
    settings.PAGE_CACHE = True
    settings.INQUIRY_MIN_FILL_SECONDS = 2
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 2
    settings.INQUIRY_NOTIFY_EMAIL = ""
    article = make_live_article("Low-dose naltrexone and lupus", slug="ldn-lupus")
    url = live_server.url + article.get_absolute_url()

    with_script = browser.new_context(viewport=PHONE).new_page()
    response = with_script.goto(url)
    assert "set-cookie" not in response.headers
    with_script.get_by_text("Ask us a question about this article").click()  # it starts collapsed
    expect(with_script.locator("#ask_nonce")).not_to_have_value("")
    shot(with_script, "1-article-form-390-js")

    # Sent at once: faster than a person could, so refused with the text kept.
    with_script.fill("#ask_question", QUESTION)
    with_script.click(".ask-article button[type=submit]")
    expect(with_script.locator("#ask-errors")).to_contain_text("That was very quick")
    expect(with_script.locator("#ask_question")).to_have_value(QUESTION)
    # With script the page opens at the problem, not at the top of a long page.
    expect(with_script.locator("#ask-errors")).to_be_in_viewport()
    shot(with_script, "2-too-fast-text-kept-390-js")

    time.sleep(2.2)
    with_script.click("button[type=submit]")
    with_script.wait_for_url("**/ask/thanks/")
    expect(with_script.locator("main")).to_contain_text("we have your question")
    shot(with_script, "3-thanks-390-js")

    without_script = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    without_script.goto(url)
    expect(without_script.locator("#ask_nonce")).to_have_value("")
    without_script.get_by_text("Ask us a question about this article").click()
    without_script.fill("#ask_question", QUESTION)
    shot(without_script, "4-article-form-390-no-js")
    time.sleep(4.2)  # past the token's bucket and the minimum fill time
    without_script.click(".ask-article button[type=submit]")
    without_script.wait_for_url("**/ask/thanks/")
    shot(without_script, "5-thanks-390-no-js")

    # The same words from the same address, one with script and one without: both stored.
    assert Inquiry.objects.filter(question=QUESTION).count() == 2
    with_script.context.close()
    without_script.context.close()
