"""What the page cache's clear count costs a cache hit (issue 18; ldn_portal/resilient_cache.py).

Usage (from the project root; a private redis-server is started on a free loopback port):

    .venv/bin/python bench/clear_check_cost.py [--database ldn_bench_clears] [--hits 2000]

In one process, on PostgreSQL (BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432)
with persistent connections (DJANGO_CONN_MAX_AGE, default 60), it GETs one cached article
page through Django's test client, in interleaved rounds, three ways: without the check
(the cost before it existed), with the count read at most every 0.5 s (the default), and
with the count read on every hit (LDN_CACHE_CLEAR_CHECK_SECONDS=0, the strict choice). It
prints the median time per hit of each and the ratios.
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_ask import DEFAULT_SERVER, recreate_database  # noqa: E402 (the script's own folder)
from server import free_port  # noqa: E402


def start_redis():
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="ldn_bench_clears")
    parser.add_argument("--hits", type=int, default=2000, help="Hits per way and round.")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    recreate_database(DEFAULT_SERVER, args.database)
    redis, port = start_redis()
    try:
        os.environ.update(
            DATABASE_URL=f"{DEFAULT_SERVER}/{args.database}",
            REDIS_URL=f"redis://127.0.0.1:{port}/0",
            DJANGO_CONN_MAX_AGE=os.environ.get("DJANGO_CONN_MAX_AGE", "60"),
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="bench-only-" + os.urandom(16).hex(),
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="ldn_portal.settings",
            STATIC_ROOT=tempfile.mkdtemp(prefix="ldn-bench-static-"),
        )
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from articles import cache as page_cache

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_demo", verbosity=0)
        client = Client()
        url = "/articles/pacing-lupus-fatigue/"
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"

        generation = page_cache._generation
        concerned = type(generation)._concerned
        ways = {
            "no check": (lambda self: False, 0.5),
            "count read every 0.5 s": (concerned, 0.5),
            "count read every hit": (concerned, 0.0),
        }
        timings = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, (check, interval) in ways.items():
                type(generation)._concerned = check
                settings.CACHE_CLEAR_CHECK_SECONDS = interval
                started = time.perf_counter()
                for _ in range(args.hits):
                    response = client.get(url)
                elapsed = time.perf_counter() - started
                assert response["X-Page-Cache"] == "hit"
                timings[name].append(elapsed / args.hits * 1e6)
        type(generation)._concerned = concerned
    finally:
        redis.send_signal(signal.SIGTERM)
        redis.wait()

    baseline = statistics.median(timings["no check"])
    print(f"conn_max_age={os.environ['DJANGO_CONN_MAX_AGE']}, {args.rounds} rounds")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:>24}: {median:7.1f} µs per hit  ({median / baseline:.2f}x)")


if __name__ == "__main__":
    main()
