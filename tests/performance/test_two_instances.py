"""Two app instances sharing PostgreSQL and Redis: a publish is visible on the other at once.

Starts two gunicorn processes (separate interpreters, like two servers behind a load
balancer) with REDIS_URL set, so the page cache is on in both. Each fills its cache, then an
editor publishes from a third process; the very next request to either instance shows the
new title. Needs PostgreSQL and Redis on 127.0.0.1 (as here and in CI); skipped elsewhere.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.servers import free_port, get, reachable, shell

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.slow


@pytest.fixture
def two_instances(tmp_path):
    if not (reachable(5432) and reachable(6379)):
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379")
    import psycopg2

    name = f"ldn_two_instances_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    admin.close()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "two-instances-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{POSTGRES}/{name}",
        "REDIS_URL": REDIS,
        "DJANGO_CACHE_PREFIX": name,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    servers = []
    try:
        # Reader pages need only the project's own static files, not the admin's and CKEditor's.
        collect = ["collectstatic", "--noinput", "-v", "0", "-i", "admin", "-i", "ckeditor"]
        for command in (["migrate", "-v", "0"], collect):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        shell(
            env,
            "from tests.factories import make_live_article; "
            "make_live_article('Shared cache before', slug='shared-cache')",
        )
        ports = [free_port(), free_port()]
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "ldn_portal.wsgi:application",
                     "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        deadline = time.time() + 30
        while not all(reachable(port) for port in ports):
            assert time.time() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield env, ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        import redis

        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"{name}:*"):
            client.delete(key)
        cleanup = psycopg2.connect(f"{POSTGRES}/postgres")
        cleanup.autocommit = True
        cleanup.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cleanup.close()


def test_a_publish_is_served_at_once_by_both_instances(two_instances):
    env, ports = two_instances
    # The list shows the title and is always cacheable (the article page may carry a form).
    url = "/articles/"
    for port in ports:
        get(port, url)
    assert [get(port, url)[2] for port in ports] == ["hit", "hit"]

    shell(
        env,
        "from articles.models import Article; a = Article.objects.get(slug='shared-cache'); "
        "a.title = 'Shared cache after'; a.save(); a.save_version(change_note='New title'); "
        "a.publish()",
    )

    for port in ports:
        status, html, _ = get(port, url)
        assert status == 200
        assert ">Shared cache after<" in html
        assert ">Shared cache before<" not in html
