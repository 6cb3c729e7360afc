"""What bench/run.py measures, as JSON: endpoints, headers, notes (used by `make bench` only).

It creates a superuser session for the staff pages, a CSRF secret and a signed form token for
the /ask/ POST script, measures the article page's size for the constant page, and times the
raw SQL the demand dashboard runs, so the report can compare the dashboard with it.
"""

import json
import statistics
import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.crypto import get_random_string

from articles.models import Article, Topic
from inquiries import demand
from inquiries.forms import new_form_token
from inquiries.models import Inquiry

BENCH_USER = "bench-admin"
SEARCH_WORD = "naltrexone"
COMMON_WORD = "lupus"  # in nearly every generated article
SLOW_SQL_MS = 20_000
# A page slower than this would hold a worker for the whole round: timed once, not by wrk.
SLOW_PAGE_MS = 3_000


def staff_session():
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def uncached_dashboard_ms(client, url, repeat=5):
    """The dashboard computed from nothing (`url` is its refresh link), after one warm-up view: the
    median page time, and the median time of exactly the SQL the last view ran, replayed
    straight on the connection. Returns (page ms, raw SQL ms, statements)."""
    assert client.get(url).status_code == 200
    pages = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            pages.append((time.perf_counter() - started) * 1000)
        if sum(pages) > SLOW_SQL_MS:
            break  # slow enough that one more run adds time, not precision
    statements = [query["sql"] for query in captured.captured_queries]
    totals = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            totals.append((time.perf_counter() - started) * 1000)
            if sum(totals) > SLOW_SQL_MS:
                break
    return statistics.median(pages), statistics.median(totals), len(statements)


class Command(BaseCommand):
    help = "Print the benchmark plan as JSON (for bench/run.py)."

    def add_arguments(self, parser):
        parser.add_argument("--count-inquiries", action="store_true")

    def handle(self, *args, count_inquiries, **options):
        if count_inquiries:
            self.stdout.write(json.dumps({"inquiries": Inquiry.objects.count()}))
            return
        article = (
            Article.objects.live()
            .filter(topics__slug="low-dose-naltrexone")
            .order_by("-last_published_at")
            .first()
        ) or Article.objects.live().order_by("-last_published_at").first()
        topic = Topic.objects.filter(articles=article).order_by("name").first()
        session = staff_session()
        cookie = f"Cookie: sessionid={session}"
        client = Client(HTTP_HOST="127.0.0.1")
        article_url = article.get_absolute_url()
        size = len(client.get(article_url + "?size=1").content)
        dashboard = reverse("admin:inquiries_demandreport_changelist")
        staff = Client(HTTP_HOST="127.0.0.1")
        staff.cookies["sessionid"] = session
        # Each period from nothing (its refresh link) and cached: timed here in-process with
        # their SQL; wrk then measures the views through gunicorn.
        periods = {}
        for days in demand.PERIOD_CHOICES:
            url = f"{dashboard}?days={days}"
            page_ms, raw_ms, statements = uncached_dashboard_ms(staff, url + "&refresh=1")
            started = time.perf_counter()
            assert staff.get(url).status_code == 200
            cached_ms = (time.perf_counter() - started) * 1000
            periods[days] = (url, page_ms, raw_ms, statements, cached_ms)
        _, page_ms, raw_ms, _, _ = periods[365]
        csrf = get_random_string(32)
        endpoints = [
            {"name": "upper bound (constant page)", "path": f"/_bench/constant/{size}/"},
            {"name": "article page (cached)", "path": article_url},
            {
                # The same page while bench_save_drafts saves a draft every 2 s: a draft save
                # must not empty the page cache (issue 12).
                "name": "article page (cached, draft saved every 2 s)",
                "path": article_url,
                "draft_saves_every": 2,
            },
            {"name": "article page (uncached)", "path": article_url + "?from=bench"},
            {"name": "home", "path": "/"},
            {"name": "list", "path": "/articles/"},
            {"name": f"search ?q={SEARCH_WORD}", "path": f"/articles/?q={SEARCH_WORD}"},
            # Latency without a queue: one connection per worker.
            *(
                {
                    "name": f"search ?q={word} (2 connections)",
                    "path": f"/articles/?q={word}",
                    "connections": 2,
                }
                for word in (SEARCH_WORD, COMMON_WORD)
            ),
            {"name": "topic page", "path": topic.get_absolute_url()},
            {"name": "/ask/ POST", "path": "/ask/", "script": "bench/ask.lua"},
            {
                "name": "admin inquiry list",
                "path": reverse("admin:inquiries_inquiry_changelist"),
                "headers": [cookie],
                # A few staff at once, not a crowd: 16 connections would measure the queue.
                "connections": 2,
            },
        ]
        for days, (url, from_nothing_ms, _, _, cached_ms) in periods.items():
            for name, path, ms in [
                (f"dashboard {days} days (cached)", url, cached_ms),
                (f"dashboard {days} days (from nothing)", url + "&refresh=1", from_nothing_ms),
            ]:
                if ms < SLOW_PAGE_MS:
                    endpoint = {"name": name, "path": path, "headers": [cookie], "connections": 1}
                    endpoints.insert(-1, endpoint)
        plan = {
            "endpoints": endpoints,
            "env": {"BENCH_CSRF": csrf, "BENCH_FORM_TOKEN": new_form_token()},
            "raw_sql_ms": raw_ms,
            "dashboard_uncached_ms": page_ms,
            "ask_before": Inquiry.objects.count(),
            "notes": [
                f"Article page: {article_url} ({size:,} bytes); the constant page has that size.",
                "The uncached article page adds a query string: the page cache only serves "
                "requests without one.",
                *(
                    f"Dashboard ({days} days) in-process: from nothing {page:.0f} ms (median of "
                    f"5 views of its refresh link); its {count} SQL statements replayed straight "
                    f"on the connection {raw:.1f} ms; the next view (cached when DEMAND_CACHE is "
                    f"on) {cached:.0f} ms"
                    + (" (too slow for wrk: not in the table)." if cached >= SLOW_PAGE_MS else ".")
                    for days, (_, page, raw, count, cached) in periods.items()
                ),
            ],
        }
        self.stdout.write(json.dumps(plan))
