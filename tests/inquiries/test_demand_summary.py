"""The demand summary stays exact through every write path: after each kind of change, the
maintained tables equal a fresh count (summary.differences() is empty) and the dashboard's
figures equal the same figures counted straight from the inquiries (direct_figures)."""

import datetime
import io
import threading
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Topic
from inquiries import demand, summary
from inquiries.models import ArticleRole, Inquiry, Status
from tests.factories import make_inquiry, make_live_article, make_topic
from tests.inquiries.direct_figures import assert_dashboard_exact

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
CHANGELIST = "/admin/inquiries/inquiry/"


def assert_exact():
    assert summary.differences() == {}
    assert_dashboard_exact()


def published(article, at):
    Article.objects.filter(pk=article.pk).update(first_published_at=at)
    return article


@pytest.fixture
def data():
    """Questions on zero, one and two topics over a year, in every status, some answered
    (one before it was received: a typing slip), and articles that went live mid-day."""
    now = timezone.now()
    lupus, ldn, fatigue = (
        make_topic("Lupus"),
        make_topic("Low-dose naltrexone"),
        make_topic("Fatigue"),
    )
    published(make_live_article("LDN and lupus", topics=[ldn]), now - 20 * DAY - 7 * HOUR)
    published(make_live_article("Tired all day", topics=[lupus, fatigue]), now - 100 * DAY + HOUR)
    make_live_article("Just out", topics=[fatigue])
    inquiries = []
    for number, days in enumerate([1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 95, 144, 233, 300, 377]):
        topics = [[], [lupus], [ldn], [lupus, ldn], [fatigue, lupus]][number % 5]
        status = list(Status)[number % len(Status)]
        received = now - days * DAY - number * HOUR
        answered = None
        if status in (Status.ANSWERED, Status.CLOSED):
            answered = received + datetime.timedelta(hours=3 + 7 * number)
        inquiries.append(
            make_inquiry(
                received_at=received,
                topics=topics,
                status=status,
                answered_at=answered,
                reply_wanted=number % 3 == 0,
            )
        )
    make_inquiry(
        received_at=now - 4 * DAY,
        answered_at=now - 5 * DAY,
        status=Status.ANSWERED,
        topics=[ldn],
    )
    return {"lupus": lupus, "ldn": ldn, "fatigue": fatigue, "inquiries": inquiries, "now": now}


def test_the_fixture_is_counted_exactly(data):
    assert summary.totals(data["now"] - 400 * DAY, data["now"] + DAY)["total"] == 13
    assert_exact()


def test_new_inquiries_from_staff_and_from_the_form(data, ask):
    make_inquiry(topics=[data["lupus"], data["fatigue"]], reply_wanted=True)
    assert ask().status_code == 302
    assert_exact()


def test_a_new_inquiry_is_counted_without_reading_anything_back(data):
    with CaptureQueriesContext(connection) as captured:
        Inquiry.objects.create(question="Counted from the instance", reply_wanted=True)

    statements = [query["sql"].lstrip().split()[0].upper() for query in captured]
    assert "SELECT" not in statements
    assert len(statements) >= 2  # the row and the summary's write
    assert_exact()


def test_edits_to_status_dates_and_reply(data):
    inquiry = data["inquiries"][3]
    for status in [Status.SPAM, Status.NEW, Status.ANSWERED, Status.CLOSED, Status.TRIAGED]:
        inquiry.status = status
        inquiry.save()
        assert_exact()
    inquiry.received_at -= 40 * DAY
    inquiry.reply_wanted = not inquiry.reply_wanted
    inquiry.answered_at = None
    inquiry.save()
    assert_exact()
    inquiry.answered_at = data["now"] - HOUR
    inquiry.save(update_fields=["answered_at"])
    assert_exact()


def test_topic_links_changed_from_either_side(data):
    first, second = data["inquiries"][0], data["inquiries"][1]
    first.topics.add(data["ldn"], data["fatigue"])
    assert_exact()
    first.topics.remove(data["ldn"])
    second.topics.set([data["fatigue"]])
    assert_exact()
    first.topics.clear()
    assert_exact()
    data["lupus"].inquiries.add(first, second)
    assert_exact()
    data["lupus"].inquiries.remove(second)
    data["fatigue"].inquiries.set([first])
    assert_exact()
    data["ldn"].inquiries.clear()
    assert_exact()


def test_queryset_updates(data):
    Inquiry.objects.filter(received_at__gte=data["now"] - 10 * DAY).mark_spam()
    assert_exact()
    Inquiry.objects.filter(status=Status.SPAM).update(status=Status.NEW)
    Inquiry.objects.filter(status=Status.NEW).update(status=Status.TRIAGED)
    assert_exact()
    Inquiry.objects.open().mark_answered(at=data["now"] - 2 * HOUR)
    assert_exact()
    Inquiry.objects.filter(topics=data["lupus"]).mark_closed()
    Inquiry.objects.filter(reply_wanted=False).update(reply_wanted=True)
    assert_exact()
    Inquiry.objects.filter(topics=data["ldn"]).update(received_at=data["now"] - 61 * DAY)
    assert_exact()


def test_uncounted_updates_change_nothing(data, django_assert_max_num_queries):
    before = summary.differences()
    with django_assert_max_num_queries(1):
        Inquiry.objects.all().update(staff_notes="Seen.")
    Inquiry.objects.all().link_article(Article.objects.first(), ArticleRole.ANSWERS)
    assert before == summary.differences() == {}


def test_add_topic(data):
    Inquiry.objects.filter(pk__in=[i.pk for i in data["inquiries"][:6]]).add_topic(data["ldn"])
    assert_exact()


def test_deletes(data, admin_client):
    data["inquiries"][1].delete()
    Inquiry.objects.filter(topics=data["fatigue"]).delete()
    assert_exact()
    inquiry = data["inquiries"][3]
    assert (
        admin_client.post(f"{CHANGELIST}{inquiry.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    ids = [str(i.pk) for i in data["inquiries"][5:9]]
    admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert not Inquiry.objects.filter(pk__in=ids).exists()
    assert_exact()


def test_purge_of_personal_data_and_old_spam(data):
    make_inquiry(received_at=data["now"] - 60 * DAY, status=Status.SPAM, topics=[data["ldn"]])
    call_command("purge_inquiry_pii", older_than=10, stdout=io.StringIO())
    assert not Inquiry.objects.filter(status=Status.SPAM, received_at__lt=data["now"] - 30 * DAY)
    assert_exact()


def test_admin_bulk_actions_and_change_form(data, admin_client):
    ids = [str(i.pk) for i in data["inquiries"][:8]]
    for action in ["mark_answered", "mark_spam", "mark_closed", "assign_to_me"]:
        admin_client.post(CHANGELIST, {"action": action, "_selected_action": ids})
        assert_exact()
    admin_client.post(
        CHANGELIST,
        {"action": "add_topic", "_selected_action": ids, "apply": "1", "topic": data["lupus"].pk},
    )
    assert_exact()
    inquiry = data["inquiries"][2]
    response = admin_client.post(
        f"{CHANGELIST}{inquiry.pk}/change/",
        {
            "channel": "email",
            "received_at_0": (data["now"] - 7 * DAY).strftime("%Y-%m-%d"),
            "received_at_1": "10:00:00",
            "question": inquiry.question,
            "topics": [data["fatigue"].pk, data["ldn"].pk],
            "status": Status.ANSWERED,
            "answered_at_0": (data["now"] - 6 * DAY).strftime("%Y-%m-%d"),
            "answered_at_1": "09:00:00",
            "related_article_role": "",
            "reply_wanted": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert_exact()


def test_deleting_a_topic(data):
    data["lupus"].delete()
    assert_exact()


def test_import_into_an_empty_database(data):
    from ldn_portal.content_backup import export_content, import_content
    from tests.security.test_export_import import flush

    document = export_content()
    flush()
    assert summary.differences() == {}
    import_content(document)
    assert Inquiry.objects.count() == 16
    assert_exact()


def test_bulk_loaders(db):
    call_command("load_demo", stdout=io.StringIO())
    assert_exact()
    demo = Inquiry.objects.count()
    call_command("seed_bulk", articles=20, inquiries=demo + 400, stdout=io.StringIO())
    assert Inquiry.objects.count() == demo + 400
    assert_exact()


def test_a_changed_time_zone_rebuilds_the_summary(data, settings):
    summary.ensure_current()
    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: every day boundary moves
    assert summary.differences() != {}
    summary.ensure_current()
    assert_exact()


def test_periods_across_a_clock_change_count_the_odd_hour(settings):
    """Europe/London: days of 23 and 25 hours, periods that span the change, an article that
    went live in the hour that happens twice, questions an hour either side of midnight."""
    settings.TIME_ZONE = "Europe/London"
    summary.ensure_current()
    utc = datetime.UTC
    now = datetime.datetime(2026, 11, 29, 12, tzinfo=utc)
    lupus = make_topic("Lupus")
    article = make_live_article("Clocks", topics=[lupus])
    published(article, datetime.datetime(2026, 10, 25, 0, 30, tzinfo=utc))
    for moment in [
        datetime.datetime(2026, 9, 30, 22, 30, tzinfo=utc),  # 23:30 BST, 30 September
        datetime.datetime(2026, 9, 30, 23, 30, tzinfo=utc),  # 00:30 BST, 1 October
        datetime.datetime(2026, 6, 2, 22, 30, tzinfo=utc),
        datetime.datetime(2026, 6, 2, 23, 30, tzinfo=utc),
        datetime.datetime(2026, 10, 25, 0, 45, tzinfo=utc),  # 01:45 BST, then 01:15 GMT
        datetime.datetime(2026, 10, 25, 1, 15, tzinfo=utc),
    ]:
        make_inquiry(received_at=moment, topics=[lupus], answered_at=moment + 5 * HOUR)
    assert summary.differences() == {}
    assert_dashboard_exact(now=now)


def test_the_readers_count_any_time_range_not_only_whole_days(data):
    """Whole days from the tables, the pieces of days at either end from CountedInquiry."""
    from tests.inquiries import direct_figures

    now = data["now"]
    ranges = [
        (now - 200 * DAY + 5 * HOUR, now - 3 * HOUR),
        (now - 3 * DAY - 90 * datetime.timedelta(minutes=1), now - 3 * DAY + 7 * HOUR),
        (now - 400 * DAY, now + DAY),
    ]
    for start, end in ranges:
        for moment in (start - HOUR, start, start + HOUR, end - HOUR, end):
            make_inquiry(
                received_at=moment,
                answered_at=moment + 30 * datetime.timedelta(minutes=1),
                status=Status.ANSWERED,
                topics=[data["fatigue"]],
            )
    for start, end in ranges:
        period = demand.Period(start, end, None)
        total, untriaged = direct_figures.totals(period)
        figures = summary.totals(start, end)
        assert (figures["total"], figures["untriaged"]) == (total, untriaged)
        (counts,) = summary.topic_counts((start, end))
        rows = direct_figures.topic_rows(demand.Period(start, end, None))
        assert counts == {pk: count for pk, _, count, _ in rows if count}
        assert summary.median_wait(start, end) == direct_figures.median(period)
        months = Counter(
            (topic, timezone.localdate(received).replace(day=1))
            for topic, received in Inquiry.objects.not_spam()
            .received_between(start, end)
            .values_list("topics", "received_at")
            if topic
        )
        assert summary.monthly_counts(start, end, [t.pk for t in Topic.objects.all()]) == months


def test_the_median_between_two_bands_and_beyond_the_last(db):
    now = timezone.now()
    limits = summary.WAIT_LIMITS
    for wait in [
        limits[10] - datetime.timedelta(microseconds=1),
        limits[10],
        limits[-1] * 2,
        -HOUR,
    ]:
        make_inquiry(received_at=now - DAY - wait, answered_at=now - DAY, status=Status.ANSWERED)
    assert_dashboard_exact(now=now)


def test_article_windows_from_midnight_and_from_either_side_of_noon(db):
    now = timezone.now()
    today = summary._day_start(timezone.localdate(now))
    topic = make_topic("Sleep")
    for at in [today - 30 * DAY, today - 31 * DAY + 5 * HOUR, today - 32 * DAY + 19 * HOUR]:
        published(make_live_article(topics=[topic]), at)
    for hours in range(0, 24 * 130, 7):
        make_inquiry(received_at=today - hours * HOUR, topics=[topic])
    assert_dashboard_exact(now=now)


def test_article_windows_that_all_start_at_midnight(db):
    now = timezone.now()
    today = summary._day_start(timezone.localdate(now))
    topic = make_topic("Sleep")
    published(make_live_article(topics=[topic]), today - 10 * DAY)
    for hours in range(0, 24 * 120, 5):
        make_inquiry(received_at=today - hours * HOUR, topics=[topic])
    assert_dashboard_exact(now=now)


def test_the_check_command(data):
    call_command("rebuild_demand_summary", "--check", stdout=io.StringIO())
    summary._models().DemandDay.objects.update(inquiries=0)
    with pytest.raises(CommandError, match="DemandDay"):
        call_command("rebuild_demand_summary", "--check", stdout=io.StringIO())
    call_command("rebuild_demand_summary", stdout=io.StringIO())
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_day_add_up():
    """Two connections adding questions on the same day at once: no count is lost (the
    upserts add to a row rather than overwrite it)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    summary.rebuild()
    topic = make_topic("Pain")
    start = threading.Barrier(2)

    def write():
        try:
            start.wait()
            for _ in range(15):
                make_inquiry(topics=[topic])
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Inquiry.objects.count() == 30
    assert summary.totals(timezone.now() - DAY, timezone.now() + DAY)["total"] == 30
    assert summary.differences() == {}
