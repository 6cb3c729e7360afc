"""SQL-injection strings in search, filters and query parameters: normal pages, no harm."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.db import connection

from articles.models import Article
from inquiries.models import Inquiry
from tests.factories import make_inquiry, make_live_article, make_topic

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE articles_article; --",
    '"; DROP TABLE inquiries_inquiry; --',
    "%' UNION SELECT username, password FROM auth_user --",
    "1) OR (1=1",
    "1; SELECT pg_sleep(5) --",
    "' AND 1=CAST((SELECT password FROM auth_user LIMIT 1) AS int) --",
    "\\' OR 1=1 #",
    "1' ORDER BY 99 --",
    "' || (SELECT version()) || '",
    "admin'/*",
    "%00' OR 1=1",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "[]",
    "{}",
]
# Django's admin answers a filter value it cannot use by redirecting to ?e=1 (302), or 400.
ADMIN_OK = {200, 302, 400}


@pytest.fixture
def content():
    topic = make_topic("Fatigue")
    make_live_article("Living with fatigue", topics=[topic])
    make_inquiry("Is rest enough?", topics=[topic], name="Rosa", email="rosa@example.net")
    return topic


def tables_intact():
    names = set(connection.introspection.table_names())
    assert {"articles_article", "inquiries_inquiry", "auth_user"} <= names
    assert Article.objects.count() == 1
    assert Inquiry.objects.count() == 1


@pytest.mark.parametrize("text", INJECTIONS)
def test_public_search_answers_injection_strings_with_a_normal_page(client, content, text):
    response = client.get("/articles/?" + urlencode({"q": text}))

    assert response.status_code == 200
    assert "Search results for" in response.content.decode()
    tables_intact()


@pytest.mark.parametrize("text", INJECTIONS)
def test_public_pages_answer_injection_strings_in_paths_and_parameters(client, content, text):
    for url in [
        "/articles/?" + urlencode({"page": text}),
        "/topics/" + text.replace("/", "") + "/",
        "/ask/?" + urlencode({"article": text}),
    ]:
        # 400: a NUL character in the address (the "%00" of a path), refused by name.
        assert client.get(url).status_code in {200, 400, 404}, url
    tables_intact()


ADMIN_LISTS = {
    "/admin/articles/article/": ["q", "status", "topics__id__exact", "topic__id__exact",
                                 "authors__id__exact", "review", "o", "p"],
    "/admin/inquiries/inquiry/": ["q", "status", "channel", "topics__id__exact",
                                  "received_at__gte", "assigned", "answer", "o", "p",
                                  "received_at__year"],
    "/admin/inquiries/inquiry/export/": ["q", "status", "topics__id__exact"],
    "/admin/inquiries/demandreport/": ["days", "start", "end"],
    "/admin/articles/topic/": ["q", "is_off_label__exact"],
}  # fmt: skip


@pytest.mark.parametrize("text", INJECTIONS)
def test_admin_lists_filters_and_exports_answer_injection_strings_normally(client, content, text):
    client.force_login(User.objects.create_superuser("chief", password="x" * 20))

    for path, parameters in ADMIN_LISTS.items():
        for parameter in parameters:
            url = path + "?" + urlencode({parameter: text})
            response = client.get(url)
            assert response.status_code in ADMIN_OK, url
            if response.streaming:
                b"".join(response.streaming_content)
    tables_intact()


@pytest.mark.parametrize(
    "query",
    [
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "9999-12-30", "end": "9999-12-31"},
        {"start": "2026-02-30", "end": "2026-03-01"},
        {"start": "2026-01-01"},
        {"days": "-30"},
        {"days": "10" * 30},
    ],
)
def test_dashboard_answers_extreme_dates_with_a_message_not_an_error(client, content, query):
    client.force_login(User.objects.create_superuser("chief", password="x" * 20))

    response = client.get("/admin/inquiries/demandreport/?" + urlencode(query))

    assert response.status_code == 200
