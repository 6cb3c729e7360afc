"""The demand dashboard's figures are kept for a short period with Django's cache: the page says
when they were counted, a refresh link counts again, and a failing cache never breaks the page."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_inquiry, make_topic

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/inquiries/demandreport/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def cached(settings):
    settings.DEMAND_CACHE = True
    settings.DEMAND_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lupus():
    topic = make_topic("Lupus")
    make_inquiry(received_at=timezone.now() - 2 * DAY, topics=[topic])
    return topic


def view(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD, {"days": 30, **params})
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def test_figures_are_kept_for_the_cache_period_and_say_when_they_were_counted(
    admin_client, cached, lupus
):
    first, counting = view(admin_client)
    make_inquiry(received_at=timezone.now() - DAY, topics=[lupus])
    again, kept = view(admin_client)
    assert kept < counting - 5
    assert again.context["total"] == 1  # as counted, until the period ends or staff refresh
    as_of = timezone.localtime(first.context["as_of"]).strftime("%H:%M")
    html = again.content.decode()
    assert "Figures as of <time" in html and f">{as_of}</time>" in html
    assert "kept for up to 5 minutes" in html


def test_the_refresh_link_counts_again(admin_client, cached, lupus):
    view(admin_client)
    make_inquiry(received_at=timezone.now() - DAY, topics=[lupus])
    response, _ = view(admin_client)
    assert 'href="?days=30&amp;refresh=1"' in response.content.decode()
    refreshed, _ = view(admin_client, refresh="1")
    assert refreshed.context["total"] == 2
    assert view(admin_client)[0].context["total"] == 2  # the recount is what is kept now


def test_each_period_is_kept_apart(admin_client, cached, lupus):
    view(admin_client)
    make_inquiry(received_at=timezone.now() - 40 * DAY, topics=[lupus])
    assert admin_client.get(DASHBOARD, {"days": 90}).context["total"] == 2
    assert view(admin_client)[0].context["total"] == 1


def test_without_a_shared_cache_every_view_counts(admin_client, settings, lupus):
    settings.DEMAND_CACHE = False
    _, first = view(admin_client)
    make_inquiry(received_at=timezone.now() - DAY, topics=[lupus])
    response, again = view(admin_client)
    assert response.context["total"] == 2 and again == first
    assert "kept for up to" not in response.content.decode()


class BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    set = get


def test_a_failing_cache_never_breaks_the_page(admin_client, cached, lupus, monkeypatch, caplog):
    monkeypatch.setattr("inquiries.demand.cache", BrokenCache())
    response, _ = view(admin_client)
    assert response.context["total"] == 1
    assert "cache unavailable" in caplog.text
