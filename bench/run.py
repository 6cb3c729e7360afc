"""Benchmarks: the portal under gunicorn on PostgreSQL, measured with wrk, interleaved.

Usage (from the project root): `make bench`, or `.venv/bin/python bench/run.py --help`.

It seeds a PostgreSQL database once (kept between runs, re-seeded when the sizes change),
starts gunicorn with 2 workers and production settings, then measures every endpoint in
turn for several rounds, so that noise on this shared machine spreads over all of them.
Beside the pages it measures a constant page of the article page's size served by the same
Django settings and workers: the upper bound for any Django page here, and the servers of
bench/references.py (nginx, Varnish, the one-box cache, plain Django, Wagtail) that issue 16
compares the portal with. Results are printed and written to
bench/results/<date>-<host>-<articles>-<inquiries>[-label].md.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import references  # the script's own folder
from server import free_port, production_env, start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable


def manage(env, *args, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def bench_env(database_url, static_root, redis_url, cache_prefix):
    return production_env(
        database_url,
        static_root,
        "bench",
        # Production-like: the page cache and the rate limit live in Redis, shared by workers.
        REDIS_URL=redis_url,
        DJANGO_CACHE_PREFIX=cache_prefix,
        LDN_INQUIRY_RATE_LIMIT="1000000/s",
        LDN_BENCH_VIEWS="true",
        # bench_plan's staff session has signed in with a password only: without this the
        # second-factor gate (on whenever debug is off) sends its staff pages to enrolment.
        LDN_STAFF_TWO_FACTOR="false",
    )


@contextlib.contextmanager
def autocommit_cursor(database_url):
    """A cursor outside any transaction: CREATE DATABASE and VACUUM refuse to run in one."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def ensure_database(admin_url, name):
    """Create the benchmark database if it does not exist (kept between runs)."""
    with autocommit_cursor(admin_url) as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')


def vacuum(database_url):
    with autocommit_cursor(database_url) as cursor:
        cursor.execute("VACUUM ANALYZE")


LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    """Requests per second, p50 and p99 (ms) and non-2xx/3xx count from wrk --latency output."""

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * LATENCY_UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(requests.group(1)) if requests else 0,
        "p50": latency("50"),
        "p99": latency("99"),
        "bad": int(bad.group(1)) if bad else 0,
    }


def run_wrk(url, seconds, connections, headers=(), script=None, env=None):
    threads = min(2, connections)
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "120s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    if result.returncode:
        raise SystemExit(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    figures = parse_wrk(result.stdout)
    redirects = re.search(r"^Redirects: (\d+)", result.stdout, re.MULTILINE)
    figures["redirects"] = int(redirects.group(1)) if redirects else 0
    return figures


def combine(samples):
    """Merge rounds: total requests over total time; latency percentiles as the median round."""
    samples = sorted(samples, key=lambda s: s["p99"])
    middle = samples[len(samples) // 2]
    p50s = sorted(s["p50"] for s in samples)
    return {
        "rps": sum(s["rps"] for s in samples) / len(samples),
        "p50": p50s[len(p50s) // 2],
        "p99": middle["p99"],
        "requests": sum(s["requests"] for s in samples),
        "bad": sum(s["bad"] for s in samples),
        "redirects": sum(s["redirects"] for s in samples),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--inquiries", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--label", default="", help="added to the results file name")
    parser.add_argument(
        "--only",
        default="",
        help="measure only endpoints whose name contains this text, or one of several "
        "separated by commas (plus the upper bound)",
    )
    parser.add_argument(
        "--database-prefix",
        default=os.environ.get("BENCH_DATABASE_PREFIX", "ldn_bench"),
        help="PostgreSQL databases are named <prefix>_<articles>_<inquiries> and <prefix>_wagtail",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--dashboard-inquiries",
        type=int,
        default=100_000,
        help="also measure the dashboard on a second database of this many questions (0: not)",
    )
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    cache_prefix = f"ldnbench-{os.getpid()}"
    env, static_root, plan = prepared_site(args, args.inquiries, cache_prefix)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, args.workers)
    try:
        with references.started(args, base, plan, env, args.database_prefix) as (extra, notes):
            plan["endpoints"] += extra
            plan.setdefault("notes", []).extend(notes)
            results, warmup_redirects = measure(base, plan, args, env)
    finally:
        stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        clear_redis(args.redis, cache_prefix)
    counted = json.loads(manage(env, "bench_plan", "--count-inquiries", capture=True).stdout)
    second, notes = dashboard_at_second_size(args)
    results.update(second)
    plan["notes"] += notes
    report(results, plan, counted, warmup_redirects, args)


def prepared_site(args, inquiries, cache_prefix):
    """The database of `args.articles` articles and `inquiries` questions (created and seeded
    once, kept between runs), migrated and vacuumed, with its static files and bench plan:
    (server environment, static folder, plan)."""
    db_name = f"{args.database_prefix}_{args.articles}_{inquiries}"
    ensure_database(args.postgres + "/postgres", db_name)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = bench_env(f"{args.postgres}/{db_name}", static_root, args.redis, cache_prefix)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_bulk", "--articles", str(args.articles), "--inquiries", str(inquiries))
    # As autovacuum leaves a database that has settled; a migration may have rewritten tables.
    vacuum(env["DATABASE_URL"])
    manage(env, "collectstatic", "--noinput", "-v", "0")
    return env, static_root, json.loads(manage(env, "bench_plan", capture=True).stdout)


def dashboard_at_second_size(args):
    """The dashboard's rows at a second number of questions (--dashboard-inquiries, the same
    articles), in the same run: a database of its own, seeded once, and its own gunicorn, on
    which only the dashboard endpoints (and the upper bound, not reported again) are measured.
    Returns (rows named "... at N questions", notes)."""
    inquiries = args.dashboard_inquiries
    if not inquiries or inquiries == args.inquiries:
        return {}, []
    cache_prefix = f"ldnbench-{os.getpid()}-second"
    env, static_root, plan = prepared_site(args, inquiries, cache_prefix)
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        results, _ = measure(
            f"http://127.0.0.1:{port}",
            plan,
            argparse.Namespace(**{**vars(args), "only": "dashboard"}),
            env,
        )
    finally:
        stop(server)
        shutil.rmtree(static_root, ignore_errors=True)
        clear_redis(args.redis, cache_prefix)
    at = f" at {inquiries:,} questions"
    rows = {name + at: row for name, row in results.items() if name.startswith("dashboard")}
    notes = [
        f"Rows ending '{at}': a second database ({args.articles:,} articles, {inquiries:,} "
        "questions) and its own gunicorn, measured after the rows above."
    ]
    notes += [
        note.replace("Dashboard (", f"Dashboard{at} (", 1)
        for note in plan["notes"]
        if note.startswith("Dashboard (")
    ]
    return rows, notes


def clear_redis(url, prefix):
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def wait_until_idle(url, fast_ms=20, limit_seconds=30):
    """Wait until the workers have answered what the last wrk run left queued (wrk stops with
    up to one request per connection in flight): otherwise the next endpoint's first requests
    wait behind them and its p99 measures its predecessor. `url` is a cheap page."""
    deadline = time.time() + limit_seconds
    while time.time() < deadline:
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=limit_seconds) as answer:  # noqa: S310 (our own server)
            answer.read()
        if (time.perf_counter() - started) * 1000 < fast_ms:
            return
        time.sleep(0.1)


@contextlib.contextmanager
def draft_saves(env, every):
    """While the block runs, a separate process saves a draft every `every` seconds."""
    if not every:
        yield
        return
    saver = subprocess.Popen(  # noqa: S603 (our own management command)
        [PYTHON, "manage.py", "bench_save_drafts", "--every", str(every)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # Its first save is done: Django's start-up is not measured with the page.
        saver.stdout.readline()
        yield
    finally:
        saver.terminate()
        saver.wait(timeout=30)


def measure(base, plan, args, env):
    endpoints = [
        endpoint
        for endpoint in plan["endpoints"]
        if references.selected(endpoint["name"], args.only)
        or endpoint["name"].startswith("upper bound")
    ]
    # Every server's workers, the portal's and the reference servers' (bench/references.py).
    idle_urls = [f"{base}/healthz"] + [e["idle"] for e in endpoints if e.get("idle")]
    wrk_env = plan.get("env", {})
    warmup_redirects = 0
    for endpoint in endpoints:  # warm caches and connections once, outside the measurement
        warmup_redirects += run_wrk(
            endpoint.get("base", base) + endpoint["path"],
            1,
            4,
            endpoint.get("headers", ()),
            endpoint.get("script"),
            wrk_env,
        )["redirects"]
    samples = {endpoint["name"]: [] for endpoint in endpoints}
    for _ in range(args.rounds):
        for endpoint in endpoints:
            with draft_saves(env, endpoint.get("draft_saves_every")):
                for url in dict.fromkeys(idle_urls):
                    wait_until_idle(url)
                samples[endpoint["name"]].append(
                    run_wrk(
                        endpoint.get("base", base) + endpoint["path"],
                        args.seconds,
                        endpoint.get("connections", args.connections),
                        endpoint.get("headers", ()),
                        endpoint.get("script"),
                        wrk_env,
                    )
                )
    return {name: combine(rounds) for name, rounds in samples.items()}, warmup_redirects


def report(results, plan, counted, warmup_redirects, args):
    bound = results["upper bound (constant page)"]["rps"]
    lines = [
        f"# Benchmark {datetime.datetime.now().isoformat(timespec='minutes')}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}",
        f"Data: {args.articles:,} articles, {args.inquiries:,} inquiries (PostgreSQL); "
        f"gunicorn {args.workers} workers; wrk {args.connections} connections, "
        f"{args.rounds} rounds x {args.seconds} s per endpoint, interleaved.",
        f"Command: `.venv/bin/python bench/run.py --articles {args.articles} "
        f"--inquiries {args.inquiries} --seconds {args.seconds} --rounds {args.rounds}`",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ratio to upper bound | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, figures in results.items():
        lines.append(
            f"| {name} | {figures['rps']:.0f} | {figures['p50']:.1f} | {figures['p99']:.1f} | "
            f"{figures['rps'] / bound:.0%} | {figures['bad']} |"
            if bound
            else f"| {name} | {figures['rps']:.0f} | - | - | - | {figures['bad']} |"
        )
    lines += ["", *(f"- {note}" for note in plan.get("notes", []))]
    lines += [f"- {line}" for line in references.verdicts(results)]
    quiet = results.get("article page (cached)")
    busy = results.get("article page (cached, draft saved every 2 s)")
    if quiet and busy and quiet["p99"] and quiet["rps"]:
        p99, rps = busy["p99"] / quiet["p99"], busy["rps"] / quiet["rps"]
        verdict = "met" if p99 <= 1.2 and rps >= 0.95 else "NOT MET"
        lines.append(
            f"- Cached article page while a draft is saved every 2 s: p99 {p99:.2f}x and "
            f"throughput {rps:.0%} of the same run without saves (target at most 1.2x and at "
            f"least 95%: {verdict})."
        )
    if plan.get("raw_sql_ms"):
        lines.append(
            f"- Dashboard computed from scratch {plan['dashboard_uncached_ms']:.1f} ms, "
            f"its raw SQL {plan['raw_sql_ms']:.1f} ms: "
            f"{plan['dashboard_uncached_ms'] / plan['raw_sql_ms']:.2f}x."
        )
    if "ask_before" in plan:
        redirects = warmup_redirects + sum(f["redirects"] for f in results.values())
        stored = counted["inquiries"] - plan["ask_before"]
        # wrk stops with requests in flight: the server stores them, wrk never sees the answer.
        in_flight = args.connections * (args.rounds + 1)
        verdict = "none lost" if redirects <= stored <= redirects + in_flight else "MISMATCH"
        lines.append(
            f"- /ask/ POST: {redirects} redirects returned (warm-up included), {stored} rows "
            f"stored (at most {in_flight} more than redirects may be answers wrk cut off when "
            f"it stopped): {verdict}."
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.date.today().isoformat()
    suffix = f"-{args.label}" if args.label else ""
    sizes = f"{args.articles}-{args.inquiries}"
    (RESULTS / f"{stamp}-{platform.node()}-{sizes}{suffix}.md").write_text(text)


if __name__ == "__main__":
    main()
