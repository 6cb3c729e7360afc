"""PostgreSQL query plans: the main reader and staff queries can use their indexes (EXPLAIN).

Each query is explained with sequential scans discouraged (`enable_seqscan = off`), which
proves an index exists that serves the filter or sort; on a small table the planner would
otherwise rightly prefer a scan. Skipped on SQLite, which has neither these plans nor the
full-text index.
"""

import datetime
import io

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search
from articles.cache import next_boundary
from articles.models import Article, ArticleVersion, Topic
from articles.search import ranked_ids_sql, search_terms
from articles.views import live_articles
from inquiries.models import Inquiry, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("seed_bulk", articles=120, inquiries=3000, stdout=io.StringIO())


def plan(queryset, *, no_full_index_walks=False):
    """EXPLAIN `queryset` with sequential scans discouraged; with `no_full_index_walks`, plain
    index scans too (on a small table the planner otherwise walks a whole btree instead of a
    scan, which proves nothing about the index that should serve the filter)."""
    switches = ["enable_seqscan", *(["enable_indexscan"] if no_full_index_walks else [])]
    return plan_sql(*queryset.query.sql_with_params(), switches=switches)


def plan_sql(sql, params, *, switches, analyze=False):
    """EXPLAIN (with `analyze`, run and EXPLAIN) a statement with the planner `switches` off."""
    with connection.cursor() as cursor:
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = off")
        explain = "EXPLAIN (ANALYZE)" if analyze else "EXPLAIN"
        cursor.execute(f"{explain} {sql}", params)  # noqa: S608 (Django's own SQL)
        text = "\n".join(row[0] for row in cursor.fetchall())
        for switch in switches:
            cursor.execute(f"SET LOCAL {switch} = on")
    return text


# For search: no scans, no walks of a whole btree, and no nested loops, under which a table of
# 120 rows is better probed row by row than through an index (at 10,000 articles PostgreSQL
# reads rare words from the GIN indexes of its own accord).
SEARCH_SWITCHES = ["enable_seqscan", "enable_indexscan", "enable_nestloop"]


def test_live_article_list_uses_the_status_and_date_index(seeded):
    assert "article_status_published" in plan(live_articles()[:20])


def test_the_page_caches_next_moment_is_read_through_indexes(seeded):
    # Read at the start of every page cache generation, so after every publish.
    with CaptureQueriesContext(connection) as queries:
        next_boundary(timezone.now())
    going_live, expiring = (
        plan_sql(query["sql"], None, switches=["enable_seqscan"])
        for query in queries.captured_queries
    )
    assert "version_going_live" in going_live
    assert "article_expire_at" in expiring


def test_topic_page_uses_the_topic_link_index(seeded):
    topic = Topic.objects.get(slug="low-dose-naltrexone")
    text = plan(live_articles().filter(topics=topic)[:20])
    assert "articles_article_topics_topic_id" in text


def test_full_text_match_uses_the_gin_index(seeded):
    versions = ArticleVersion.objects.filter(
        search_vector=SearchQuery("naltrexone:*", search_type="raw", config="english")
    )
    assert "articleversion_search_gin" in plan(versions.order_by().values("pk"))


@pytest.mark.parametrize("q", ["naltrexone", "low dose", "hydroxy"])
def test_reader_search_reads_its_matches_from_the_gin_indexes(seeded, q):
    statement = ranked_ids_sql(live_articles(), search_terms(q))
    text = plan_sql(*statement, switches=SEARCH_SWITCHES)

    # Matches in the title, topics and summary come from the rank vector's index, matches in
    # the body from the search vector's; no group ORs across the version join (which could
    # not use either), and the version table is otherwise only read by primary key.
    assert "Bitmap Index Scan on articleversion_rank_gin" in text
    assert "Bitmap Index Scan on articleversion_search_gin" in text
    assert "Seq Scan on articles_articleversion" not in text


def test_reader_search_skips_body_matches_when_the_title_matches_fill_the_cap(seeded, monkeypatch):
    # Every generated summary says "lupus", so the first group reaches the cap and PostgreSQL
    # never reads the body matches (nor the topic links): a common word costs no more than a
    # rare one.
    monkeypatch.setattr(search, "MAX_RESULTS", 10)
    statement = ranked_ids_sql(live_articles(), search_terms("lupus"))
    text = plan_sql(*statement, switches=SEARCH_SWITCHES, analyze=True)

    body_scans = [line for line in text.splitlines() if "articleversion_search_gin" in line]
    assert body_scans
    assert all("never executed" in line for line in body_scans)


def test_dashboard_article_impact_reads_articles_through_the_first_published_index(seeded):
    articles = Article.objects.live().filter(first_published_at__isnull=False)
    assert "article_status_first_pub" in plan(articles.order_by("-first_published_at")[:50])


def test_admin_inquiry_list_uses_the_received_index_for_its_order(seeded):
    text = plan(Inquiry.objects.order_by("-received_at", "-pk")[:50])
    assert "inquiry_received" in text


def test_admin_date_drill_down_probes_use_the_received_index(seeded):
    year = timezone.localdate().year
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    probe = Inquiry.objects.filter(received_at__gte=start, received_at__lt=end)

    assert "inquiry_received" in plan(probe.values("pk")[:1])


def test_admin_inquiry_list_by_status_uses_the_status_index(seeded):
    text = plan(Inquiry.objects.filter(status=Status.NEW).order_by("-received_at", "-pk")[:50])
    assert "inquiry_status_received" in text


def test_dashboard_period_counts_use_the_received_index(seeded):
    end = timezone.now()
    year = Inquiry.objects.not_spam().received_between(end - datetime.timedelta(days=365), end)
    assert "inquiry_received" in plan(year.values("pk"))
