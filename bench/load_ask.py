"""Load test of the question form: N questions posted concurrently, every one stored once.

Usage (from the project root):

    .venv/bin/python bench/load_ask.py [--requests 5000] [--connections 16] [--json]

It creates a fresh PostgreSQL database (default `ldn_reliability` on 127.0.0.1:5432),
migrates it, starts gunicorn (2 workers, production settings) and then, over 16 connections
at once, does what a reader's browser does for every question: GET /ask/ for the CSRF
cookie and the signed form token, then POST the form. The rate limit and the minimum fill
time are relaxed through their ordinary settings (LDN_INQUIRY_RATE_LIMIT,
LDN_INQUIRY_MIN_FILL_SECONDS), since every question comes from one address within
milliseconds. It passes when every POST got its redirect to the thank-you page, no
response was a 5xx, and the table holds exactly N rows. Exit status 0 on success.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

from server import free_port, production_env  # the script's own folder

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def recreate_database(server_url, name):
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def count_rows(database_url, table):
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table name)
        (count,) = cursor.fetchone()
    connection.close()
    return count


def server_env(database_url, static_root):
    return production_env(database_url, static_root, "reliability", LDN_INQUIRY_NOTIFY_EMAIL="")


@contextlib.contextmanager
def running_site(
    database_name,
    *,
    workers=2,
    demo=False,
    server_url=DEFAULT_SERVER,
    deploy_config=False,
    env=None,
):
    """A migrated database and gunicorn serving it; yields (base URL, database URL).

    With `deploy_config`, gunicorn runs as the container does: `deploy/gunicorn.conf.py` and
    the Dockerfile's GUNICORN_CMD_ARGS (worker class, threads, timeouts), bound to loopback.
    `env` adds to the server's environment.
    """
    database_url = f"{server_url}/{database_name}"
    recreate_database(server_url, database_name)
    with tempfile.TemporaryDirectory(prefix="ldn-reliability-") as folder:
        env = {**server_env(database_url, Path(folder) / "static"), **(env or {})}
        env["MEDIA_ROOT"] = str(Path(folder) / "media")
        # Without Redis, the file cache of this site alone (not the checkout's var/cache).
        env.setdefault("LDN_CACHE_DIR", str(Path(folder) / "cache"))

        def manage(*args):
            subprocess.run(
                [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
            )

        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        if demo:
            manage("load_demo")
        if deploy_config:
            env.update(GUNICORN_WORKERS=str(workers), GUNICORN_CMD_ARGS=container_gunicorn_args())
        log_path = Path(folder) / "gunicorn.log"
        with gunicorn_serving(env, log_path, workers, deploy_config) as base:
            yield base, database_url


@contextlib.contextmanager
def gunicorn_serving(env, log_path, workers, deploy_config):
    port = free_port()
    if deploy_config:
        options = ["-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    else:
        options = [
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--no-control-socket", "--timeout", "60", "--log-level", "warning"),
        ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "ldn_portal.wsgi:application", *options],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process, log_path)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def container_gunicorn_args():
    """The Dockerfile's GUNICORN_CMD_ARGS, read from it so the drills cannot drift from it."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    return re.search(r'^ENV GUNICORN_CMD_ARGS="([^"]*)"', dockerfile, re.M).group(1)


def wait_until_healthy(base, process, log_path, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if fetch(base, "/healthz", timeout=2)[0] == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not become healthy:\n{log_path.read_text()}")


def fetch(base, path, timeout=5):
    """GET `path` on a fresh connection: (status, headers, body)."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Reader:
    """One browser-like client on its own connection: reads the form, then sends it."""

    def __init__(self, base):
        parts = urllib.parse.urlsplit(base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.statuses = Counter()

    def request(self, method, path, body=None, headers=None):
        for attempt in range(3):
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                payload = response.read()
                self.statuses[response.status] += 1
                return response, payload
            except (ConnectionError, http.client.HTTPException):
                # gunicorn's sync workers close the connection after each response.
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def ask(self, number):
        _, page = self.request("GET", "/ask/")
        body = urllib.parse.urlencode(
            {
                "form_token": TOKEN.search(page.decode()).group(1),
                # What the page's script puts in: one per page view, so doubles are told apart.
                "nonce": uuid.uuid4().hex,
                "question": f"Load test question number {number}: is LDN safe with my medicines?",
                "website": "",
            }
        )
        # A browser's same-origin form post says so; the form refuses cross-site posts.
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Sec-Fetch-Site": "same-origin",
        }
        response, _ = self.request("POST", "/ask/", body=body, headers=headers)
        return response.status, response.getheader("Location", "")


def post_questions(base, total, connections):
    """Post `total` questions over `connections` threads; returns the figures."""
    numbers = iter(range(total))
    lock = threading.Lock()
    outcomes = Counter()
    readers = [Reader(base) for _ in range(connections)]
    errors = []

    def work(reader):
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            try:
                status, location = reader.ask(number)
            except Exception as error:  # noqa: BLE001 (counted and reported, not hidden)
                errors.append(repr(error))
                continue
            with lock:
                outcomes["thanked" if status == 302 and "/ask/thanks/" in location else status] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(reader,)) for reader in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    statuses = Counter()
    for reader in readers:
        statuses.update(reader.statuses)
    return {
        "questions": total,
        "connections": connections,
        "requests_sent": sum(statuses.values()),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "server_errors": sum(count for code, count in statuses.items() if code >= 500),
        "thanked": outcomes["thanked"],
        "client_errors": errors[:5],
        "failed_requests": len(errors),
        "seconds": round(elapsed, 1),
        "questions_per_second": round(total / elapsed, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="Questions to post.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", default="ldn_reliability_load")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args(argv)

    with running_site(args.database) as (base, database_url):
        figures = post_questions(base, args.requests, args.connections)
        figures["rows_stored"] = count_rows(database_url, "inquiries_inquiry")
    figures["passed"] = (
        figures["rows_stored"] == args.requests
        and figures["thanked"] == args.requests
        and figures["server_errors"] == 0
        and figures["failed_requests"] == 0
    )
    return report(figures, args.json)


def report(figures, as_json):
    """Print the figures (one JSON line for the tests, or aligned text); exit status 0 if passed."""
    if as_json:
        print(json.dumps(figures))
    else:
        width = max(len(key) for key in figures)
        for key, value in figures.items():
            print(f"{key:>{width}}: {value}")
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
