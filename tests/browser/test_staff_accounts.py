"""A superuser makes a newcomer an editor; she signs in, enrols an authenticator app, publishes;
the audit log shows each step with who and when."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.helpers import app_code
from tests.browser.axe import axe_violations
from tests.factories import default_disclaimer, make_article, make_author, make_staff

create_roles = importlib.import_module("articles.migrations.0003_roles").create_roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SHOTS = Path("/work/shots/accounts")
BOSS_PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "Lupus-Editor-2026!"
BOSS_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _roles_and_two_factor(settings):
    create_roles(django_apps, schema_editor=None)
    settings.STAFF_TWO_FACTOR_REQUIRED = True


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def password_step(page, base, username, password):
    page.goto(base + "/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_newcomer_made_editor_enrols_publishes_and_the_log_shows_it(live_server, browser):
    from base64 import b32decode

    boss = make_staff("boss", superuser=True)
    TOTPDevice.objects.create(
        user=boss, name="Authenticator app", confirmed=True, key=b32decode(BOSS_KEY).hex()
    )
    make_author("Dana Whitfield", credentials="RN")
    default_disclaimer()
    article = make_article("Pacing for lupus fatigue")
    base = live_server.url
    boss_page = browser.new_context().new_page()
    new_page = browser.new_context().new_page()
    for page in (boss_page, new_page):
        page.set_default_timeout(15_000)

    # The superuser signs in with password and code, and adds the newcomer.
    password_step(boss_page, base, "boss", BOSS_PASSWORD)
    expect(boss_page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shot(boss_page, "01-boss-second-step")
    assert axe_violations(boss_page) == []
    boss_page.fill("#id_code", app_code(BOSS_KEY))
    boss_page.click("input[type=submit]")
    expect(boss_page.locator("#user-tools")).to_contain_text("boss")

    boss_page.goto(base + "/admin/auth/user/add/")
    boss_page.fill("#id_username", "nadia")
    boss_page.fill("#id_password1", "short-pw1")
    boss_page.fill("#id_password2", "short-pw1")
    boss_page.click("input[name=_save]")
    expect(boss_page.get_by_text("This password is too short.")).to_be_visible()
    shot(boss_page, "02-password-too-short")
    boss_page.fill("#id_password1", NEW_PASSWORD)
    boss_page.fill("#id_password2", NEW_PASSWORD)
    boss_page.click("input[name=_save]")
    expect(boss_page.locator("#id_is_staff")).to_be_visible()

    # ...and makes her an editor.
    boss_page.check("#id_is_staff")
    boss_page.select_option("#id_groups_from", label="Editors")
    boss_page.click("#id_groups_add")
    expect(boss_page.locator("#id_groups_to option", has_text="Editors")).to_be_attached()
    boss_page.click("input[name=_save]")
    expect(boss_page.locator(".messagelist")).to_contain_text("was changed successfully")

    # The newcomer signs in: the password, then she is asked to enrol.
    password_step(new_page, base, "nadia", NEW_PASSWORD)
    expect(new_page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(new_page.get_by_alt_text("QR code holding the setup key below")).to_be_visible()
    shot(new_page, "03-enrol")
    assert axe_violations(new_page) == []
    key = new_page.locator(".two-factor-key").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    new_page.fill("#id_code", "000000")
    new_page.click("input[type=submit]")
    expect(new_page.get_by_role("alert")).to_contain_text("That code did not match")
    shot(new_page, "04-enrol-wrong-code")
    new_page.wait_for_timeout(1100)  # after a wrong code the next is checked a second later
    new_page.fill("#id_code", app_code(key))
    new_page.click("input[type=submit]")
    expect(new_page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    expect(new_page.locator(".two-factor-codes li")).to_have_count(10)
    shot(new_page, "05-recovery-codes")
    assert axe_violations(new_page) == []
    new_page.get_by_role("link", name="I have saved them: continue").click()
    expect(new_page.locator("#user-tools")).to_contain_text("nadia")

    # She publishes the article.
    new_page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    new_page.get_by_role("button", name="Publish version 1").click()
    expect(new_page.get_by_text("Published version 1: readers now see it.")).to_be_visible()
    assert new_page.get_by_role("link", name="Audit entries for this article").count() == 0

    # The superuser reads the log: sign-in, enrolment, role change and publish, who and when.
    boss_page.goto(base + "/admin/audit/auditentry/")
    # Every step happened in the last minute or so: each row says today, to the second.
    when = re.compile(rf"^{timezone.localdate().isoformat()} \d\d:\d\d:\d\d$")
    rows = boss_page.locator("#result_list tbody tr")
    expected = [
        ("nadia", "article published", "Pacing for lupus fatigue"),
        ("nadia", "enrolled an authenticator app", "nadia"),
        ("nadia", "signed in (password)", "nadia"),
        ("boss", "roles changed", "nadia"),
    ]
    for by, action, obj in expected:
        row = rows.filter(has_text=action).filter(has_text=obj).first
        expect(row).to_contain_text(by)
        expect(row.locator(".field-when")).to_have_text(when)
    shot(boss_page, "06-audit-log")

    boss_page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    boss_page.get_by_role("link", name="Audit entries for this article").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("article published")
    expect(rows.first).to_contain_text("nadia")
    shot(boss_page, "07-article-audit-entries")
