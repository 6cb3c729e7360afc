"""Reader search latency, in-process: each query through the whole view, p50 and p99.

Usage (from the project root), against a copy of a seeded benchmark database:

    psql -h 127.0.0.1 -U postgres -c \
        'CREATE DATABASE search_copy TEMPLATE ldn_bench_10000_1000000' postgres
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_copy .venv/bin/python manage.py migrate
    psql -h 127.0.0.1 -U postgres -c 'VACUUM ANALYZE' search_copy   # as autovacuum would soon
    .venv/bin/python bench/search_latency.py \
        --database-url postgres://postgres@127.0.0.1:5432/search_copy [--runs 20] [--json]

Each query in QUERIES (rare and common words, a stop word, several words, prefixes, a topic
synonym, a misspelling with no results, a second and a last page) is requested with Django's
test client under production settings (debug off, no page cache: a search has a query
string, which the page cache never serves), once to warm up and then `--runs` times, after a
full garbage collection. It prints the result count the page shows and p50 / p99 (nearest
rank; with 20 runs p99 is the slowest). A misspelling with no results records a search gap
row, as in production: use a copy of the benchmark database, not the original.
"""

import argparse
import gc
import io
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from server import production_env  # the script's own folder

ROOT = Path(__file__).resolve().parent.parent
COMMON = "lupus"
# (label, query, page): page "last" is looked up from the first page's "Page 1 of N".
QUERIES = [
    ("rare word", "belimumab", 1),
    ("specific word", "naltrexone", 1),
    ("common word", "lupus", 1),
    ("common word", "pain", 1),
    ("common word", "treatment", 1),
    ("stop word", "the", 1),
    ("two common words", "lupus sleep", 1),
    ("two words", "pain relief", 1),
    ("three words", "lupus kidney pregnancy", 1),
    ("prefix", "fib", 1),
    ("one-letter prefix", "l", 1),
    ("topic synonym", "LDN", 1),
    ("misspelling, no results", "naltrexome", 1),
    ("page 2", COMMON, 2),
    ("last page", COMMON, "last"),
]
COUNT = re.compile(r'class="result-count"[^>]*>([^<]*)<')
PAGES = re.compile(r"Page \d+ of (\d+)")


def setup_django(database_url, static_root):
    """Production settings in this process, with the static manifest they need collected."""
    os.environ.update(production_env(database_url, static_root, "search-latency"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldn_portal.settings"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def fetch(client, q, page):
    params = {"q": q} if page == 1 else {"q": q, "page": page}
    started = time.perf_counter()
    response = client.get("/articles/", params)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{q!r} page {page}: HTTP {response.status_code}")
    return elapsed, response.content.decode()


def measure(client, label, q, page, runs):
    if page == "last":
        _, html = fetch(client, q, 1)
        found = PAGES.search(html)
        page = int(found.group(1)) if found else 1
    _, html = fetch(client, q, page)  # warm-up
    found = COUNT.search(html)
    # A full collection of the harness's own garbage would otherwise land in one query's
    # runs (40-70 ms, every few hundred requests) and read as that query's p99.
    gc.collect()
    times = [fetch(client, q, page)[0] for _ in range(runs)]
    return {
        "label": label,
        "q": q,
        "page": page,
        "shown": found.group(1).strip()[:40] if found else "",
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgres"):
        parser.error("--database-url postgres://... (or DATABASE_URL) is required")
    load_before = os.getloadavg()[0]
    static_root = Path(tempfile.mkdtemp(prefix="search-latency-static-"))
    try:
        setup_django(args.database_url, static_root)
        from django.test import Client

        client = Client(HTTP_HOST="localhost")
        results = [measure(client, label, q, page, args.runs) for label, q, page in QUERIES]
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"| query | page | shown | p50 ms | p99 ms |  ({args.runs} runs each)")
    print("|---|---:|---|---:|---:|")
    for r in results:
        print(
            f"| {r['label']}: {r['q']} | {r['page']} | {r['shown']} "
            f"| {r['p50_ms']} | {r['p99_ms']} |"
        )
    print(f"worst p99: {max(r['p99_ms'] for r in results)} ms")
    print(f"load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
