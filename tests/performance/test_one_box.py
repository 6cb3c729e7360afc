"""One box without Redis: two gunicorn processes share the file cache in LDN_CACHE_DIR, so a
page cached by both is replaced in both by a publish from a third process (issue 16.5)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.servers import free_port, get, reachable, shell

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def one_box(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "one-box-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LDN_CACHE_DIR": str(tmp_path / "cache"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    collect = ["collectstatic", "--noinput", "-v", "0", "-i", "admin", "-i", "ckeditor"]
    for command in (["migrate", "-v", "0"], collect):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    shell(
        env,
        "from tests.factories import make_live_article; "
        "make_live_article('One box before', slug='one-box')",
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ldn_portal.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]  # fmt: skip
    try:
        deadline = time.time() + 30
        while not all(reachable(port) for port in ports):
            assert time.time() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield env, ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def test_workers_on_one_box_share_the_page_cache_and_its_clearing(one_box):
    env, ports = one_box
    for port in ports:
        get(port, "/articles/")
    assert [get(port, "/articles/")[2] for port in ports] == ["hit", "hit"]

    shell(
        env,
        "from articles.models import Article; a = Article.objects.get(slug='one-box'); "
        "a.title = 'One box after'; a.save(); a.save_version(change_note='New title'); "
        "a.publish()",
    )

    for port in ports:
        status, html, _ = get(port, "/articles/")
        assert status == 200
        assert ">One box after<" in html
        assert ">One box before<" not in html
