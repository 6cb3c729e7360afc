import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from inquiries.models import ArticleRole, Status
from tests.factories import make_inquiry, make_live_article, make_staff, make_topic

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/inquiries/demandreport/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff("ines", "Inquiry staff"))
    return client


@pytest.fixture
def demand():
    """Hand-counted: in the last 30 days Lupus 3 (previous 30 days: 1), LDN 1 (previous: 2)."""
    now = timezone.now()
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    for days in (1, 2, 10):
        make_inquiry(received_at=now - days * DAY, topics=[lupus])
    make_inquiry(received_at=now - 40 * DAY, topics=[lupus])
    make_inquiry(received_at=now - 5 * DAY, topics=[ldn])
    for days in (35, 50):
        make_inquiry(received_at=now - days * DAY, topics=[ldn])
    make_inquiry(received_at=now - 3 * DAY)  # no topic yet
    make_inquiry(received_at=now - 3 * DAY, topics=[lupus], status=Status.SPAM)
    return {"lupus": lupus, "ldn": ldn, "now": now}


def _rows(response):
    return {row["name"]: row for row in response.context["topics"]}


def test_per_topic_count_share_and_change(staff_client, demand):
    response = staff_client.get(DASHBOARD, {"days": 30})
    assert response.status_code == 200
    rows = _rows(response)
    assert response.context["total"] == 5
    assert response.context["untriaged"] == 1
    assert (rows["Lupus"]["count"], rows["Lupus"]["previous"]) == (3, 1)
    assert rows["Lupus"]["share"] == 60.0
    assert (rows["Lupus"]["change"], rows["Lupus"]["change_percent"]) == (2, 200)
    assert (rows["Low-dose naltrexone"]["count"], rows["Low-dose naltrexone"]["previous"]) == (1, 2)
    assert rows["Low-dose naltrexone"]["change_percent"] == -50


def test_longer_period_counts_everything(staff_client, demand):
    rows = _rows(staff_client.get(DASHBOARD, {"days": 90}))
    assert rows["Lupus"]["count"] == 4 and rows["Low-dose naltrexone"]["count"] == 3


def test_custom_range_includes_both_days(staff_client, demand):
    day = timezone.localtime(demand["now"] - 10 * DAY).date()
    rows = _rows(staff_client.get(DASHBOARD, {"start": day, "end": day}))
    assert rows["Lupus"]["count"] == 1
    assert "Low-dose naltrexone" not in rows


def test_bad_period_shows_a_message_and_the_default(staff_client, demand):
    response = staff_client.get(DASHBOARD, {"start": "2025-05-01", "end": "2025-04-01"})
    assert response.status_code == 200
    assert "The start must be before the end." in response.content.decode()
    assert response.context["period"].days == 90
    assert "Choose 30, 90 or 365" in staff_client.get(DASHBOARD, {"days": "7"}).content.decode()


def test_the_trend_is_an_accessible_svg_with_the_same_data_as_a_table(staff_client, demand):
    response = staff_client.get(DASHBOARD, {"days": 90})
    html = response.content.decode()
    assert '<svg class="demand-chart"' in html and 'role="img"' in html
    assert '<title id="trend-title">' in html and '<desc id="trend-desc">' in html
    assert 'id="trend-table"' in html
    series = {s["name"]: s["values"] for s in response.context["series"]}
    assert sum(series["Lupus"]) == 4 and sum(series["Low-dose naltrexone"]) == 3


@pytest.mark.parametrize(
    "days, unit, points",
    [(30, "day", {30, 31}), (90, "week", {13, 14, 15}), (365, "month", {12, 13})],
)
def test_the_trend_follows_the_chosen_period(staff_client, demand, days, unit, points):
    response = staff_client.get(DASHBOARD, {"days": days})

    buckets = response.context["buckets"]
    assert response.context["trend_unit"] == unit and len(buckets) in points
    period = response.context["period"]
    assert buckets[0].start <= timezone.localtime(period.start).date()
    assert f"Trend: questions per {unit}" in response.content.decode()


def test_the_current_partial_week_or_month_is_marked_as_partial(staff_client, demand):
    response = staff_client.get(DASHBOARD, {"days": 365})

    last = response.context["buckets"][-1]
    today = timezone.localdate()
    assert last.partial == (today.month == (today + DAY).month)
    if last.partial:
        html = response.content.decode()
        assert "(part of it)" in html and "hollow point" in html


def test_a_topic_keeps_its_colour_and_line_style_in_every_view(staff_client, demand):
    styles = {}
    for days in (30, 90, 365):
        for line in staff_client.get(DASHBOARD, {"days": days}).context["chart"]["lines"]:
            styles.setdefault(line["name"], set()).add((line["colour"], line["dash"]))
    assert styles and all(len(seen) == 1 for seen in styles.values())
    assert len({next(iter(seen)) for seen in styles.values()}) == len(styles)


def test_open_unanswered_and_median_time_to_answer(staff_client):
    now = timezone.now()
    for wait_days in (1, 2, 6):
        make_inquiry(
            received_at=now - 10 * DAY,
            answered_at=now - 10 * DAY + wait_days * DAY,
            status=Status.ANSWERED,
        )
    make_inquiry(status=Status.NEW, reply_wanted=True)
    make_inquiry(status=Status.TRIAGED)
    make_inquiry(status=Status.CLOSED, reply_wanted=True)
    response = staff_client.get(DASHBOARD, {"days": 30})
    assert response.context["backlog"] == {"open": 2, "unanswered": 1}
    assert response.context["median_answer"] == 2 * DAY


def test_median_of_an_even_number_is_the_mean_of_the_middle_two(staff_client):
    now = timezone.now()
    for wait_days in (1, 3):
        make_inquiry(received_at=now - 9 * DAY, answered_at=now - 9 * DAY + wait_days * DAY)
    assert staff_client.get(DASHBOARD).context["median_answer"] == 2 * DAY


def test_content_gaps_are_topics_asked_often_without_a_live_article(staff_client, demand, settings):
    settings.INQUIRY_CONTENT_GAP_MIN = 3
    gaps = staff_client.get(DASHBOARD, {"days": 30}).context["gaps"]
    assert [topic.name for topic in gaps] == ["Lupus"]
    assert gaps[0].asked == 3
    make_live_article("Living with lupus", topics=[demand["lupus"]])
    make_live_article("No topics at all")
    assert staff_client.get(DASHBOARD, {"days": 30}).context["gaps"] == []


def test_article_prompted_since_live_and_rate_before_and_after(staff_client):
    now = timezone.now()
    ldn = make_topic("Low-dose naltrexone")
    article = make_live_article("LDN and lupus", topics=[ldn])
    live = now - 20 * DAY
    Article.objects.filter(pk=article.pk).update(first_published_at=live)
    for days in (10, 30):
        make_inquiry(
            received_at=live - days * DAY,
            topics=[ldn],
            related_article=article,
            related_article_role=ArticleRole.PROMPTED,
        )
    make_inquiry(received_at=live - 200 * DAY, topics=[ldn])  # outside the 90-day window
    make_inquiry(
        received_at=live + 5 * DAY,
        topics=[ldn],
        related_article=article,
        related_article_role=ArticleRole.ANSWERS,
    )
    make_inquiry(received_at=live + 6 * DAY, topics=[ldn], status=Status.SPAM)
    response = staff_client.get(DASHBOARD)
    (row,) = response.context["articles"]
    assert row["article"] == article
    assert row["prompted"] == 2
    assert row["since_live"] == 1
    assert row["rate_before"] == round(2 * 30 / 90, 1)
    assert row["rate_after"] == round(1 * 30 / 20, 1)


def test_article_impact_counts_the_topics_readers_see_not_an_unpublished_edit(staff_client):
    now = timezone.now()
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    article = make_live_article("Lupus and fatigue", topics=[lupus])
    article.topics.set([ldn])  # saved on the working copy, not published
    for topics in ([lupus], [lupus], [ldn]):
        make_inquiry(received_at=now + DAY, topics=topics)
    (row,) = staff_client.get(DASHBOARD, {"days": 30}).context["articles"]
    assert row["since_live"] == 2


def test_dashboard_is_linked_from_the_admin_index_for_inquiry_staff(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert f'href="{DASHBOARD}"' in html
    assert "Demand dashboard" in html


def test_dashboard_is_staff_only(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_staff("other"))
    assert client.get(DASHBOARD).status_code == 403
    assert f'href="{DASHBOARD}"' not in client.get("/admin/").content.decode()


def test_dashboard_query_count_does_not_grow_with_inquiries(
    staff_client, demand, django_assert_max_num_queries
):
    make_live_article("LDN and lupus", topics=[demand["ldn"]])
    with django_assert_max_num_queries(20):
        staff_client.get(DASHBOARD)


def test_the_total_reads_as_english_for_one_question_and_for_several(staff_client):
    make_inquiry(topics=[make_topic("Lupus")])
    assert '<strong data-figure="total">1</strong> question received' in (
        staff_client.get(DASHBOARD + "?days=30").content.decode()
    )
    make_inquiry()
    assert '<strong data-figure="total">2</strong> questions received' in (
        staff_client.get(DASHBOARD + "?days=30&refresh=1").content.decode()
    )
