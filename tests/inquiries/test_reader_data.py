"""One reader's data on request: find, download and erase everything from one address."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from inquiries.models import ERASED, Direction, Inquiry, InquiryMessage
from tests.factories import make_inquiry, make_staff, make_topic

pytestmark = pytest.mark.django_db
URL = reverse("admin:inquiries_inquiry_reader_data")


@pytest.fixture
def ann():
    topic = make_topic("Low-dose naltrexone")
    first = make_inquiry("My first question", email="Ann@Example.net", name="Ann", topics=[topic])
    InquiryMessage.objects.create(inquiry=first, direction=Direction.TO_READER, body="Our reply")
    second = make_inquiry("My second question", email="ann@example.net", topics=[topic])
    make_inquiry("Someone else's question", email="bob@example.net", topics=[topic])
    return first, second


def test_finds_every_question_from_the_address_whatever_its_case(client, helen, ann):
    html = client.post(URL, {"email": "ann@example.net", "find": "1"}).content.decode()

    assert "2 questions from this address" in html
    assert "My first question" in html and "My second question" in html
    assert "Someone else" not in html


def test_download_gives_the_reader_everything_we_hold(client, helen, ann):
    response = client.post(URL, {"email": "ann@example.net", "download": "1"})

    assert response["Content-Disposition"] == 'attachment; filename="reader-data.json"'
    questions = json.loads(response.content)["questions"]
    assert {q["question"] for q in questions} == {"My first question", "My second question"}
    first = next(q for q in questions if q["question"] == "My first question")
    assert first["name"] == "Ann" and first["messages"][0]["text"] == "Our reply"


def test_erase_blanks_the_person_and_keeps_the_counts(client, helen, ann):
    refused = client.post(URL, {"email": "ann@example.net", "erase": "1"})
    assert "Tick the box to confirm" in refused.content.decode()
    assert Inquiry.objects.filter(email__iexact="ann@example.net").count() == 2

    client.post(URL, {"email": "ann@example.net", "erase": "1", "confirm_erase": "on"})

    assert not Inquiry.objects.filter(email__iexact="ann@example.net").exists()
    erased = Inquiry.objects.filter(question=ERASED)
    assert erased.count() == 2
    assert set(erased.values_list("name", flat=True)) == {""}
    assert InquiryMessage.objects.get().body == ERASED
    assert Inquiry.objects.filter(topics__name="Low-dose naltrexone").count() == 3
    assert Inquiry.objects.get(email="bob@example.net").question == "Someone else's question"


def test_staff_without_the_personal_data_permission_cannot_search_by_address(client, ann):
    volunteer = make_staff("val")
    volunteer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inquiries", codename__in=["view_inquiry", "change_inquiry"]
        )
    )
    client.force_login(volunteer)

    assert client.post(URL, {"email": "ann@example.net", "find": "1"}).status_code == 403
    changelist = client.get(reverse("admin:inquiries_inquiry_changelist")).content.decode()
    assert "A reader&#x27;s data" not in changelist


def test_the_address_is_never_in_a_url(client, helen):
    changelist = client.get(reverse("admin:inquiries_inquiry_changelist")).content.decode()
    assert f'href="{URL}"' in changelist
    assert 'method="post"' in client.get(URL).content.decode()


def test_each_step_of_a_request_is_recorded_with_who_and_what_but_not_the_address(
    client, helen, ann
):
    from audit.models import Action, AuditEntry

    client.post(URL, {"email": "ann@example.net", "find": "1"})
    client.post(URL, {"email": "ann@example.net", "download": "1"})
    client.post(URL, {"email": "ann@example.net", "erase": "1", "confirm_erase": "on"})

    entries = list(AuditEntry.objects.order_by("at", "pk").values_list("action", "by_username"))
    assert entries[-3:] == [
        (Action.PERSONAL_DATA_VIEWED, "helen"),
        (Action.EXPORT, "helen"),
        (Action.ERASURE, "helen"),
    ]
    assert "ann@example.net" not in str(list(AuditEntry.objects.values()))
