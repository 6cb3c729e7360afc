"""What the benchmark and reliability scripts share: a free port, production-like settings and
a gunicorn to serve them."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url, static_root, purpose, **extra):
    """The environment for a gunicorn serving this checkout with debug off, plus `extra`.

    Questions may be sent at machine speed from one address, so the minimum fill time is off
    and the rate limit is raised; `extra` can override either.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=f"{purpose}-only-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        DJANGO_CONN_MAX_AGE="60",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        STATIC_ROOT=str(static_root),
        DJANGO_LOG_LEVEL="WARNING",
        LDN_INQUIRY_MIN_FILL_SECONDS="0",
        LDN_INQUIRY_RATE_LIMIT="1000000/m",
    )
    env.update(extra)
    return env


def start_gunicorn(
    env,
    port,
    workers,
    app="ldn_portal.wsgi:application",
    cwd=ROOT,
    python=sys.executable,
    ready_path="/healthz",
):
    """gunicorn serving `app` (this checkout's portal unless told otherwise) on a loopback
    port, once `ready_path` answers 200."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (lives as long as the server)
        "w", prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            # The slowest staff page must finish, not be killed mid-measurement.
            "--timeout",
            "180",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}{ready_path}", timeout=2
            ) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn did not start; see {log.name}")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a worker still busy with a slow staff page
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
