"""The sitemap index and its sections: live content only, kept rendered, answered with 304."""

import re

import pytest

from articles import sitemaps
from tests.factories import make_article, make_author, make_live_article, make_topic

pytestmark = pytest.mark.django_db

SECTIONS = ["articles", "topics", "authors"]


def _locations(response):
    return re.findall(r"<loc>([^<]+)</loc>", response.content.decode())


def test_the_sitemap_is_an_index_of_its_sections_with_pages(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    for n in range(3):
        make_live_article(f"Piece {n}", topics=[make_topic(f"Topic {n}")])

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert "<sitemapindex" in response.content.decode()
    assert _locations(response) == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-topics.xml",
        "http://testserver/sitemap-authors.xml",
    ]
    assert response.content.decode().count("<lastmod>") == 4
    first, second = (client.get("/sitemap-articles.xml", {"p": p}) for p in (1, 2))
    assert len(_locations(first)) == 2 and len(_locations(second)) == 1
    assert client.get("/sitemap-articles.xml", {"p": 3}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_authors_who_only_reviewed_an_article_are_in_the_sitemap(client):
    reviewer = make_author("Dr Rev Iewer")
    make_live_article("Reviewed piece", medical_reviewer=reviewer)

    assert "http://testserver/authors/dr-rev-iewer/" in _locations(
        client.get("/sitemap-authors.xml")
    )


@pytest.mark.parametrize("url", ["/sitemap.xml", *(f"/sitemap-{s}.xml" for s in SECTIONS)])
def test_a_warm_sitemap_reads_no_database_and_answers_conditional_requests_with_304(
    client, url, django_assert_num_queries
):
    make_live_article("Piece", topics=[make_topic("Sleep")])
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]

    with django_assert_num_queries(0):
        again = client.get(url)
        by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.content == first.content
    assert by_etag.status_code == 304 and by_date.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_publish_shows_in_the_sitemap_at_once(client):
    make_live_article("Old piece")
    before = client.get("/sitemap-articles.xml")
    draft = make_article("New piece")

    draft.publish()
    after = client.get("/sitemap-articles.xml", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert "http://testserver/articles/new-piece/" in _locations(after)
    assert after["ETag"] != before["ETag"]


def test_the_cached_sitemap_keeps_the_scheme_and_host_it_was_asked_with(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.example.org"]
    make_live_article("Piece")

    plain = client.get("/sitemap-articles.xml")
    other = client.get("/sitemap-articles.xml", HTTP_HOST="PORTAL.example.org")
    secure = client.get("/sitemap-articles.xml", secure=True)

    assert _locations(plain) == ["http://testserver/articles/piece/"]
    assert _locations(other) == ["http://portal.example.org/articles/piece/"]
    assert _locations(secure) == ["https://testserver/articles/piece/"]
