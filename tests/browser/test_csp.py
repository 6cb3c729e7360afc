"""The Content-Security-Policy must not break the admin or the editor, nor let inline code run."""

import pytest
from django.contrib.auth.models import User

PASSWORD = "a long and unguessable test password"

# Registered before any page script, in every frame: records each violation the browser sees.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched_page(page):
    console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(message.text),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_errors = console_errors
    return page


def violations(page):
    found = [text for text in page.console_errors if "Content Security Policy" in text]
    for frame in page.frames:
        found += frame.evaluate("window.__cspViolations || []")
    return found


def sign_in(page, live_server):
    User.objects.create_superuser("chief", password=PASSWORD)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


def test_admin_login_page_loads_without_policy_violations(live_server, watched_page):
    watched_page.goto(live_server.url + "/admin/login/")

    assert watched_page.locator("#id_username").is_visible()
    assert violations(watched_page) == []


def test_admin_index_loads_without_policy_violations(live_server, watched_page):
    sign_in(watched_page, live_server)

    assert watched_page.locator("#site-name").is_visible()
    assert violations(watched_page) == []


@pytest.mark.slow
def test_ckeditor_starts_on_the_article_add_page_without_policy_violations(
    live_server, watched_page
):
    sign_in(watched_page, live_server)

    watched_page.goto(live_server.url + "/admin/articles/article/add/")

    watched_page.locator("iframe.cke_wysiwyg_frame").first.wait_for(state="visible")
    assert watched_page.locator(".cke_button__bold").first.is_visible()
    body = watched_page.frame_locator("iframe.cke_wysiwyg_frame").first.locator("body")
    body.click()
    watched_page.keyboard.type("Typed under the staff policy")
    assert "Typed under the staff policy" in body.inner_text()
    assert violations(watched_page) == []


def test_inline_script_on_a_public_page_is_blocked(live_server, watched_page):
    watched_page.goto(live_server.url + "/healthz")

    ran = watched_page.evaluate(
        """() => new Promise((resolve) => {
            window.__ran = false;
            const script = document.createElement("script");
            script.textContent = "window.__ran = true";
            document.body.appendChild(script);
            setTimeout(() => resolve(window.__ran), 200);
        })"""
    )

    assert ran is False
    assert any("script-src" in text for text in violations(watched_page))
