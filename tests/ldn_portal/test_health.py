import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_ok_when_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def run_with_unreachable_database(code, **environment):
    """Run code in a fresh Django process whose database is a closed port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/nowhere"
    env.update(environment)
    script = textwrap.dedent(
        """
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldn_portal.settings")
        django.setup()
        from django.test import Client
        client = Client(raise_request_exception=False, HTTP_HOST="localhost")
        """
    ) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_healthz_answers_503_when_database_is_down():
    result = run_with_unreachable_database(
        """
        response = client.get("/healthz")
        print(response.status_code, response.content.decode())
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503")
    assert '"database": "unavailable"' in result.stdout


def test_pages_needing_the_database_answer_503_with_retry_after_when_it_is_down():
    result = run_with_unreachable_database(
        """
        from django.contrib.auth.models import User
        from django.http import HttpResponse
        from django.urls import path
        from ldn_portal import urls

        def needs_database(request):
            return HttpResponse(str(User.objects.count()))

        urls.urlpatterns.append(path("needs-database/", needs_database))
        response = client.get("/needs-database/")
        print(response.status_code, response.get("Retry-After"))
        print(response.content.decode())
        """
    )

    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert first_line == "503 30"
    assert "We will be back in a moment" in result.stdout


def test_with_the_database_down_and_no_page_cache_generation_every_page_answers_503(tmp_path):
    # An empty cache folder: the page cache must start a generation, which reads the database.
    result = run_with_unreachable_database(
        """
        for url in ("/", "/articles/", "/articles/some-article/", "/topics/lupus/", "/ask/"):
            response = client.get(url)
            print(url, response.status_code, response.get("Retry-After"))
        response = client.get("/healthz")
        print("/healthz", response.status_code, response.json()["cache"])
        """,
        LDN_CACHE_DIR=str(tmp_path / "cache"),
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.endswith(" 503 30") for line in lines[:5]), lines
    assert lines[5] == "/healthz 503 ok"
