"""PostgreSQL query plans: each dashboard query can read its rows through an index (EXPLAIN with
sequential scans discouraged, as in tests/performance/test_query_plans.py). Skipped on SQLite."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inquiries import demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements():
    """The SQL of one dashboard computation (365 days) over seeded data."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("seed_bulk", articles=120, inquiries=3000, stdout=io.StringIO())
    # seed_bulk refreshes the day view: days before today come from it, today directly.
    period, _ = demand.period_from_params({"days": "365"})
    with CaptureQueriesContext(connection) as captured:
        demand.compute_figures(period, timezone.now())
    return [query["sql"] for query in captured.captured_queries]


def the(statements, *words, switches=("enable_seqscan",)):
    """EXPLAIN the one statement containing `words`, with the planner `switches` off."""
    (sql,) = [sql for sql in statements if all(word in sql for word in words)]
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        cursor.execute(f"EXPLAIN {sql}")  # noqa: S608 (Django's own SQL)
        text = "\n".join(row[0] for row in cursor.fetchall())
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = on")
    return text


def test_period_counts_read_inquiries_through_the_received_index(statements):
    for words in [
        ['"inquiries_inquiry_topics"."topic_id" AS "topics"'],  # per topic (or none) and day
        ['AS "day", COUNT("inquiries_inquiry"."id") AS "n" FROM "inquiries_inquiry" WHERE'],
        ['AS "before"', '"since"'],  # article impact: inquiries around going live
    ]:
        # No walks of a whole btree either: on a small table the planner otherwise reads the
        # primary key in order, which proves nothing about the index that serves the filter.
        text = the(statements, *words, switches=("enable_seqscan", "enable_indexscan"))
        # Any index that reads a range of received times serves (on a test's few rows the
        # planner may take the triage list's urgent-then-received one).
        assert re.search(r"Index Scan on inquiry(_\w+)?_received ", text), text


def test_refreshed_days_are_read_through_the_day_view_key(statements):
    assert "inquiries_demand_day_key" in the(statements, "FROM inquiries_demand_day WHERE")


def test_backlog_and_median_wait_use_their_indexes(statements):
    # Their columns are in these indexes: on a vacuumed table (as autovacuum leaves it) they
    # are index-only scans (docs/performance.md); a test's fresh rows are not vacuumed yet.
    assert "inquiry_status_received" in the(statements, "COUNT(*)", "IN ('new', 'triaged')")
    assert "inquiry_awaiting_reply" in the(statements, "COUNT(*)", '"reply_wanted"')
    assert "inquiry_answered" in the(statements, 'AS "wait"')
    assert "inquiry_answered" in the(statements, "COUNT(*)", '"answered_at" >=')
