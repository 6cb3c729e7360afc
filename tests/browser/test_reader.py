"""The reader's path through the site in a real browser: keyboard, print handout, search."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ARTICLE = "/articles/low-dose-naltrexone-lupus/"


@pytest.fixture
def site(live_server):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return live_server.url


def tab_to(page, text, limit=60):
    """Press Tab until the focused element's text is `text`; return the texts passed on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        seen.append(focused)
        if focused == text:
            return seen
    raise AssertionError(f"{text!r} not reached by keyboard; focus went through {seen}")


def test_keyboard_reader_searches_opens_an_article_and_reaches_ask(site, page):
    page.goto(site + "/")

    seen = tab_to(page, "Search")
    assert seen[0] == "Skip to main content"
    assert seen.index("Articles") < seen.index("Ask us a question") < len(seen) - 1
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("LDN")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/?q=LDN")
    assert "Low-dose naltrexone and lupus" in page.inner_text("main")

    tab_to(page, "Low-dose naltrexone and lupus")
    page.keyboard.press("Enter")
    page.wait_for_url("**" + ARTICLE)

    seen = tab_to(page, "Ask us a question about this article")  # the form starts collapsed
    assert "Print for your doctor" in seen
    page.keyboard.press("Enter")
    tab_to(page, "Send my question")
    assert page.evaluate("document.activeElement.form.action").endswith("/ask/")
    assert "Your question" in page.inner_text(".ask-article")


def test_print_handout_keeps_sources_cautions_disclaimer_and_date_but_no_navigation(site, page):
    page.goto(site + ARTICLE)
    page.emulate_media(media="print")

    for selector in (".sources", ".cautions", ".disclaimer", ".dates", ".print-only"):
        assert page.locator(selector).first.is_visible(), selector
    for selector in (".site-header", "nav", ".site-footer", ".related", ".ask-article"):
        assert not page.locator(selector).first.is_visible(), selector
    first_source = page.locator(".sources a").first
    after = page.evaluate(
        "el => getComputedStyle(el, '::after').content", first_source.element_handle()
    )
    assert first_source.get_attribute("href") in after


def test_print_button_appears_with_javascript_and_opens_the_print_dialog(site, page):
    page.add_init_script("window.print = () => { window.__printed = true; };")
    page.goto(site + ARTICLE)

    page.get_by_role("button", name="Print for your doctor").click()

    assert page.evaluate("window.__printed === true")


def test_print_button_is_hidden_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + ARTICLE)
        assert not page.get_by_text("Print for your doctor").is_visible()
    finally:
        context.close()


def test_hero_image_loads_as_webp_with_its_size_reserved(site, page):
    page.goto(site + ARTICLE)

    image = page.locator(".hero img")
    assert image.get_attribute("width") and image.get_attribute("height")
    assert page.evaluate("document.querySelector('.hero img').currentSrc").endswith(".webp")
    assert page.evaluate("document.querySelector('.hero img').naturalWidth") > 0
