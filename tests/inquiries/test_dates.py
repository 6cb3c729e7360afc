"""Dates of reader questions: implausible years are refused on input, and rows that already
have one (saved before the check) cannot break or slow the triage list."""

import datetime

import pytest
from django.utils import timezone

from inquiries.models import Inquiry
from tests.factories import make_inquiry, make_staff

pytestmark = pytest.mark.django_db

LIST = "/admin/inquiries/inquiry/"


@pytest.fixture
def staff(client):
    client.force_login(make_staff("ines", "Inquiry staff"))


def _at(year, month=1, day=1):
    return timezone.make_aware(datetime.datetime(year, month, day, 12))


@pytest.mark.parametrize("year", [1, 1989, 9999])
def test_the_admin_refuses_a_question_received_in_an_implausible_year(client, staff, year):
    response = client.post(
        LIST + "add/",
        {
            "question": "Is LDN safe?",
            "channel": "phone",
            "status": "new",
            "received_at_0": f"{year:04d}-06-01",
            "received_at_1": "10:00:00",
        },
    )

    assert response.status_code == 200
    assert "check the year" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_the_admin_still_takes_yesterday_and_refuses_an_answer_before_the_question(client, staff):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {
        "question": "Is LDN safe?",
        "channel": "phone",
        "status": "answered",
        "received_at_0": yesterday.isoformat(),
        "received_at_1": "10:00:00",
        "answered_at_0": (yesterday - datetime.timedelta(days=3)).isoformat(),
        "answered_at_1": "10:00:00",
    }

    response = client.post(LIST + "add/", data)
    assert "cannot be answered before it was received" in response.content.decode()

    data["answered_at_0"] = yesterday.isoformat()
    data["answered_at_1"] = "11:00:00"
    assert client.post(LIST + "add/", data).status_code == 302
    assert Inquiry.objects.count() == 1


@pytest.mark.parametrize("year", [9999, 1])
def test_the_triage_list_survives_rows_from_any_year(
    client, staff, year, django_assert_max_num_queries
):
    make_inquiry("From a date typo", received_at=_at(year, 12 if year > 1 else 1, 31))
    make_inquiry("From this year")

    with django_assert_max_num_queries(80):
        response = client.get(LIST)

    assert response.status_code == 200
    assert "From a date typo" in response.content.decode()
    assert client.get(LIST, {"received_at__year": str(year)}).status_code in {200, 302}
