"""An editor changes a live article's address: readers keep the old one until the new version
is published, then the old address (on printed handouts) leads to the new page."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.staff_pages import log_in, save_and_continue
from tests.factories import make_live_article, make_staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SHOTS = Path("/work/shots/core")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"slug-{name}.png"), full_page=False)


def test_an_old_address_leads_to_the_new_one_once_published(live_server, page, browser):
    make_staff("edith", "Editors")
    article = make_live_article("Sun safety with lupus", slug="sun-safety")
    base = live_server.url
    reader = browser.new_context().new_page()

    log_in(page, base, "edith")
    page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_slug", "sun-safety-and-lupus")
    page.fill("#id_change_note", "Clearer address")
    save_and_continue(page)
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    shot(page, "1-saved")

    # Saved, not published: readers still have the old address, the new one does not exist.
    reader.goto(f"{base}/articles/sun-safety/")
    expect(reader.locator("h1")).to_have_text("Sun safety with lupus")
    assert reader.goto(f"{base}/articles/sun-safety-and-lupus/").status == 404

    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Published version 2: readers now see it.")).to_be_visible()
    shot(page, "2-published")

    reader.context.close()

    # Someone typing the address from a printed handout (a browser that never saw the page:
    # a browser that did may keep it for the short max-age reader pages carry).
    handout = browser.new_context().new_page()
    handout.goto(f"{base}/articles/sun-safety/")
    expect(handout).to_have_url(f"{base}/articles/sun-safety-and-lupus/")
    expect(handout.locator("h1")).to_have_text("Sun safety with lupus")
    shot(handout, "3-old-address-redirected")
    handout.context.close()
