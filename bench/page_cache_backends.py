"""The one-box page cache: Django's file-based cache against its database cache (and Redis
and process-local memory for reference), timing what a page-cache hit and a store cost.

    .venv/bin/python bench/page_cache_backends.py [DATABASE_URL]

A hit is one get_many of the generation and a 15 KB page; a store is one set.
"""

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldn_portal.settings")
if len(sys.argv) > 1:
    os.environ["DATABASE_URL"] = sys.argv[1]

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.core.cache.backends.db import DatabaseCache  # noqa: E402
from django.core.cache.backends.filebased import FileBasedCache  # noqa: E402
from django.core.cache.backends.locmem import LocMemCache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

ROUNDS = 3000
PAGE = {"generation": "g" * 32, "content": os.urandom(7_500).hex().encode(), "headers": {}}


def timed(operation):
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, sorted(samples)[int(ROUNDS * 0.99)] * 1000


def measure(name, backend):
    backend.set("pagecache:state", {"generation": "g" * 32}, None)
    backend.set("pagecache:page:x", PAGE, 600)
    hit = timed(lambda: backend.get_many(["pagecache:state", "pagecache:page:x"]))
    store = timed(lambda: backend.set("pagecache:page:y", PAGE, 600))
    print(f"{name:28} hit {hit[0]:.3f} ms (p99 {hit[1]:.3f})  store {store[0]:.3f} ms")


def main():
    print(f"database: {connection.vendor}; {ROUNDS} rounds each; 15 KB page")
    with tempfile.TemporaryDirectory() as folder:
        measure("file-based", FileBasedCache(folder, {"OPTIONS": {"MAX_ENTRIES": 5000}}))
    table = "bench_page_cache"
    call_command("createcachetable", table, verbosity=0)
    try:
        measure(f"database ({connection.vendor})", DatabaseCache(table, {}))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")
    measure("local memory (one process)", LocMemCache("bench", {}))
    if os.environ.get("REDIS_URL"):
        from django.core.cache.backends.redis import RedisCache

        measure("redis", RedisCache(os.environ["REDIS_URL"], {}))


if __name__ == "__main__":
    main()
