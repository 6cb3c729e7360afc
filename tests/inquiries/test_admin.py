import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from inquiries.models import ArticleRole, Channel, Inquiry, Status
from tests.factories import make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db

LIST = "/admin/inquiries/inquiry/"


@pytest.fixture
def volunteer(client):
    """Staff who triage questions but may not see readers' personal data."""
    user = make_staff("val")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inquiries",
            codename__in=["view_inquiry", "change_inquiry", "add_inquiry"],
        )
    )
    client.force_login(user)
    return user


@pytest.fixture
def personal():
    return make_inquiry(
        "Who can I talk to about LDN?",
        name="Sam Reader",
        email="sam@example.org",
        reply_wanted=True,
        consent_given=True,
    )


def _action(client, action, inquiries, **extra):
    data = {"action": action, "_selected_action": [i.pk for i in inquiries], "index": 0}
    data.update(extra)
    return client.post(LIST, data)


def _csv(response):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_inquiry_staff_role_has_inquiry_permissions_and_personal_data():
    codenames = set(
        Group.objects.get(name="Inquiry staff").permissions.values_list("codename", flat=True)
    )
    assert {"view_inquiry", "change_inquiry", "add_inquiry", "view_personal_data"} <= codenames


def test_staff_with_permission_see_name_and_email(client, inquiry_staff, personal):
    html = client.get(f"{LIST}{personal.pk}/change/").content.decode()
    assert "Sam Reader" in html and "sam@example.org" in html


def test_staff_without_permission_never_see_name_or_email(client, volunteer, personal):
    change = client.get(f"{LIST}{personal.pk}/change/").content.decode()
    listing = client.get(LIST).content.decode()
    for html in (change, listing):
        assert "Sam Reader" not in html and "sam@example.org" not in html
    assert "Who can I talk to about LDN?" in change


def test_staff_without_permission_cannot_search_by_email(client, volunteer, personal):
    response = client.get(LIST, {"q": "sam@example.org"})
    assert response.context["cl"].result_count == 0
    assert client.get(LIST, {"q": "talk to"}).context["cl"].result_count == 1


def test_staff_with_permission_can_search_by_email(client, inquiry_staff, personal):
    assert client.get(LIST, {"q": "sam@example.org"}).context["cl"].result_count == 1


def test_saving_without_permission_keeps_the_hidden_personal_data(client, volunteer, personal):
    now = timezone.localtime()
    response = client.post(
        f"{LIST}{personal.pk}/change/",
        {
            "channel": "web",
            "received_at_0": now.date().isoformat(),
            "received_at_1": now.strftime("%H:%M:%S"),
            "question": personal.question,
            "status": "triaged",
            "name": "Overwritten",
            "email": "evil@example.org",
        },
    )
    assert response.status_code == 302
    personal.refresh_from_db()
    assert personal.status == Status.TRIAGED
    assert (personal.name, personal.email) == ("Sam Reader", "sam@example.org")


def test_quick_logging_of_a_phone_question(client, inquiry_staff):
    topic = make_topic("Pain management")
    assert 'value="email" selected' in client.get(f"{LIST}add/").content.decode()
    response = client.post(
        f"{LIST}add/",
        {
            "channel": "phone",
            "received_at_0": "2025-03-04",
            "received_at_1": "10:30:00",
            "question": "Caller asked about pain relief during a flare.",
            "topics": [topic.pk],
            "status": "new",
        },
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Channel.PHONE
    assert timezone.localtime(inquiry.received_at).date() == datetime.date(2025, 3, 4)
    assert list(inquiry.topics.all()) == [topic]


def test_list_shows_triage_columns_without_full_count(client, inquiry_staff):
    topic = make_topic("Fibromyalgia")
    make_inquiry("Is fibro the same as lupus?", topics=[topic], assigned_to=inquiry_staff)
    response = client.get(LIST)
    html = response.content.decode()
    assert "Is fibro the same as lupus?" in html and "Fibromyalgia" in html and "ines" in html
    assert response.context["cl"].show_full_result_count is False


def test_assigned_to_me_and_unanswered_filters(client, inquiry_staff):
    mine = make_inquiry("Mine", assigned_to=inquiry_staff)
    waiting = make_inquiry("Waiting", reply_wanted=True)
    make_inquiry("Answered", reply_wanted=True, status=Status.ANSWERED)
    assert list(client.get(LIST, {"assigned": "me"}).context["cl"].result_list) == [mine]
    assert list(client.get(LIST, {"answer": "unanswered"}).context["cl"].result_list) == [waiting]


def test_status_and_channel_and_topic_filters(client, inquiry_staff):
    topic = make_topic("Lupus")
    phone = make_inquiry("By phone", channel=Channel.PHONE, topics=[topic])
    make_inquiry("Spam", status=Status.SPAM)
    assert list(client.get(LIST, {"channel__exact": "phone"}).context["cl"].result_list) == [phone]
    assert client.get(LIST, {"status__exact": "spam"}).context["cl"].result_count == 1
    by_topic = client.get(LIST, {"topics__id__exact": topic.pk}).context["cl"].result_list
    assert list(by_topic) == [phone]


def test_bulk_mark_answered_closed_spam(client, inquiry_staff):
    a, b, c = make_inquiry(), make_inquiry(), make_inquiry()
    _action(client, "mark_answered", [a])
    _action(client, "mark_closed", [b])
    _action(client, "mark_spam", [c])
    for inquiry in (a, b, c):
        inquiry.refresh_from_db()
    assert a.status == Status.ANSWERED and a.answered_at is not None
    assert b.status == Status.CLOSED and c.status == Status.SPAM


def test_bulk_assign_to_me(client, inquiry_staff):
    inquiry = make_inquiry()
    _action(client, "assign_to_me", [inquiry])
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == inquiry_staff


def test_bulk_add_topic_asks_which_then_tags_and_triages(client, inquiry_staff):
    topic = make_topic("Low-dose naltrexone")
    a, b = make_inquiry(), make_inquiry()
    page = _action(client, "add_topic", [a, b])
    assert page.status_code == 200
    assert "Add a topic" in page.content.decode()
    assert not topic.inquiries.exists()
    done = _action(client, "add_topic", [a, b], topic=topic.pk, apply="Add a topic")
    assert done.status_code == 302
    assert set(topic.inquiries.all()) == {a, b}
    assert set(Inquiry.objects.values_list("status", flat=True)) == {Status.TRIAGED}


def test_bulk_link_to_article_with_role(client, inquiry_staff):
    article = make_live_article("LDN and lupus")
    a = make_inquiry()
    assert _action(client, "link_to_article", [a]).status_code == 200
    _action(client, "link_to_article", [a], article=article.pk, role="prompted", apply="Link")
    a.refresh_from_db()
    assert a.related_article == article and a.related_article_role == ArticleRole.PROMPTED
    assert list(Inquiry.objects.prompted(article)) == [a]


def test_user_without_change_permission_cannot_run_bulk_actions(client, personal):
    viewer = make_staff("vic")
    viewer.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    client.force_login(viewer)
    _action(client, "mark_spam", [personal])
    personal.refresh_from_db()
    assert personal.status == Status.NEW


def test_csv_export_with_personal_columns_for_permitted_staff(client, inquiry_staff, personal):
    rows = _csv(client.get(f"{LIST}export/"))
    assert rows[0][-5:] == ["name", "email", "consent given", "consent at", "consent text version"]
    assert rows[1][rows[0].index("email")] == "sam@example.org"


def test_csv_export_without_personal_columns_for_other_staff(client, volunteer, personal):
    rows = _csv(client.get(f"{LIST}export/"))
    assert "name" not in rows[0] and "email" not in rows[0]
    assert "sam@example.org" not in str(rows)
    assert rows[1][rows[0].index("question")] == "Who can I talk to about LDN?"


def test_csv_export_follows_the_list_filters(client, inquiry_staff):
    make_inquiry("By phone", channel=Channel.PHONE)
    make_inquiry("By web")
    rows = _csv(client.get(f"{LIST}export/", {"channel__exact": "phone"}))
    assert [row[rows[0].index("question")] for row in rows[1:]] == ["By phone"]


def test_csv_export_neutralises_spreadsheet_formulas(client, inquiry_staff):
    make_inquiry('=HYPERLINK("http://evil.example")')
    rows = _csv(client.get(f"{LIST}export/"))
    assert rows[1][rows[0].index("question")].startswith("'=")


def test_csv_export_link_keeps_the_current_filters(client, inquiry_staff):
    html = client.get(LIST, {"status__exact": "new"}).content.decode()
    assert f'href="{LIST}export/?status__exact=new"' in html


def test_csv_export_with_bad_filter_is_a_400(client, inquiry_staff):
    assert client.get(f"{LIST}export/", {"received_at__gte": "not a date"}).status_code == 400


def test_csv_export_needs_staff(client):
    response = client.get(f"{LIST}export/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_answered_at_is_set_when_status_becomes_answered():
    inquiry = make_inquiry()
    inquiry.status = Status.ANSWERED
    inquiry.save()
    assert inquiry.answered_at is not None


def test_the_list_opens_on_open_questions_with_their_wait_and_reply_wanted(client, inquiry_staff):
    new = make_inquiry("New one", reply_wanted=True)
    make_inquiry("Closed one", status=Status.CLOSED)
    make_inquiry("Spam one", status=Status.SPAM)

    response = client.get(LIST)

    assert list(response.context["cl"].result_list) == [new]
    html = response.content.decode().lower()
    assert "waiting</a>" in html and "reply wanted</a>" in html
    everything = client.get(LIST, {"answer": "all"}).context["cl"].result_count
    assert everything == 3


def test_the_related_article_is_chosen_with_a_search_field(client, inquiry_staff):
    inquiry = make_inquiry()
    html = client.get(reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])).content
    assert b'class="admin-autocomplete' in html and b'name="related_article"' in html
