"""Searches that found nothing reach the staff dashboard only within bounds: anonymous readers
cannot write what staff read there."""

import re

import pytest
from django.contrib.auth.models import User

from articles.models import SearchGap
from tests.factories import make_live_article, make_staff

pytestmark = pytest.mark.django_db

PHISHING = "URGENT staff: verify your account at https://evil.example/login now"
DASHBOARD = "/admin/inquiries/demandreport/"


def _search(client, q, address):
    response = client.get("/articles/", {"q": q}, REMOTE_ADDR=address)
    assert response.status_code == 200


def _gap_rows(client):
    client.force_login(
        User.objects.filter(username="root").first() or make_staff("root", superuser=True)
    )
    html = client.get(DASHBOARD).content.decode()
    table = html[html.index('id="search-gaps"') :]
    return table[: table.index("</table>")]


def test_one_client_searching_thirty_times_counts_once_and_stays_off_the_dashboard(client):
    make_live_article("Living with fatigue")

    for _ in range(30):
        _search(client, PHISHING, "203.0.113.7")

    assert list(SearchGap.objects.values_list("count", flat=True)) == [1]
    assert "verify your account" not in _gap_rows(client)


def test_a_query_from_several_readers_is_shown_as_its_words_never_as_a_link(client):
    make_live_article("Living with fatigue")

    for n in range(3):
        _search(client, PHISHING, f"198.51.100.{n}")

    rows = _gap_rows(client)
    # The words the search used (at most eight), without the punctuation of an address.
    assert ">urgent staff verify your account at https evil<" in rows
    assert "<a " not in rows
    assert "https://" not in rows


def test_at_most_the_daily_limit_of_different_queries_is_counted(client, settings):
    settings.SEARCH_GAP_DAILY_LIMIT = 5
    make_live_article("Living with fatigue")

    for n in range(12):
        _search(client, f"nothing here {n}", f"198.51.100.{n}")
    _search(client, "nothing here 1", "198.51.100.200")

    assert SearchGap.objects.count() == 5
    assert SearchGap.objects.get(query="nothing here 1").count == 2


def test_staff_see_a_gap_once_it_reaches_the_minimum(client, settings):
    settings.SEARCH_GAP_MIN_SEARCHES = 2
    make_live_article("Living with fatigue")
    _search(client, "hair loss", "192.0.2.1")
    assert "hair loss" not in _gap_rows(client)

    client.logout()
    _search(client, "Hair  LOSS", "192.0.2.2")

    assert re.search(r'data-query="hair loss"', _gap_rows(client))
