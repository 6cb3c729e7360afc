"""Staff read the demand trend for each period: per day, week or month, the same colours."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_inquiry, make_staff, make_topic

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path("/work/shots/trend")


def test_the_trend_follows_the_period_and_keeps_each_topics_colour(live_server, page):
    now = timezone.now()
    topics = [make_topic(name) for name in ("Lupus", "Low-dose naltrexone", "Fatigue")]
    for day in range(0, 300, 3):
        for index, topic in enumerate(topics):
            if (day // 3 + index) % (index + 2) == 0:
                make_inquiry(received_at=now - datetime.timedelta(days=day), topics=[topic])
    make_staff("ines", "Inquiry staff")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "ines")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    colours = {}
    for days, unit in ((30, "day"), (90, "week"), (365, "month")):
        page.goto(live_server.url + f"/admin/inquiries/demandreport/?days={days}")
        expect(page.get_by_role("heading", name=f"Trend: questions per {unit}")).to_be_visible()
        for item in page.locator(".demand-legend li").all():
            stroke = item.locator("line").get_attribute("stroke")
            colours.setdefault(item.inner_text().strip(), set()).add(stroke)
        if SHOTS.parent.is_dir():
            SHOTS.mkdir(exist_ok=True)
            page.locator("figure").screenshot(path=str(SHOTS / f"trend-{days}.png"))
    assert colours and all(len(seen) == 1 for seen in colours.values())
