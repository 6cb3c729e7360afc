"""Stored XSS, checked on the server: every vector in every text field, every page audited.

The browser test (tests/browser/test_xss.py) proves in Chromium that nothing runs; these
tests prove the markup itself carries no script, handler or script URL, so the defence does
not rest on the Content-Security-Policy alone.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User

from articles.models import Article
from articles.sanitize import clean_html
from tests.factories import default_disclaimer, make_author, make_topic
from tests.security.xss_vectors import VECTORS, admin_urls, build_corpus, public_urls

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "background",
    "poster", "codebase", "dynsrc", "lowsrc", "ping", "srcset", "content",
}  # fmt: skip
ELEMENTS_NEVER_ON_A_PAGE = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math",
    "template", "noscript", "xmp", "listing", "isindex", "style", "marquee", "video", "audio",
}  # fmt: skip
SCRIPT_URL = re.compile(r"^(java|vb)script:|^data:(?!image/(png|jpeg|gif|webp);)")
CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\u200b]+")


def script_url(value):
    return bool(SCRIPT_URL.search(CONTROL_AND_SPACE.sub("", value or "").lower()))


class PageAudit(HTMLParser):
    """Collects every element or attribute in a page that could run script.

    HTMLParser decodes character references in attribute values as a browser does, so an
    entity-encoded `javascript:` is seen for what it is.
    """

    def __init__(self, *, staff_area=False):
        super().__init__(convert_charrefs=True)
        self.staff_area = staff_area
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and script_url(value) and name != "content":
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and not self.staff_area:
                self.problems.append(f"<{tag} style=…>")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            allowed_types = {"application/ld+json"}
            if self.staff_area:
                allowed_types.add("application/json")
            source = attributes.get("src") or ""
            own_file = source.startswith("/static/") or (
                self.staff_area and source.startswith("/admin/")
            )
            if kind not in allowed_types and not own_file:
                self.problems.append(f"<script {attributes}>")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag in ELEMENTS_NEVER_ON_A_PAGE and not self.staff_area:
            self.problems.append(f"<{tag}>")
        if tag in {"iframe", "object", "embed", "base", "frame"} and self.staff_area:
            self.problems.append(f"<{tag}>")


def audit(html, *, staff_area=False):
    parser = PageAudit(staff_area=staff_area)
    parser.feed(html)
    parser.close()
    return parser.problems


@pytest.mark.parametrize(("number", "payload"), VECTORS, ids=[str(n) for n, _ in VECTORS])
def test_sanitizer_leaves_no_script_in_any_vector(number, payload):
    cleaned = clean_html(payload)

    assert "<script" not in cleaned.lower()
    assert audit(cleaned) == []


@pytest.mark.django_db
def test_stored_bodies_hold_no_script_handler_or_script_url():
    for number, payload in VECTORS:
        article = Article.objects.create(
            slug=f"v{number}", title="t", summary="s", body=payload + f"<p>{payload}</p>"
        )
        article.save_version()

    for article in Article.objects.select_related("latest_version"):
        for html in (
            article.body,
            article.latest_version.body,
            article.latest_version.content["body"],
        ):
            assert "<script" not in html.lower()
            assert audit(html) == [], article.slug


@pytest.mark.django_db
def test_article_saved_in_the_admin_stores_a_clean_body_and_refuses_script_links(client):
    client.force_login(User.objects.create_superuser("chief", password="x" * 20))
    topic, author = make_topic(), make_author()
    body = "".join(f"<p>{payload}</p>" for _, payload in VECTORS)
    data = {
        "title": "Corpus",
        "slug": "corpus",
        "summary": "Every vector.",
        "body": body,
        "cautions": "\n".join(p for _, p in VECTORS),
        "topics": [topic.pk],
        "disclaimer": default_disclaimer().pk,
        "image_licence": "organization",
        "based_on_version": "0",
        "change_note": "\n".join(p for _, p in VECTORS),
        "article_authors-TOTAL_FORMS": "1",
        "article_authors-INITIAL_FORMS": "0",
        "article_authors-0-author": author.pk,
        "article_authors-0-order": "0",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-order": "0",
        "sources-0-title": '"><img src=x onerror=alert(1)>',
        "sources-0-url": "javascript:alert(1)",
        "sources-0-kind": "study",
    }

    refused = client.post("/admin/articles/article/add/", data)

    assert refused.status_code == 200
    assert "Enter a valid URL" in refused.content.decode()
    assert not Article.objects.exists()

    data["sources-0-url"] = "https://example.org/study"
    saved = client.post("/admin/articles/article/add/", data)

    assert saved.status_code == 302
    article = Article.objects.get(slug="corpus")
    version = article.latest_version
    for html in (article.body, version.body, version.content["body"]):
        assert "<script" not in html.lower()
        assert audit(html) == []


@pytest.mark.slow
@pytest.mark.django_db
def test_no_public_page_carries_script_from_the_corpus(client):
    made = build_corpus()
    problems = {}

    for url in public_urls(made):
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            found = audit(response.content.decode())
            if found:
                problems[url] = found

    assert problems == {}


@pytest.mark.slow
@pytest.mark.django_db
def test_no_admin_page_carries_script_from_the_corpus(client):
    made = build_corpus()
    client.force_login(made["user"])
    problems = {}

    for url in admin_urls(made):
        response = client.get(url)
        assert response.status_code == 200, url
        found = audit(response.content.decode(), staff_area=True)
        if found:
            problems[url] = found

    assert problems == {}
