"""Staff open the demand dashboard, see when its figures were counted, and refresh them."""

import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_inquiry, make_staff, make_topic

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path("/work/shots/demand")


def shot(page, name):
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_see_when_the_figures_were_counted_and_refresh_them(live_server, page, settings):
    settings.DEMAND_CACHE = True
    cache.clear()
    lupus = make_topic("Lupus")
    make_inquiry(received_at=timezone.now() - datetime.timedelta(days=2), topics=[lupus])
    make_staff("ines", "Inquiry staff")
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "ines")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(live_server.url + "/admin/inquiries/demandreport/?days=30")
    note = page.locator(".demand-as-of")
    expect(note).to_contain_text("Figures as of")
    expect(note).to_contain_text("kept for up to 5 minutes")
    expect(page.locator('[data-figure="total"]')).to_have_text("1")
    shot(page, "dashboard-1-counted")

    make_inquiry(received_at=timezone.now() - datetime.timedelta(days=1), topics=[lupus])
    page.reload()
    expect(page.locator('[data-figure="total"]')).to_have_text("1")  # kept, as the note says

    page.click("#demand-refresh")
    expect(page.locator('[data-figure="total"]')).to_have_text("2")
    expect(page.locator('#topic-demand tr[data-topic="Lupus"] td.count')).to_have_text("2")
    expect(page.locator('input[name="days"][value="30"]')).to_be_checked()
    shot(page, "dashboard-2-refreshed")
    cache.clear()
