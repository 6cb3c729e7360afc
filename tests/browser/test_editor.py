"""An editor writes in the real CKEditor, compares versions, publishes; stale saves are refused."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from articles.models import Article
from tests.browser.staff_pages import log_in, save_and_continue, type_in_editor
from tests.factories import default_disclaimer, make_article, make_author, make_staff

create_roles = importlib.import_module("articles.migrations.0003_roles").create_roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _roles():
    """Transactional tests empty every table afterwards, data-migration groups included;
    create them again the way the migration does."""
    create_roles(django_apps, schema_editor=None)


def editor_text(page):
    return page.frame_locator(".cke_wysiwyg_frame").locator("body").inner_text()


def test_editor_writes_compares_and_publishes(live_server, page):
    make_staff("edith", "Editors")
    make_author("Dana Whitfield", credentials="RN")
    default_disclaimer()
    base = live_server.url
    log_in(page, base, "edith")

    page.goto(base + "/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("Pacing for lupus fatigue")
    assert page.input_value("#id_slug") == "pacing-for-lupus-fatigue"
    page.fill("#id_summary", "How to spread your energy over the day.")
    page.wait_for_selector(".cke_wysiwyg_frame")
    type_in_editor(page, "Plan rest before you need it.")
    # The form is in tabs (issue 12): review dates, then people and sources.
    page.get_by_role("tab", name="Review and publishing").click()
    page.fill("#id_last_reviewed", "2026-01-10")
    page.get_by_role("tab", name="People and sources").click()
    page.select_option("#id_article_authors-0-author", label="Dana Whitfield, RN")
    page.fill("#id_sources-0-title", "Fatigue and lupus: a patient guide")
    save_and_continue(page)
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()

    page.get_by_role("tab", name="Content").click()
    page.wait_for_selector(".cke_wysiwyg_frame")
    type_in_editor(page, " Split big jobs into small ones.")
    save_and_continue(page)
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()

    page.get_by_role("link", name="History", exact=True).click()
    page.select_option("#compare-a", "1")
    page.select_option("#compare-b", "2")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".diff-body ins").first).to_contain_text("Split big jobs into small ones")

    page.get_by_role("link", name=re.compile("Pacing for lupus fatigue")).click()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Published version 2: readers now see it.")).to_be_visible()

    page.goto(base + "/articles/pacing-for-lupus-fatigue/")
    expect(page.locator("main")).to_contain_text("Split big jobs into small ones.")


def test_second_editor_saving_a_stale_form_gets_the_conflict_message(live_server, page, browser):
    make_staff("edith", "Editors")
    make_staff("eric", "Editors")
    article = make_article("Sun protection", body="<p>Wear a hat.</p>")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    other_context = browser.new_context()
    other = other_context.new_page()
    other.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, "edith")
        log_in(other, live_server.url, "eric")
        page.goto(url)
        other.goto(url)
        page.wait_for_selector(".cke_wysiwyg_frame")
        other.wait_for_selector(".cke_wysiwyg_frame")

        type_in_editor(page, " Use sunscreen.")
        save_and_continue(page)
        expect(page.get_by_text("Saved as version 2.")).to_be_visible()

        type_in_editor(other, " Stay in the shade at noon.")
        save_and_continue(other)

        expect(other.get_by_text("after you opened it")).to_be_visible()
        # Theirs against mine on the same page (issue 12), not a link away.
        expect(other.locator(".conflict-row[data-field=body] .theirs")).to_contain_text(
            "Use sunscreen."
        )
        other.wait_for_selector(".cke_wysiwyg_frame")
        assert "Stay in the shade at noon." in editor_text(other)
        assert Article.objects.get(pk=article.pk).versions.count() == 2
    finally:
        other_context.close()
