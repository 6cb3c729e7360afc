"""Sitemap latency, in-process: the index and every section page, cold and warm, p50 and p99.

Usage (from the project root), against a seeded database (`manage.py seed_bulk`):

    .venv/bin/python bench/sitemap_latency.py \
        --database-url postgres://postgres@127.0.0.1:5432/ldn_bench_10000_1000000 \
        [--redis-url redis://127.0.0.1:6379/7] [--runs 50]

Each address is requested with Django's test client under production settings (debug off),
once after the cache was cleared (cold: the section is rendered) and then `--runs` times
(warm: the rendered section comes from the cache). Without --redis-url the cache is local
memory, as `make run`; with it, Redis, as production. Prints one row per address.
"""

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

from server import production_env  # the script's own folder

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    os.environ.update(production_env(args.database_url, ROOT / "staticfiles", "sitemap"))
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ldn_portal.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    cache.clear()
    _, index = timed(client, "/sitemap.xml")
    urls = ["/sitemap.xml"] + [
        loc.removeprefix("http://127.0.0.1")
        for loc in re.findall(r"<loc>([^<]+)</loc>", index.content.decode())
    ]
    print(f"cache: {'Redis' if args.redis_url else 'local memory'}; {args.runs} warm runs each")
    print("| address | entries | KB | cold ms | warm p50 ms | warm p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for url in urls:
        cache.clear()
        cold, response = timed(client, url)
        warm = [timed(client, url)[0] for _ in range(args.runs)]
        entries = response.content.count(b"<loc>")
        print(
            f"| {url} | {entries:,} | {len(response.content) / 1024:.0f} | {cold:.0f} "
            f"| {percentile(warm, 0.5):.2f} | {percentile(warm, 0.99):.2f} |"
        )


if __name__ == "__main__":
    main()
