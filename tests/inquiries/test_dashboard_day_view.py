"""PostgreSQL: the dashboard reads whole days before the day view's last refresh from the view
(refresh_demand_counts, from cron) and counts later days directly. Skipped on SQLite, which
always counts directly."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from inquiries.models import Inquiry, Status
from tests.factories import make_inquiry, make_topic
from tests.inquiries.direct_figures import assert_page_exact

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/inquiries/demandreport/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def questions():
    if connection.vendor != "postgresql":
        pytest.skip("the day view is PostgreSQL's (DATABASE_URL=postgres://...)")
    now = timezone.now()
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    return [
        make_inquiry(received_at=now - 3 * DAY, topics=[lupus]),
        make_inquiry(received_at=now - 40 * DAY, topics=[lupus, ldn]),
        make_inquiry(received_at=now - 5 * DAY),
        make_inquiry(received_at=now - 6 * DAY, topics=[ldn], status=Status.SPAM),
    ]


def total(client, days=90):
    return client.get(DASHBOARD, {"days": days}).context["total"]


def refresh():
    call_command("refresh_demand_counts", stdout=io.StringIO())


def test_refreshed_days_come_from_the_view_and_today_is_counted_directly(admin_client, questions):
    assert_page_exact(admin_client)  # refreshes the view first
    response = admin_client.get(DASHBOARD)
    assert response.context["view_counted_at"] is not None
    assert "as counted at" in response.content.decode()
    make_inquiry(received_at=timezone.now(), topics=[questions[0].topics.first()])
    assert total(admin_client) == 4
    assert_page_exact(admin_client)


def test_a_change_to_an_earlier_day_shows_after_the_next_refresh(admin_client, questions):
    refresh()
    Inquiry.objects.filter(pk=questions[0].pk).update(status=Status.SPAM)
    assert total(admin_client) == 3  # as counted at the refresh the page names
    refresh()
    assert total(admin_client) == 2
    assert_page_exact(admin_client)


def test_a_view_counted_in_another_time_zone_is_not_used_until_recounted(
    admin_client, questions, settings
):
    refresh()
    settings.TIME_ZONE = "Pacific/Auckland"
    assert admin_client.get(DASHBOARD).context["view_counted_at"] is None
    assert_page_exact(admin_client)  # the refresh recreates the view in the new zone
    assert admin_client.get(DASHBOARD).context["view_counted_at"] is not None


def test_a_period_without_days_from_the_view_is_counted_directly(admin_client, questions):
    refresh()
    long_ago = timezone.now() - 400 * DAY
    make_inquiry(received_at=long_ago)  # after the refresh, on a day the view has no row for
    day = timezone.localdate(long_ago).isoformat()
    response = admin_client.get(DASHBOARD, {"start": day, "end": day})
    assert response.context["total"] == 1
    assert response.context["view_counted_at"] is None
    assert "as counted at" not in response.content.decode()
