"""No N+1 queries on the staff pages: the query count does not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inquiries.models import Channel, Status
from tests.factories import make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_staff("chief", superuser=True))
    return client


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def add_inquiries(count, topics, articles=()):
    for number in range(count):
        inquiry = make_inquiry(
            topics=[topics[number % len(topics)], topics[(number + 1) % len(topics)]],
            channel=list(Channel)[number % len(Channel)],
            status=list(Status)[number % len(Status)],
        )
        if articles:
            inquiry.related_article = articles[number % len(articles)]
            inquiry.related_article_role = "prompted"
            inquiry.save()


@pytest.mark.parametrize(
    "url", ["/admin/inquiries/inquiry/", "/admin/inquiries/inquiry/?status__exact=new"]
)
def test_admin_inquiry_list_runs_the_same_queries_for_5_or_40_inquiries(admin_client, url):
    topics = [make_topic() for _ in range(3)]
    add_inquiries(5, topics)
    small = queries(admin_client, url)
    add_inquiries(35, topics + [make_topic() for _ in range(3)])
    assert queries(admin_client, url) == small


def test_dashboard_runs_the_same_queries_for_small_and_larger_data(admin_client):
    url = "/admin/inquiries/demandreport/?days=365"
    topics = [make_topic() for _ in range(2)]
    articles = [make_live_article(topics=topics[:1])]
    add_inquiries(5, topics, articles)
    small = queries(admin_client, url)
    topics += [make_topic() for _ in range(4)]
    articles += [make_live_article(topics=topics[i : i + 2]) for i in range(4)]
    add_inquiries(40, topics, articles)
    assert queries(admin_client, url) == small
