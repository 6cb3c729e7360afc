"""The reader pages on the demo content that `make run` loads."""

import gzip
import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from articles import demo
from articles.models import Article

pytestmark = pytest.mark.django_db

DEMO_ARTICLE = "/articles/low-dose-naltrexone-lupus/"


@pytest.fixture
def demo_site(django_capture_on_commit_callbacks):
    # The test's transaction never commits: run the commit's work (the hero image put in place).
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=io.StringIO())
    return Article.objects.get(slug="low-dose-naltrexone-lupus")


@pytest.mark.parametrize("query", ["naltrexone", "LDN", "low dose", "fibro"])
def test_demo_search_words_find_the_naltrexone_article(client, demo_site, query):
    html = client.get("/articles/", {"q": query}).content.decode()

    assert f'href="{DEMO_ARTICLE}"' in html


def test_demo_article_shows_all_its_parts(client, demo_site):
    html = client.get(DEMO_ARTICLE).content.decode()

    for part in (
        'class="byline"',
        "Medically reviewed by",
        "<dt>Last reviewed</dt>",
        "<picture>",
        'class="cautions"',
        'class="sources"',
        'class="disclaimer"',
        'class="image-rights"',
        'class="change-notes"',
        'class="related',
        "Ask us about this article",
    ):
        assert part in html, part


def test_demo_article_page_weight_is_well_under_60_kb(client, demo_site):
    html = client.get(DEMO_ARTICLE).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    files = [html] + [Path(finders.find(a.decode())).read_bytes() for a in assets]

    raw = sum(len(data) for data in files)
    compressed = sum(len(gzip.compress(data)) for data in files)

    assert raw < 60 * 1024, f"{raw} bytes"
    assert compressed < 15 * 1024, f"{compressed} bytes compressed"


def test_detail_template_previews_any_version_without_a_request(demo_site):
    first = demo_site.versions.order_by("number").first()

    html = render_to_string(
        "articles/detail.html",
        {"article": demo_site, "content": first.content, "is_preview": True},
    )

    assert first.content["title"] in html
    assert "Preview:" in html
    assert 'href="/articles/low-dose-naltrexone-lupus/"' in html
