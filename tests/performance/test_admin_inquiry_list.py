"""The inquiry list's date drill-down lists only periods with questions, without full scans."""

import datetime
import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inquiries.models import Status
from tests.factories import make_inquiry

pytestmark = pytest.mark.django_db

LIST = "/admin/inquiries/inquiry/"


def at(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture
def questions():
    make_inquiry(received_at=at(2023, 12, 31, 23))
    make_inquiry(received_at=at(2025, 3, 4), status=Status.ANSWERED)
    make_inquiry(received_at=at(2025, 3, 9))
    make_inquiry(received_at=at(2025, 11, 1, 0))


def date_links(html):
    nav = re.search(r'<nav class="toplinks">(.*?)</nav>', html, re.S)
    assert nav, "the date drill-down is shown"
    links = re.findall(r'<a href="\?([^"]*)"[^>]*>([^<]*)</a>', nav.group(1))
    return [(htmllib.unescape(query), htmllib.unescape(title.strip())) for query, title in links]


def test_year_links_are_only_the_years_with_questions(admin_client, questions):
    links = date_links(admin_client.get(LIST).content.decode())

    assert links == [("received_at__year=2023", "2023"), ("received_at__year=2025", "2025")]


def test_a_year_lists_its_months_with_questions(admin_client, questions):
    html = admin_client.get(LIST, {"received_at__year": "2025"}).content.decode()

    titles = [title for _, title in date_links(html)]
    assert titles == ["‹ All dates", "March 2025", "November 2025"]


def test_a_month_lists_its_days_with_questions_and_a_day_filters_the_list(admin_client, questions):
    month = {"answer": "all", "received_at__year": "2025", "received_at__month": "3"}
    links = date_links(admin_client.get(LIST, month).content.decode())

    assert [title for _, title in links][1:] == ["March 4", "March 9"]
    day = admin_client.get(LIST, {**month, "received_at__day": "9"})
    assert day.status_code == 200
    assert "1 inquiry" in day.content.decode()


def test_years_follow_the_filters(admin_client, questions):
    links = date_links(admin_client.get(LIST, {"status__exact": "answered"}).content.decode())

    # All answered questions fall in one month: Django opens straight at its days.
    assert [title for _, title in links] == ["‹ 2025", "March 4"]


def test_an_empty_list_shows_no_years(admin_client):
    html = admin_client.get(LIST).content.decode()

    assert admin_client.get(LIST).status_code == 200
    assert 'href="?received_at__year=' not in html


def test_the_year_list_never_reads_every_question(admin_client, questions):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(LIST)

    assert response.status_code == 200
    sql = [query["sql"].upper() for query in queries.captured_queries]
    assert not [s for s in sql if "DISTINCT" in s and "INQUIRIES_INQUIRY" in s]
