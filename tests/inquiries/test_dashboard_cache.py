"""The cached demand dashboard stays exact: after every kind of write, the page shows what an
uncached computation shows, and an unchanged dashboard is served from the cache."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inquiries import demand
from inquiries.models import ArticleRole, Inquiry, Status
from tests.factories import make_inquiry, make_live_article, make_topic

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/inquiries/demandreport/"
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _demand_cache_on(settings):
    settings.DEMAND_CACHE = True


@pytest.fixture
def data():
    now = timezone.now()
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    article = make_live_article("LDN and lupus", topics=[ldn])
    inquiries = [
        make_inquiry(received_at=now - 2 * DAY, topics=[lupus]),
        make_inquiry(received_at=now - 3 * DAY, topics=[lupus, ldn]),
        make_inquiry(received_at=now - 4 * DAY),
        make_inquiry(received_at=now - 50 * DAY, topics=[ldn], status=Status.SPAM),
    ]
    return {"lupus": lupus, "ldn": ldn, "article": article, "inquiries": inquiries}


def snapshot(figures):
    """The numbers the page shows, comparable between two computations."""
    return {
        "total": figures["total"],
        "untriaged": figures["untriaged"],
        "topics": [(r["name"], r["count"], r["previous"], r["share"]) for r in figures["topics"]],
        "series": figures["series"],
        "backlog": figures["backlog"],
        "median": figures["median_answer"],
        "gaps": [(topic.name, topic.asked) for topic in figures["gaps"]],
        "articles": [
            (r["article"].slug, r["prompted"], r["since_live"], r["rate_before"], r["rate_after"])
            for r in figures["articles"]
        ],
    }


def shown(client):
    response = client.get(DASHBOARD, {"days": 90})
    assert response.status_code == 200
    return snapshot(response.context)


def assert_exact(client):
    period, _ = demand.period_from_params({"days": "90"})
    assert shown(client) == snapshot(demand.compute_figures(period, timezone.now()))


def queries(client):
    with CaptureQueriesContext(connection) as captured:
        client.get(DASHBOARD, {"days": 90})
    return len(captured.captured_queries)


def test_an_unchanged_dashboard_comes_from_the_cache(admin_client, data):
    first = queries(admin_client)
    again = queries(admin_client)
    assert again < first - 5
    assert shown(admin_client)["total"] == 3


def test_cache_is_off_without_a_shared_cache(admin_client, data, settings):
    settings.DEMAND_CACHE = False
    assert queries(admin_client) == queries(admin_client)


def test_a_new_inquiry_counts_at_once(admin_client, data):
    shown(admin_client)
    make_inquiry(received_at=timezone.now() - DAY, topics=[data["lupus"]])
    assert shown(admin_client)["total"] == 4
    assert_exact(admin_client)


def test_a_status_change_to_spam_and_back_counts_at_once(admin_client, data):
    shown(admin_client)
    inquiry = data["inquiries"][0]
    inquiry.status = Status.SPAM
    inquiry.save()
    assert shown(admin_client)["total"] == 2
    inquiry.status = Status.ANSWERED
    inquiry.save()
    assert shown(admin_client)["median"] is not None
    assert_exact(admin_client)


def test_topic_changes_count_at_once(admin_client, data):
    shown(admin_client)
    untagged = data["inquiries"][2]
    untagged.topics.add(data["ldn"])
    assert shown(admin_client)["untriaged"] == 0
    data["inquiries"][1].topics.remove(data["ldn"])
    assert_exact(admin_client)
    data["inquiries"][0].topics.clear()
    assert shown(admin_client)["untriaged"] == 1
    assert_exact(admin_client)


def test_a_changed_received_date_counts_at_once(admin_client, data):
    shown(admin_client)
    inquiry = data["inquiries"][0]
    inquiry.received_at = timezone.now() - 200 * DAY
    inquiry.save()
    assert shown(admin_client)["total"] == 2
    assert_exact(admin_client)


def test_bulk_actions_in_the_admin_count_at_once(admin_client, data):
    shown(admin_client)
    ids = [str(inquiry.pk) for inquiry in data["inquiries"][:2]]
    admin_client.post("/admin/inquiries/inquiry/", {"action": "mark_spam", "_selected_action": ids})
    assert shown(admin_client)["total"] == 1
    untagged = str(data["inquiries"][2].pk)
    admin_client.post(
        "/admin/inquiries/inquiry/",
        {
            "action": "add_topic",
            "_selected_action": [untagged],
            "apply": "1",
            "topic": data["lupus"].pk,
        },
    )
    assert shown(admin_client)["untriaged"] == 0
    admin_client.post(
        "/admin/inquiries/inquiry/", {"action": "mark_answered", "_selected_action": [untagged]}
    )
    assert shown(admin_client)["median"] is not None
    assert_exact(admin_client)


def test_linking_questions_to_an_article_counts_at_once(admin_client, data):
    shown(admin_client)
    Inquiry.objects.filter(pk=data["inquiries"][0].pk).link_article(
        data["article"], ArticleRole.PROMPTED
    )
    assert shown(admin_client)["articles"][0][1] == 1
    assert_exact(admin_client)


def test_deleting_an_inquiry_counts_at_once(admin_client, data):
    shown(admin_client)
    data["inquiries"][1].delete()
    assert shown(admin_client)["total"] == 2
    admin_client.post(
        f"/admin/inquiries/inquiry/{data['inquiries'][0].pk}/delete/", {"post": "yes"}
    )
    assert shown(admin_client)["total"] == 1
    assert_exact(admin_client)


def test_the_purge_command_counts_at_once(admin_client, data):
    old_spam = make_inquiry(received_at=timezone.now() - 60 * DAY, status=Status.SPAM)
    shown(admin_client)
    call_command("purge_inquiry_pii")
    assert not Inquiry.objects.filter(pk=old_spam.pk).exists()
    assert_exact(admin_client)


def test_articles_and_topics_changes_count_at_once(admin_client, data):
    shown(admin_client)
    make_live_article("Lupus basics", topics=[data["lupus"]])
    assert len(shown(admin_client)["articles"]) == 2
    data["lupus"].name = "Systemic lupus"
    data["lupus"].save()
    assert "Systemic lupus" in [row[0] for row in shown(admin_client)["topics"]]
    assert_exact(admin_client)


def test_the_rate_after_is_recomputed_when_an_article_gets_a_day_older(data):
    now = timezone.now()
    rows = [{"article": data["article"]}]
    data["article"].first_published_at = now - datetime.timedelta(days=3, hours=20)
    assert 4 * 3600 - 1 <= demand._seconds_until_rates_change(rows, now) <= 4 * 3600 + 2
    data["article"].first_published_at = now - 200 * DAY
    assert demand._seconds_until_rates_change(rows, now) is None
