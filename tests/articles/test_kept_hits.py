"""With Redis, a process serves the pages it served from the cache again from its own memory,
with no round trip, until any process clears the cache (articles/cache.py, _ServedHits;
ldn_portal/resilient_cache.py, changes_seen). A private redis-server on a loopback port."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.test import Client

from articles.models import ArticleVersion
from tests.factories import make_live_article

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def redis_calls(redis_server):
    """Commands Redis has answered, by name, but the asking connection's own (HELLO, INFO)."""
    stats = redis.Redis.from_url(redis_server.url).info("commandstats")
    return {
        name: command["calls"]
        for name, command in stats.items()
        if name not in ("cmdstat_hello", "cmdstat_info")
    }


def mget_calls(redis_server):
    return redis_calls(redis_server).get("cmdstat_mget", 0)


def change_behind_the_cache(article, title):
    """The live version's title changed in the database with nothing told: only a clear that
    comes from elsewhere can make the page show it."""
    version = article.live_version
    content = {**version.content, "title": title}
    ArticleVersion.objects.filter(pk=version.pk).update(title=title, content=content)


def clear_from_another_process(redis_server, tmp_path):
    """Another app server's publish, as far as the cache sees it: the page cache's clear."""
    env = {
        **os.environ,
        "REDIS_URL": redis_server.url,
        "DJANGO_CACHE_PREFIX": "",  # as the redis_cache fixture's backend (no KEY_PREFIX)
        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
    }
    code = "from articles.cache import invalidate; invalidate()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def warmed(client, url):
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"  # read from Redis, and kept


def test_a_hit_served_again_asks_redis_nothing(redis_server, redis_cache):
    client = Client()
    url = make_live_article("Kept in memory").get_absolute_url()
    warmed(client, url)
    first = client.get(url)
    before = mget_calls(redis_server)

    pages = [client.get(url) for _ in range(5)]

    assert mget_calls(redis_server) == before
    assert {page["X-Page-Cache"] for page in pages} == {"hit"}
    assert {page.content for page in pages} == {first.content}


def test_without_kept_hits_every_hit_asks_redis(redis_server, redis_cache, settings):
    settings.PAGE_CACHE_KEPT_HITS = 0
    client = Client()
    url = make_live_article("Asked each time").get_absolute_url()
    warmed(client, url)
    before = mget_calls(redis_server)

    for _ in range(5):
        assert client.get(url)["X-Page-Cache"] == "hit"

    assert mget_calls(redis_server) == before + 5


def test_a_clear_from_another_process_reaches_the_next_request(redis_server, redis_cache, tmp_path):
    client = Client()
    article = make_live_article("Before the other server's publish")
    url = article.get_absolute_url()
    warmed(client, url)
    change_behind_the_cache(article, "After the other server's publish")

    clear_from_another_process(redis_server, tmp_path)
    page = client.get(url)

    assert b"After the other server&#x27;s publish" in page.content
    assert page["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_publish_in_this_process_is_seen_at_once(redis_server, redis_cache):
    client = Client()
    article = make_live_article("Before this server's publish")
    url = article.get_absolute_url()
    warmed(client, url)

    article.title = "After this server's publish"
    article.save()
    article.publish(article.save_version(change_note="A new title"))

    assert b"After this server&#x27;s publish" in client.get(url).content


def test_while_redis_is_down_no_page_is_served_from_memory(redis_server, redis_cache):
    # No announcement can arrive then: a publish elsewhere would go unseen.
    client = Client()
    article = make_live_article("Before the outage")
    url = article.get_absolute_url()
    warmed(client, url)
    change_behind_the_cache(article, "Changed during the outage")

    redis_server.kill()
    page = client.get(url)

    assert page.status_code == 200
    assert b"Changed during the outage" in page.content
    assert page["X-Page-Cache"] != "hit"


def test_after_redis_came_back_empty_nothing_kept_from_before_is_served(redis_server, redis_cache):
    # Announcements made while the subscription was down are lost: coming back counts as a
    # change.
    client = Client()
    article = make_live_article("Before the restart")
    url = article.get_absolute_url()
    warmed(client, url)
    redis_server.kill()
    redis_server.start()
    change_behind_the_cache(article, "Changed while Redis restarted")

    pages = [client.get(url) for _ in range(3)]

    assert all(b"Changed while Redis restarted" in page.content for page in pages)


def test_a_page_drawn_again_within_a_generation_asks_redis_nothing(redis_server, redis_cache):
    # A query string is never served from the page cache: the page is drawn each time, from
    # the generation and the parts kept under it, both held in memory after the first drawing.
    client = Client()
    url = make_live_article("Drawn again").get_absolute_url() + "?from=handout"
    first = client.get(url)
    before = redis_calls(redis_server)

    pages = [client.get(url) for _ in range(3)]

    assert redis_calls(redis_server) == before
    assert all(b"Drawn again" in page.content for page in pages)
    assert "X-Page-Cache" not in first.headers  # drawn, not served from the page cache


def test_a_page_drawn_again_after_a_clear_elsewhere_is_drawn_anew(
    redis_server, redis_cache, tmp_path
):
    client = Client()
    article = make_live_article("Drawn before the other server's publish")
    url = article.get_absolute_url() + "?from=handout"
    client.get(url)
    change_behind_the_cache(article, "Drawn after the other server's publish")

    clear_from_another_process(redis_server, tmp_path)

    assert b"Drawn after the other server&#x27;s publish" in client.get(url).content
