"""Small bench for issue 16: the article page from the one-box file cache, from Redis and
through Varnish, against the constant page of the same size, with 2 gunicorn workers.

    .venv/bin/python bench/one_box.py [--seconds 5] [--connections 8]

SQLite demo data in a temporary folder (the page cache's hits touch no database, so the
database does not matter for these rows); Redis db 9 on 127.0.0.1 for the Redis row; Debian's
varnishd with deploy/varnish/default.vcl for the Varnish row. Prints one row per setting.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from run import run_wrk  # noqa: E402
from server import (  # noqa: E402
    free_port,  # noqa: E402
    start_gunicorn,
    stop,
)

PYTHON = str(ROOT / ".venv/bin/python")
ARTICLE = "/articles/pacing-lupus-fatigue/"


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def size_of(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return len(answer.read())


def measure(label, url, args):
    urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 (our own loopback server)
    result = run_wrk(url, args.seconds, args.connections)
    print(f"{label:40} {result['rps']:8.0f} req/s  p50 {result['p50']:.2f} ms  bad {result['bad']}")
    return result["rps"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ldn-one-box-"))
    base = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-one-box-only",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "LDN_BENCH_VIEWS": "true",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Long buckets: a measurement must not straddle a bucket's end.
        "LDN_INQUIRY_FORM_TOKEN_BUCKET_SECONDS": "3600",
    }
    manage(base, "migrate", "-v", "0")
    manage(base, "collectstatic", "--noinput", "-v", "0")
    manage(base, "load_demo")
    settings = {
        "one-box file cache": {**base, "LDN_CACHE_DIR": str(folder / "cache")},
        "Redis page cache": {**base, "REDIS_URL": "redis://127.0.0.1:6379/9"},
    }
    rows = {}
    for label, env in settings.items():
        port = free_port()
        server = start_gunicorn(env, port, 2)
        try:
            size = size_of(port, ARTICLE)
            if not rows:
                rows["constant page"] = measure(
                    f"constant page ({size:,} bytes)",
                    f"http://127.0.0.1:{port}/_bench/constant/{size}/",
                    args,
                )
            rows[label] = measure(f"article, {label}", f"http://127.0.0.1:{port}{ARTICLE}", args)
            if label == "one-box file cache" and shutil.which("varnishd"):
                rows["Varnish"] = through_varnish(port, args)
        finally:
            stop(server)
    for label, rps in rows.items():
        print(f"{label:40} {rps / rows['constant page']:.0%} of the constant page")
    shutil.rmtree(folder, ignore_errors=True)


def through_varnish(app_port, args):
    vcl = (ROOT / "deploy/varnish/default.vcl").read_text()
    vcl = vcl.replace('.port = "8000";', f'.port = "{app_port}";')
    workdir = Path(tempfile.mkdtemp(prefix="ldn-varnish-", dir="/tmp"))
    workdir.chmod(0o755)
    (workdir / "default.vcl").write_text(vcl)
    (workdir / "default.vcl").chmod(0o644)
    port = free_port()
    process = subprocess.Popen(
        ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(workdir / "default.vcl")]
        + ["-n", str(workdir / "n"), "-s", "malloc,64m"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ARTICLE}", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        return measure("article through Varnish", f"http://127.0.0.1:{port}{ARTICLE}", args)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
