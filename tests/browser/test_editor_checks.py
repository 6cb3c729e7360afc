"""An author sees the content checks and the reading level while editing (issue 17)."""

import pytest
from playwright.sync_api import expect

from tests.browser.screenshots import shot
from tests.browser.staff_pages import log_in, type_in_editor
from tests.factories import make_live_article, make_staff

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.usefixtures("staff_roles"),
]


def test_author_sees_checks_on_save_and_while_typing(live_server, page):
    make_staff("edith", "Editors")
    article = make_live_article(body="<h2>Start</h2><h4>Skipped</h4><p>Short text.</p>")
    log_in(page, live_server.url, "edith")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    panel = page.locator(".reading-panel")
    expect(panel).to_contain_text("Reading level: grade")
    # The saved version's checks, from the server:
    expect(panel).to_contain_text("skips from level 2 to level 4")

    page.wait_for_selector(".cke_wysiwyg_frame")
    page.wait_for_function(
        "CKEDITOR.instances.id_body && CKEDITOR.instances.id_body.status === 'ready'"
    )
    panel.get_by_role("link", name="skips from level 2 to level 4").click()  # leads to the body
    page.wait_for_function("CKEDITOR.instances.id_body.focusManager.hasFocus")

    type_in_editor(page, " " + " ".join(["word"] * 120))
    live = page.locator("[data-live-checks]")
    expect(live).to_contain_text("While you type")
    expect(live).to_contain_text("is long for a phone screen")
    panel.scroll_into_view_if_needed()
    shot(page, "editor-checks")
