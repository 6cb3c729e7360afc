"""Redis is an accelerator, never a dependency (issue 18): a private redis-server is killed or
hung under the page cache, the rate limit and the clearing after a save."""

import time
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from inquiries.models import Inquiry
from tests.factories import make_live_article

pytestmark = pytest.mark.django_db


def form_token(html):
    import re

    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def test_with_redis_killed_pages_forms_and_healthz_keep_working(redis_server, redis_cache):
    client = Client()
    article = make_live_article("Still readable")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get("/healthz").json()["cache"] == "ok"

    redis_server.kill()

    page = client.get(url)
    assert page.status_code == 200
    assert b"Still readable" in page.content
    assert client.get("/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "cache": "unavailable"}
    token = form_token(page.content.decode())
    asked = client.post("/ask/", {"question": "Asked during the outage", "form_token": token})
    assert asked.status_code == 302
    assert Inquiry.objects.filter(question="Asked during the outage").count() == 1
    # Saves clear the cache through signals: they must not fail either.
    article.title = "Changed during the outage"
    article.save()
    article.publish(article.save_version(change_note="Outage edit"))
    assert b"Changed during the outage" in client.get(url).content


def test_the_rate_limit_counts_per_process_while_redis_is_down(redis_server, redis_cache, settings):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    client = Client()
    redis_server.kill()
    answers = []
    for number in range(3):
        token = form_token(client.get("/ask/").content.decode())
        answers.append(client.post("/ask/", {"question": f"Q{number}", "form_token": token}))
    assert [a.status_code for a in answers] == [302, 302, 429]


def test_a_hung_redis_is_asked_at_most_once_a_second_not_on_every_request(
    redis_server, redis_cache
):
    from ldn_portal.resilient_cache import RETRY_AFTER

    client = Client()
    article = make_live_article("Hung cache")
    client.get(article.get_absolute_url())
    connections = redis_cache._cache
    redis_server.pause()
    try:
        with mock.patch.object(connections, "get_client", wraps=connections.get_client) as asked:
            started = time.monotonic()
            for _ in range(20):
                assert client.get(article.get_absolute_url()).status_code == 200
            elapsed = time.monotonic() - started
    finally:
        redis_server.resume()
    # Each try waits one short timeout; between tries the cache is skipped.
    assert asked.call_count <= elapsed / RETRY_AFTER + 2


def test_a_page_cleared_while_redis_hung_is_not_served_when_it_returns(redis_server, redis_cache):
    client = Client()
    article = make_live_article("Before the outage")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    redis_server.pause()
    try:
        article.title = "Published during the outage"
        article.save()
        article.publish(article.save_version(change_note="During"))
        assert b"Published during the outage" in client.get(url).content
    finally:
        redis_server.resume()

    # The old generation and page are still in Redis; the failed clear is sent again first.
    time.sleep(1.1)
    page = client.get(url)
    assert b'<h1 id="article-title">Published during the outage</h1>' in page.content


def test_another_process_that_saw_no_failure_gets_the_new_page_once_the_clear_is_retried(
    redis_server, redis_cache, settings
):
    from ldn_portal.resilient_cache import ResilientRedisCache

    article = make_live_article("Old text")
    url = article.get_absolute_url()
    Client().get(url)
    other_process = ResilientRedisCache(redis_server.url, settings.CACHES["default"])
    assert other_process.get("pagecache:state") is not None

    redis_server.pause()
    try:
        article.title = "New text"
        article.save()
        article.publish(article.save_version(change_note="During"))
    finally:
        redis_server.resume()

    # This process's timer sends the failed delete again within a second or two.
    deadline = time.monotonic() + 3
    while other_process.get("pagecache:state") is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other_process.get("pagecache:state") is None


def test_the_one_box_file_cache_serves_pages_and_survives_an_unwritable_folder(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "ldn_portal.resilient_cache.ResilientFileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.PAGE_CACHE = True
    article = make_live_article("From files")
    client = Client()
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    # A deleted generation (what another worker's publish does) is seen by the next request.
    caches["default"].delete("pagecache:state")
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    settings.CACHES = {
        "default": {
            "BACKEND": "ldn_portal.resilient_cache.ResilientFileBasedCache",
            "LOCATION": str(blocked / "cache"),
        }
    }
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert b"From files" in response.content


def forget_what_this_process_owes(cache):
    """What a worker that saw no failure knows, or one whose publisher died: no replay owed."""
    with cache._lock:
        cache._pending_deletes.clear()
        cache._down_since = None
    if cache._timer is not None:
        cache._timer.cancel()


def test_a_clear_redis_could_not_take_is_honoured_by_a_process_that_owes_no_replay(
    redis_server, redis_cache, settings
):
    settings.CACHE_CLEAR_CHECK_SECONDS = 0.2
    client = Client()
    article = make_live_article("Before the hang")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    raw = redis.Redis.from_url(redis_server.url)
    kept = {key: raw.dump(key) for key in raw.keys("*")}

    redis_server.pause()
    try:
        article.title = "Published while Redis hung"
        article.save()
        article.publish(article.save_version(change_note="During"))
    finally:
        redis_server.resume()
    # A hung Redis runs the deletes still waiting in its sockets when it wakes; one that comes
    # back from a snapshot, or was cut off from the publisher only, has its old entries.
    for key, value in kept.items():
        raw.restore(key, 0, value, replace=True)
    # Nobody will replay the delete: the publisher died, or this is another process.
    forget_what_this_process_owes(redis_cache)
    assert redis_cache.get("pagecache:state") is not None

    time.sleep(0.2)
    page = client.get(url)
    assert b'<h1 id="article-title">Published while Redis hung</h1>' in page.content
    assert page["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_hit_reads_the_clear_count_at_most_once_per_interval(
    redis_server, redis_cache, settings, django_assert_num_queries
):
    settings.CACHE_CLEAR_CHECK_SECONDS = 60
    client = Client()
    url = make_live_article("Counted").get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        for _ in range(5):
            assert client.get(url)["X-Page-Cache"] == "hit"
    settings.CACHE_CLEAR_CHECK_SECONDS = 0
    with django_assert_num_queries(1):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_publish_by_a_process_cut_off_from_redis_is_seen_by_one_that_saw_no_failure(
    redis_server, redis_cache, settings
):
    from tests.servers import free_port

    settings.CACHE_CLEAR_CHECK_SECONDS = 0.2
    client = Client()
    article = make_live_article("Before the partition")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    # The publish runs with a cache that cannot reach Redis (another host, cut off); Redis
    # itself stays up, with the old generation, for this process, which sees no failure.
    reachable = settings.CACHES
    settings.CACHES = {
        alias: {**backend, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
        for alias, backend in reachable.items()
    }
    article.title = "Published while cut off"
    article.save()
    article.publish(article.save_version(change_note="During"))
    settings.CACHES = reachable
    assert caches["default"].get("pagecache:state") is not None

    time.sleep(0.2)
    page = client.get(url)
    assert b'<h1 id="article-title">Published while cut off</h1>' in page.content
