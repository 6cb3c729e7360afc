"""The reader page cache: hits for anonymous readers, and never a stale page after a change."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from articles import cache as page_cache_module
from articles.cache import HEADER
from articles.models import Article
from tests.factories import (
    default_disclaimer,
    make_article,
    make_author,
    make_live_article,
    make_staff,
    make_topic,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


def fetch(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode(), response.get("X-Page-Cache")


def later(seconds):
    """Patch the clock: `seconds` from now."""
    moment = timezone.now() + datetime.timedelta(seconds=seconds)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_second_anonymous_visit_is_served_from_the_cache(client):
    make_live_article("Pacing with fatigue")
    first = fetch(client, "/articles/")
    second = fetch(client, "/articles/")
    assert (first[0], first[2]) == (200, "miss")
    assert (second[0], second[2]) == (200, "hit")
    assert second[1] == first[1]


def test_query_strings_and_signed_in_staff_bypass_the_cache(client):
    article = make_live_article("Sleep and lupus")
    fetch(client, article.get_absolute_url())
    assert fetch(client, article.get_absolute_url() + "?utm_source=x")[2] is None
    client.force_login(make_staff("editor"))
    assert fetch(client, article.get_absolute_url())[2] is None


def test_publishing_a_new_version_shows_it_at_once(client):
    article = make_live_article("Vitamin D basics")
    fetch(client, article.get_absolute_url())
    assert "Vitamin D basics" in fetch(client, article.get_absolute_url())[1]
    article.title = "Vitamin D: the new evidence"
    article.save()
    article.save_version(change_note="New trial")
    # Saved but not published: readers still see the live version (from the cache is fine).
    assert "Vitamin D basics" in fetch(client, article.get_absolute_url())[1]
    fetch(client, "/articles/")
    article.publish()
    status, html, _ = fetch(client, article.get_absolute_url())
    assert status == 200
    assert "Vitamin D: the new evidence" in html
    assert fetch(client, "/articles/")[2] == "miss"
    assert "Vitamin D: the new evidence" in fetch(client, "/articles/")[1]


def test_a_new_article_appears_on_the_cached_home_and_list_pages(client):
    make_live_article("Older article")
    for url in ("/", "/articles/"):
        fetch(client, url)
        assert fetch(client, url)[2] == "hit"
    make_live_article("Brand new article")
    for url in ("/", "/articles/"):
        assert "Brand new article" in fetch(client, url)[1]


def test_unpublish_and_archive_take_the_page_down_at_once(client):
    article = make_live_article("Going away")
    other = make_live_article("Also going away")
    fetch(client, article.get_absolute_url())
    fetch(client, other.get_absolute_url())
    article.unpublish()
    other.archive()
    assert fetch(client, article.get_absolute_url())[0] == 404
    assert fetch(client, other.get_absolute_url())[0] == 404
    assert "Going away" not in fetch(client, "/articles/")[1]


def test_restore_and_republish_show_the_restored_text(client):
    article = make_live_article("First title")
    first = article.live_version
    article.title = "Second title"
    article.save()
    article.save_version(change_note="Retitled")
    article.publish()
    assert "Second title" in fetch(client, article.get_absolute_url())[1]
    article.restore(first)
    article.publish()
    assert "First title" in fetch(client, article.get_absolute_url())[1]


def test_scheduled_go_live_passing_shows_the_article_without_any_write(client):
    article = make_article("Scheduled piece")
    article.publish(1, at=timezone.now() + datetime.timedelta(seconds=2))
    url = article.get_absolute_url()
    assert fetch(client, url)[0] == 404
    fetch(client, "/articles/")
    status, html, state = fetch(client, "/articles/")
    assert state == "hit"
    assert "Scheduled piece" not in html
    with later(3):
        assert fetch(client, url)[0] == 200
        assert "Scheduled piece" in fetch(client, "/articles/")[1]


def test_expiry_passing_takes_the_article_down_without_any_write(client):
    article = make_live_article("Expiring piece")
    article.unpublish(at=timezone.now() + datetime.timedelta(seconds=2))
    url = article.get_absolute_url()
    fetch(client, "/articles/")
    assert fetch(client, "/articles/")[2] == "hit"
    with later(3):
        assert fetch(client, url)[0] == 404
        assert "Expiring piece" not in fetch(client, "/articles/")[1]


def test_a_cached_page_expires_no_later_than_the_next_scheduled_moment(client):
    make_live_article("Live now")
    soon = make_article("Soon")
    soon.publish(1, at=timezone.now() + datetime.timedelta(seconds=30))
    shared = page_cache_module.cache
    with mock.patch.object(shared, "set", wraps=shared.set) as put:
        fetch(client, "/articles/")
    timeouts = [
        call.args[2] for call in put.call_args_list if call.args[0] != page_cache_module.STATE_KEY
    ]
    assert timeouts and all(t <= 31 for t in timeouts)


def test_editing_an_author_updates_their_cached_page(client):
    author = make_author("Dana Reyes")
    make_live_article("By Dana", authors=[author])
    fetch(client, author.get_absolute_url())
    assert fetch(client, author.get_absolute_url())[2] == "hit"
    author.credentials = "rheumatology nurse"
    author.save()
    assert "rheumatology nurse" in fetch(client, author.get_absolute_url())[1]


def test_editing_a_topic_updates_the_cached_topic_and_home_pages(client):
    topic = make_topic("Raynauds", description="Cold fingers.")
    make_live_article("Warm hands", topics=[topic])
    fetch(client, topic.get_absolute_url())
    fetch(client, "/")
    topic.name = "Raynaud's"
    topic.description = "Cold fingers and toes, and what helps."
    topic.save()
    assert "and what helps" in fetch(client, topic.get_absolute_url())[1]
    assert "Raynaud&#x27;s" in fetch(client, "/")[1]


def test_editing_a_disclaimer_clears_the_cached_pages(client):
    make_live_article("With a disclaimer")
    fetch(client, "/articles/")
    assert fetch(client, "/articles/")[2] == "hit"
    disclaimer = default_disclaimer()
    disclaimer.text = "Reworded disclaimer."
    disclaimer.save()
    assert fetch(client, "/articles/")[2] == "miss"


def test_an_articles_topics_change_the_cached_topic_page_only_when_published(client):
    topic = make_topic("Kidneys")
    article = make_live_article("Kidney care")
    fetch(client, topic.get_absolute_url())
    Article.objects.get(pk=article.pk).topics.add(topic)
    article.save_version(change_note="On kidneys too")
    assert fetch(client, topic.get_absolute_url())[2] == "hit"
    article.publish()
    status, html, state = fetch(client, topic.get_absolute_url())
    assert state == "miss" and "Kidney care" in html


def test_a_draft_save_leaves_every_cached_page_in_place(client):
    live = make_live_article("Live and cached")
    draft = make_article("Never published")
    urls = ["/", "/articles/", live.get_absolute_url()]
    for url in urls:
        fetch(client, url)
    draft.title = "Never published, retitled"
    draft.save()
    draft.save_version()
    live.title = "Retitled, not yet published"
    live.save()
    live.save_version(change_note="Retitled")
    for url in urls:
        status, html, state = fetch(client, url)
        assert (status, state) == (200, "hit")
        assert "Retitled" not in html


def test_pages_are_not_cached_when_the_cache_is_not_shared(client, settings):
    settings.PAGE_CACHE = False
    article = make_live_article("Uncached")
    fetch(client, article.get_absolute_url())
    assert fetch(client, article.get_absolute_url())[2] is None


def test_the_article_page_itself_is_served_from_the_cache(client):
    article = make_live_article("Cached article")
    fetch(client, article.get_absolute_url())
    assert fetch(client, article.get_absolute_url())[2] == "hit"


def test_a_second_reader_gets_the_same_bytes_and_no_cookie():
    article = make_live_article("Cached article with a form")
    first = Client().get(article.get_absolute_url())
    second = Client().get(article.get_absolute_url())

    assert (first[HEADER], second[HEADER]) == ("miss", "hit")
    assert second.content == first.content
    for response in (first, second):
        assert not response.cookies
        assert "Set-Cookie" not in response
        assert "cookie" not in response.get("Vary", "").lower()
        assert b"csrfmiddlewaretoken" not in response.content
        assert "public" in response["Cache-Control"]


def test_page_text_that_looks_like_a_token_placeholder_is_served_as_written(client):
    article = make_live_article("Placeholder", body="<p>__PAGECACHE_CSRF_TOKEN__</p>")
    client.get(article.get_absolute_url())
    served = client.get(article.get_absolute_url())
    assert served[HEADER] == "hit"
    assert b"<p>__PAGECACHE_CSRF_TOKEN__</p>" in served.content


def test_the_key_holds_the_scheme_and_a_normalised_host(client):
    article = make_live_article("Canonical address")
    url = article.get_absolute_url()
    plain = client.get(url, HTTP_HOST="TESTSERVER:80")
    assert b"TESTSERVER" not in plain.content and b":80/" not in plain.content
    secure = client.get(url, secure=True)
    assert (plain[HEADER], secure[HEADER]) == ("miss", "miss")
    assert b"https://testserver/" in secure.content
    assert b"https://testserver/" not in plain.content
    assert client.get(url, HTTP_HOST="TestServer:80")[HEADER] == "hit"
    assert client.get(url, secure=True, HTTP_HOST="testserver:443")[HEADER] == "hit"


def test_other_ports_and_wildcard_hosts_are_rendered_but_never_stored(client, settings):
    article = make_live_article("Many hosts")
    url = article.get_absolute_url()
    for _ in range(2):
        response = client.get(url, HTTP_HOST="testserver:8081")
        assert response.status_code == 200
        assert response.get(HEADER) is None
    settings.ALLOWED_HOSTS = [".example.org"]
    for _ in range(2):
        assert client.get(url, HTTP_HOST="a1.example.org").get(HEADER) is None


def test_a_hit_is_one_cache_lookup_and_no_database_query(client, django_assert_num_queries):
    article = make_live_article("One lookup")
    fetch(client, article.get_absolute_url())
    shared = page_cache_module.cache
    read = shared.get

    def get_many(keys, **kwargs):  # one Redis MGET; the test cache has no such call of its own
        return {key: value for key in keys if (value := read(key)) is not None}

    with (
        mock.patch.object(shared, "get_many", side_effect=get_many) as lookup,
        mock.patch.object(shared, "get", side_effect=AssertionError("a second lookup")),
        mock.patch.object(shared, "set", side_effect=AssertionError("a write on a hit")),
        django_assert_num_queries(0),
    ):
        assert fetch(client, article.get_absolute_url())[2] == "hit"
    assert lookup.call_count == 1


def test_a_hit_carries_the_same_security_headers_as_the_page_it_was_stored_from(client):
    article = make_live_article("Same headers")
    stored = client.get(article.get_absolute_url())
    served = client.get(article.get_absolute_url())
    names = (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Content-Type",
        "Referrer-Policy",
        "Permissions-Policy",
        "Cross-Origin-Opener-Policy",
        "X-Content-Type-Options",
        "Content-Length",
        "ETag",
        "Last-Modified",
        "Vary",
    )
    assert served[HEADER] == "hit"
    for name in names:
        assert served.has_header(name), name
        assert served[name] == stored[name], name


def test_a_hit_over_plain_http_is_still_sent_to_https(client, settings):
    article = make_live_article("Only over https")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)[HEADER] == "hit"
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(url)  # a new client: SecurityMiddleware reads the setting at start
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{url}"


def test_a_host_not_allowed_gets_the_400_page_with_the_security_headers(client):
    response = client.get("/articles/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.has_header("Content-Security-Policy")
    assert response.has_header("X-Content-Type-Options")


def test_pages_of_views_not_marked_cacheable_are_never_stored(client):
    fetch(client, "/ask/")
    assert fetch(client, "/ask/")[2] is None


def test_featuring_an_article_updates_the_cached_home_page(client):
    article = make_live_article("Worth featuring")
    fetch(client, "/")
    assert fetch(client, "/")[2] == "hit"
    article.featured = True
    article.save()
    assert fetch(client, "/")[2] == "miss"
