"""HTTP caching headers on reader pages: what shared caches and browsers may keep, and 304s."""

import datetime
import gzip
import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_live_article, make_staff

pytestmark = pytest.mark.django_db

READER_URLS = ["/", "/articles/", "/feeds/articles/", "/feeds/articles/atom/", "/sitemap.xml"]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE = True


def lifetimes(response):
    return {k: int(v) for k, v in re.findall(r"([\w-]+)=(\d+)", response["Cache-Control"])}


@pytest.mark.parametrize("url", READER_URLS)
def test_reader_pages_say_public_with_short_lifetimes_and_validators(client, url):
    make_live_article("Headers")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    times = lifetimes(response)
    assert 0 < times["max-age"] <= 60
    assert 0 < times["s-maxage"] <= 600
    assert times["stale-if-error"] > 0
    assert response.has_header("ETag")
    assert response.has_header("Last-Modified")


def test_if_none_match_gets_a_304_on_a_miss_and_on_a_hit(client):
    article = make_live_article("Conditional")
    first = client.get(article.get_absolute_url())
    etag = first["ETag"]
    for _ in range(2):
        again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.parametrize("url", ["/feeds/articles/", "/sitemap-articles.xml", "/"])
def test_if_modified_since_gets_a_304_until_something_changes(client, url):
    make_live_article("First")
    modified = client.get(url)["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # HTTP dates count whole seconds: a change in the same second is told by the ETag.
    moment = timezone.now() + datetime.timedelta(seconds=2)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        make_live_article("Second")
        changed = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert changed.status_code == 200
    assert b"second" in changed.content.lower()


def test_a_publish_changes_the_etag(client):
    article = make_live_article("Before")
    etag = client.get(article.get_absolute_url())["ETag"]
    article.title = "After"
    article.save()
    article.publish(article.save_version(change_note="Retitled"))
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"After" in response.content


def test_staff_pages_and_reader_pages_seen_by_staff_are_private_no_store(client):
    article = make_live_article("Staff view")
    client.force_login(make_staff("editor"))
    for url in ("/admin/", article.get_absolute_url()):
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control


def test_not_found_and_form_pages_are_never_stored(client):
    for url in ("/articles/no-such-article/", "/ask/", "/healthz"):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_search_results_are_not_kept_by_shared_caches(client):
    make_live_article("Lupus and sleep")
    response = client.get("/articles/?q=lupus")
    assert response["Cache-Control"].startswith("public")
    assert lifetimes(response)["s-maxage"] == 0


def test_rendered_pages_are_compressed_with_random_padding_against_breach():
    article = make_live_article("Compressed", body="<p>" + "Lupus and fatigue. " * 300 + "</p>")
    reader = Client(HTTP_ACCEPT_ENCODING="gzip, br")
    # A query string: rendered each time, never from the page cache.
    url = article.get_absolute_url() + "?utm_source=x"
    first, *others = [reader.get(url) for _ in range(8)]
    assert first["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first["Vary"]
    plain = gzip.decompress(first.content)
    assert all(gzip.decompress(page.content) == plain for page in others)
    assert len(first.content) < len(plain) / 2
    # Django's BREACH mitigation: a file name of random length (0 to 99 bytes) in every gzip
    # header. Two pages may draw the same length; eight all alike would be 1 in 10**14.
    assert len({len(page.content) for page in [first, *others]}) > 1


def test_a_cached_page_is_stored_compressed_and_served_to_each_encoding_as_it_asks():
    article = make_live_article("Stored compressed", body="<p>" + "Lupus and pain. " * 300 + "</p>")
    url = article.get_absolute_url()
    gzipped = Client(HTTP_ACCEPT_ENCODING="gzip, br")
    plain = Client()
    first, second = gzipped.get(url), gzipped.get(url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    # Stored as sent: no secret is on a reader page for BREACH to find (no cookie, no token)
    # and nothing from the request is reflected in it (query strings are never cached).
    assert second.content == first.content
    assert second["Content-Encoding"] == "gzip"
    assert second["Content-Length"] == str(len(second.content))
    # A reader that does not accept gzip gets the page uncompressed, stored apart.
    raw = [plain.get(url), plain.get(url)]
    assert [r["X-Page-Cache"] for r in raw] == ["miss", "hit"]
    assert not raw[1].has_header("Content-Encoding")
    assert raw[1].content == gzip.decompress(second.content)
