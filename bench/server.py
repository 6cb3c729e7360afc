"""What the benchmark and reliability scripts share: a free port and production-like settings."""

import os
import socket


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
