"""Every reader page, and the article admin form, pass the Nu Html Checker with no error.

The checker is npm's vnu-jar, run with the machine's Java; `.ci/run` installs it into .tools/
(`npm install --prefix .tools vnu-jar@VERSION`). Without it the test skips, and fails in CI.
"""

import json
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article, Author, Topic

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VNU_JAR = Path(
    os.environ.get("VNU_JAR")
    or Path(__file__).resolve().parents[2] / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"
)


def checker():
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        message = f"Nu Html Checker not found: needs java and {VNU_JAR} (see .ci/run)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-jar", str(VNU_JAR)]


def reader_pages():
    pages = ["/", "/articles/", "/articles/?q=naltrexone", "/articles/?q=xylophone", "/glossary/"]
    pages += ["/ask/", "/ask/?article=low-dose-naltrexone-lupus", "/no-such-page/"]
    pages += [a.get_absolute_url() for a in Article.objects.live()]
    pages += [t.get_absolute_url() for t in Topic.objects.all()]
    pages += [a.get_absolute_url() for a in Author.objects.all()]
    return pages


def validate(pages, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    files = {}
    for number, (address, html) in enumerate(pages.items()):
        path = folder / f"page-{number}.html"
        path.write_bytes(html)
        files[path.name] = address
    run = subprocess.run(
        [*checker(), "--errors-only", "--format", "json", *(str(folder / f) for f in files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_every_reader_page_is_valid_html(client, tmp_path):
    call_command("load_demo", stdout=StringIO())
    pages = {}
    for address in reader_pages():
        response = client.get(address)
        assert response.status_code in (200, 404), address
        pages[address] = response.content
    assert validate(pages, tmp_path) == []


def test_article_admin_form_is_valid_html(admin_client, tmp_path):
    call_command("load_demo", stdout=StringIO())
    article = Article.objects.get(slug="low-dose-naltrexone-lupus")
    pages = {
        "add form": admin_client.get("/admin/articles/article/add/").content,
        "change form": admin_client.get(f"/admin/articles/article/{article.pk}/change/").content,
    }
    assert validate(pages, tmp_path) == []
