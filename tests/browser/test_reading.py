"""Plain, comfortable reading in Chromium (issue 17): glossary definitions, "On this page",
the two-page handout, and axe in the dark scheme and in forced colours."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from tests.browser.screenshots import SHOTS, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ARTICLE = "/articles/low-dose-naltrexone-lupus/"


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo", stdout=io.StringIO())
    return live_server.url


def test_glossary_definition_opens_with_the_keyboard_and_is_in_the_accessibility_tree(
    demo_site, page
):
    page.goto(demo_site + ARTICLE)
    term = page.get_by_role("button", name="off-label", exact=True)
    definition = page.locator("#term-off-label")
    expect(definition).to_be_hidden()

    term.focus()
    page.keyboard.press("Enter")

    expect(definition).to_be_visible()
    note = page.get_by_role("note").filter(has_text="Using a medicine for a condition")
    expect(note).to_be_visible()
    assert "Off-label:" in note.aria_snapshot()
    # Chromium's own accessibility tree: the word is an expanded button, the note is there.
    nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    button = next(
        n for n in nodes if n["role"]["value"] == "button" and n["name"]["value"] == "off-label"
    )
    assert {"name": "expanded", "value": {"type": "booleanOrUndefined", "value": True}} in button[
        "properties"
    ]
    assert any(n["role"]["value"] == "note" for n in nodes)
    shot(page, "glossary-open")

    page.keyboard.press("Escape")
    expect(definition).to_be_hidden()
    expect(term).to_be_focused()  # focus goes back to the word


def test_glossary_page_lists_the_demo_terms(demo_site, page):
    page.goto(demo_site + "/glossary/")
    expect(page.locator(".glossary-entry")).to_have_count(12)
    assert axe_violations(page) == []
    shot(page, "glossary-page", full_page=True)


def test_on_this_page_links_move_focus_to_the_section(demo_site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_site + ARTICLE)
    contents = page.get_by_role("navigation", name="On this page")
    expect(contents.get_by_role("link")).to_have_count(7)

    contents.get_by_role("link", name="Side effects").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Side effects")).to_be_focused()
    page.keyboard.press("Tab")  # and the next Tab continues from the section
    assert page.evaluate("document.activeElement.closest('.prose') !== null")
    shot(page, "on-this-page-focus")


def test_citation_marker_leads_to_its_source_and_back(demo_site, page):
    page.goto(demo_site + ARTICLE)
    page.get_by_role("link", name="Source 2").first.click()
    assert page.url.endswith("#source-2")
    page.locator("#source-2").get_by_role("link", name=re.compile("Back to where source 2")).click()
    assert page.url.endswith("#cite-2")


def test_question_form_opens_from_its_summary_without_javascript(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(demo_site + ARTICLE)
        question = page.get_by_label("Your question")
        expect(question).to_be_hidden()
        page.get_by_text("Ask us a question about this article").click()
        expect(question).to_be_visible()
    finally:
        context.close()


def test_the_article_at_390_px_is_shorter_and_the_body_starts_sooner(demo_site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_site + ARTICLE)
    height = page.evaluate("document.documentElement.scrollHeight")
    contents_top = page.evaluate(
        "document.querySelector('.on-this-page').getBoundingClientRect().top"
    )
    shot(page, "ldn-390-after", full_page=True)
    # Before issue 17 the page was 10,841 px (12.8 screens) with no list of sections.
    assert height < 9_000
    assert contents_top < 2 * 844  # the list of sections within two screens
    assert page.locator("#id_question, textarea[name=question]").first.is_hidden()


def test_handout_is_at_most_two_a4_pages_with_the_cautions_on_page_one(demo_site, page, settings):
    from pypdf import PdfReader

    page.goto(demo_site + ARTICLE)
    cautions = page.locator(".cautions li").all_inner_texts()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        (SHOTS / "handout.pdf").write_bytes(pdf)

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) <= 2
    first = " ".join(pages[0].extract_text().split())
    assert settings.ORGANIZATION_NAME in first.split(" Low-dose")[0]  # at the very top
    assert f"Printed from {demo_site}{ARTICLE}" in first
    assert cautions and all(" ".join(c.split()) in first for c in cautions)
    last = " ".join(pages[-1].extract_text().split())
    assert "Sources" in last or "Sources" in first
    assert "Please note" in last and "They do not replace advice" in last


@pytest.mark.parametrize(
    "options, name",
    [({"color_scheme": "dark"}, "dark"), ({"forced_colors": "active"}, "forced-colours")],
)
@pytest.mark.parametrize("path", ["/", ARTICLE, "/glossary/", "/ask/", "/articles/?q=lupus"])
def test_axe_clean_in_dark_scheme_and_forced_colours(demo_site, browser, options, name, path):
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        page.goto(demo_site + path)
        if path == ARTICLE:
            page.get_by_text("Ask us a question about this article").click()
            shot(page, f"ldn-{name}", full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()
