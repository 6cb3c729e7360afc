"""Database outage drill: PostgreSQL stopped under reader traffic, then started again.

Usage (from the project root, as root, against a private cluster that it may stop: never the
machine's shared server; tests/reliability/conftest.py starts one):

    .venv/bin/python bench/outage.py --cluster-folder DIR --cluster-port PORT \
        [--down-seconds 6] [--json]

It starts gunicorn (2 workers, production settings, persistent connections) on a fresh
PostgreSQL database with the demo content, sends reader traffic from 4 threads (home,
article list, an article, a search, /healthz), stops the private cluster with `pg_ctl stop -m
fast`, keeps it down for `--down-seconds` (at most 10), and starts it again, ALWAYS (in a
finally block, even on Ctrl-C). The app is not restarted.

It passes when no response was a 500, every reader page during the outage was a 503 with
Retry-After (or a 200 served from a cache), /healthz said 503 while the database was down,
and every URL answered 200 again within 30 s of the database coming back. It prints the
outage duration (stop issued to start finished) and the recovery time (start finished to
the first moment every URL answered 200 again).
"""

import argparse
import contextlib
import http.client
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_ask import fetch, report, running_site  # noqa: E402 (the script's own folder)
from private_postgres import PrivateCluster  # noqa: E402

READER_URLS = ["/", "/articles/", "/articles/pacing-lupus-fatigue/", "/articles/?q=ldn"]
HEALTH = "/healthz"
MAX_DOWN_SECONDS = 10
RECOVERY_LIMIT_SECONDS = 30


class Traffic:
    """Reader threads hitting every URL in turn, recording each answer with its time."""

    def __init__(self, base, threads=4):
        self.base = base
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(offset,), daemon=True)
            for offset in range(threads)
        ]

    def _run(self, offset):
        urls = [*READER_URLS, HEALTH]
        index = offset
        while not self.stopping.is_set():
            url = urls[index % len(urls)]
            index += 1
            started = time.monotonic()
            try:
                status, headers, _ = fetch(self.base, url, timeout=15)
                retry_after = headers.get("Retry-After")
            except (OSError, http.client.HTTPException) as error:
                status, retry_after = f"error {type(error).__name__}", None
            with self.lock:
                self.records.append((started, time.monotonic(), url, status, retry_after))
            time.sleep(0.02)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=20)


def all_urls_ok(base):
    with contextlib.suppress(OSError, http.client.HTTPException):
        return all(fetch(base, url, timeout=5)[0] == 200 for url in [*READER_URLS, HEALTH])
    return False


def drill(base, down_seconds, cluster):
    with Traffic(base) as traffic:
        time.sleep(2)
        stop_issued = time.monotonic()
        try:
            cluster.stop()
            stopped = time.monotonic()
            time.sleep(max(0.0, down_seconds - (stopped - stop_issued)))
        finally:
            # Never leave PostgreSQL down, whatever happened above.
            start_issued = time.monotonic()
            cluster.start()
        started = time.monotonic()
        recovered = None
        while time.monotonic() - started < RECOVERY_LIMIT_SECONDS:
            if all_urls_ok(base):
                recovered = time.monotonic()
                break
            time.sleep(0.1)
        time.sleep(1)
    return traffic.records, stop_issued, stopped, start_issued, started, recovered


def judge(records, stopped, start_issued):
    # Down for sure: from the stop finishing to the start being issued (the server accepts
    # connections a moment before pg_ctl returns).
    during = [r for r in records if r[0] >= stopped and r[1] <= start_issued]
    readers_during = [r for r in during if r[2] != HEALTH]
    health_during = [r for r in during if r[2] == HEALTH]
    bad_reader = [
        r for r in readers_during if not (r[3] == 200 or (r[3] == 503 and r[4]))
    ]  # fmt: skip
    return {
        "requests_sent": len(records),
        "server_errors_500": sum(1 for r in records if r[3] == 500),
        "connection_errors": sum(1 for r in records if isinstance(r[3], str)),
        "reader_requests_during_outage": len(readers_during),
        "reader_503_with_retry_after": sum(1 for r in readers_during if r[3] == 503 and r[4]),
        "reader_200_during_outage": sum(1 for r in readers_during if r[3] == 200),
        "reader_other_during_outage": [f"{r[2]} {r[3]}" for r in bad_reader][:10],
        "healthz_during_outage": sorted({str(r[3]) for r in health_during}),
        "slowest_answer_during_outage_s": round(max((r[1] - r[0] for r in during), default=0), 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--down-seconds", type=float, default=6)
    parser.add_argument("--database", default="ldn_reliability_outage")
    parser.add_argument("--cluster-folder", required=True, help="the private cluster's folder")
    parser.add_argument("--cluster-port", type=int, required=True)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args(argv)
    if not 0 < args.down_seconds <= MAX_DOWN_SECONDS:
        parser.error(f"--down-seconds must be between 0 and {MAX_DOWN_SECONDS}")

    cluster = PrivateCluster(args.cluster_folder, args.cluster_port)
    with running_site(args.database, demo=True, server_url=cluster.url) as (base, _):
        if not all_urls_ok(base):
            raise SystemExit("The site is not healthy before the drill; nothing was stopped.")
        records, issued, stopped, start_issued, started, recovered = drill(
            base, args.down_seconds, cluster
        )
    figures = judge(records, stopped, start_issued)
    figures["outage_seconds"] = round(started - issued, 2)
    figures["recovery_seconds"] = round(recovered - started, 2) if recovered else None
    figures["passed"] = (
        recovered is not None
        and figures["server_errors_500"] == 0
        and figures["connection_errors"] == 0
        and figures["reader_requests_during_outage"] > 0
        and not figures["reader_other_during_outage"]
        and figures["healthz_during_outage"] == ["503"]
    )
    return report(figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
