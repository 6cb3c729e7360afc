"""Redis drills (issue 18): Redis killed, then hung, for 10 s under reader and asker load;
then a publish from a process cut off from Redis while two app servers see no failure.

The site runs as the container does (gunicorn with deploy/gunicorn.conf.py and the
Dockerfile's GUNICORN_CMD_ARGS, 2 workers, debug off) on a private PostgreSQL cluster
(tests/reliability/conftest.py) and a private redis-server on a loopback port, which the
drill kills and starts again, or stops (SIGSTOP) and lets go on (SIGCONT) with everything it
held. During the outage another process publishes a new title for the article being read, and
exits: it is not there to replay its clear when Redis returns. Every response is counted.
Run with LDN_RELIABILITY_TESTS=1 (CI's own step).
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import redis

from tests.reliability.drill_support import ROOT, account, send_question, stored_questions
from tests.servers import RedisServer

sys.path.insert(0, str(ROOT / "bench"))

ARTICLE = "/articles/pacing-lupus-fatigue/"
READER_PATHS = ["/", "/articles/", ARTICLE]
DOWN_SECONDS = 10
STATE_KEY = "ldn:1:pagecache:state"  # articles/cache.py's, under the default prefix and version
# ldn_portal/settings.py: how often each process reads the clears Redis could not take.
CLEAR_CHECK_SECONDS = 0.5

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("LDN_RELIABILITY_TESTS") != "1",
        reason="starts private PostgreSQL, Redis and gunicorn: set LDN_RELIABILITY_TESTS=1",
    ),
]


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_site(cluster, redis_server):
    """The site (gunicorn as the container runs it) on the private cluster and Redis."""
    from load_ask import running_site

    env = {"REDIS_URL": redis_server.url}
    with running_site(
        "ldn_drill_redis", server_url=cluster.url, demo=True, deploy_config=True, env=env,
    ) as (base, database_url):  # fmt: skip
        yield base, database_url, env


def title_of(page):
    start = page.find(b'<h1 id="article-title">')
    return page[start + 23 : page.find(b"</h1>", start)].decode() if start >= 0 else None


class Load:
    """Readers, askers and a load balancer's health check, each response recorded with the
    moment its request started."""

    def __init__(self, base, tag, readers=3, askers=2):
        self.base, self.tag = base, tag
        self.pages, self.asks, self.health = [], [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.read, args=(n,)) for n in range(readers)]
        self.threads += [threading.Thread(target=self.ask, args=(n,)) for n in range(askers)]
        self.threads.append(threading.Thread(target=self.check_health))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def get(self, path):
        from load_ask import fetch

        started = time.monotonic()
        try:
            status, headers, body = fetch(self.base, path, timeout=30)
        except (OSError, http.client.HTTPException) as error:
            return started, repr(error), {}, b""
        return started, status, headers, body

    def read(self, offset):
        number = offset
        while not self.stopping.is_set():
            path = READER_PATHS[number % len(READER_PATHS)]
            number += 1
            started, status, headers, body = self.get(path)
            record = (path, started, status, headers.get("X-Page-Cache"), body)
            with self.lock:
                self.pages.append(record)

    def ask(self, asker):
        number = 0
        while not self.stopping.is_set():
            number += 1
            text = f"Redis drill question {self.tag} {asker}-{number}"
            started = time.monotonic()
            status, seconds, page = send_question(self.base, text)
            with self.lock:
                self.asks.append((text, status, seconds, page, started))

    def check_health(self):
        while not self.stopping.is_set():
            started, status, _, body = self.get("/healthz")
            cache = json.loads(body).get("cache") if status in (200, 503) else None
            with self.lock:
                self.health.append((started, status, cache, time.monotonic()))
            time.sleep(0.2)


def publish_new_title(database_url, env, title):
    """Another process (a second app server, a script) publishes, then exits."""
    from load_ask import server_env

    script = (
        "from articles.models import Article\n"
        "article = Article.objects.get(slug='pacing-lupus-fatigue')\n"
        f"article.title = {title!r}\n"
        "article.save()\n"
        "article.publish(article.save_version(change_note='Published during the drill'))\n"
    )
    process_env = {**server_env(database_url, "/nonexistent"), **env}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=process_env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return time.monotonic()


def listening_inode(port):
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            return fields[9]
    raise AssertionError(f"nothing listens on {port}")


def holders(inode, pids):
    target = f"socket:[{inode}]"
    found = set()
    for pid in pids:
        try:
            if any(os.readlink(fd) == target for fd in Path(f"/proc/{pid}/fd").iterdir()):
                found.add(pid)
        except OSError:  # the process ended, or a descriptor closed meanwhile
            continue
    return found


def gunicorn_workers(port):
    """The worker processes: every process holding the listening socket but the master."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    listening = holders(listening_inode(port), pids)
    parents = {pid: int(Path(f"/proc/{pid}/stat").read_text().split()[3]) for pid in listening}
    return {pid for pid, parent in parents.items() if parent in listening}


def read_through_every_worker(base, workers):
    """GET the article on fresh connections until each worker has answered it: {pid: titles}."""
    parts = urllib.parse.urlsplit(base)
    seen = {pid: [] for pid in workers}
    for _ in range(400):
        if all(len(titles) >= 2 for titles in seen.values()):
            break
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", ARTICLE)
            response = connection.getresponse()
            body = response.read()
            # The connection is kept alive: the worker holding its other end answered.
            mine = connection.sock.getsockname()[1]
            for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
                fields = line.split()
                local, remote = (int(f.split(":")[1], 16) for f in fields[1:3])
                if local == parts.port and remote == mine and fields[9] != "0":
                    (pid,) = holders(fields[9], workers)
                    seen[pid].append((title_of(body), response.getheader("X-Page-Cache")))
        finally:
            connection.close()
    return seen


def run_drill(redis_site, redis_server, tag, break_redis, mend_redis, new_title):
    base, database_url, env = redis_site
    from load_ask import fetch

    for _ in range(3):  # the article is in the page cache before the outage
        fetch(base, ARTICLE)
    assert fetch(base, ARTICLE)[1].get("X-Page-Cache") == "hit"
    raw = redis.Redis.from_url(redis_server.url)
    generation_before = raw.get(STATE_KEY)

    with Load(base, tag) as load:
        time.sleep(2)
        break_redis()
        # After the break: a /healthz asked while the kill was on its way still reached Redis.
        down_at = time.monotonic()
        try:
            time.sleep(1)
            published_at = publish_new_title(database_url, env, new_title)
            # At least DOWN_SECONDS, and long enough after the publish for every worker to
            # have read the count (the publisher's start-up is slow on a loaded machine).
            time.sleep(max(2, down_at + DOWN_SECONDS - time.monotonic()))
        finally:
            # Before the mend: Redis may answer a /healthz before mend_redis() returns.
            mending_at = time.monotonic()
            mend_redis()
        up_at = time.monotonic()
        # The harder case: Redis back with the generation from before the publish.
        kept = generation_before is not None and raw.get(STATE_KEY) == generation_before
        time.sleep(5)

    port = urllib.parse.urlsplit(base).port
    through_workers = read_through_every_worker(base, gunicorn_workers(port))

    pages, health = load.pages, load.health
    asks = [(text, status, seconds, page) for text, status, seconds, page, _ in load.asks]
    stale = [
        (round(started - published_at, 2), path, source)
        for path, started, status, source, body in pages
        if path == ARTICLE and started > published_at and title_of(body) != new_title
    ]
    # Asked and answered while Redis was down (a request queued on the loaded machine may be
    # answered after Redis is back).
    during = [
        cache for started, _, cache, done in health if down_at < started and done < mending_at
    ]
    figures = {
        "reader_responses": len(pages),
        "reader_statuses": sorted({str(status) for _, _, status, _, _ in pages}),
        "reader_responses_during_outage": sum(1 for p in pages if down_at < p[1] < up_at),
        "article_hits_after_return": sum(
            1 for p in pages if p[0] == ARTICLE and p[1] > up_at and p[3] == "hit"
        ),
        "healthz": len(health),
        "healthz_statuses": sorted({str(status) for _, status, _, _ in health}),
        "healthz_cache_during_outage": sorted(set(during)),
        "healthz_during_outage": len(during),
        "sends": len(asks),
        "sends_form_not_shown": sum(1 for a in asks if a[1] == "no form"),
        "article_pages_after_publish": sum(
            1 for p in pages if p[0] == ARTICLE and p[1] > published_at
        ),
        "stale_after_publish": stale,
        "publish_to_return_seconds": round(up_at - published_at, 1),
        "old_generation_in_redis_at_return": kept,
        "through_every_worker": {
            str(pid): sorted(set(map(str, answers))) for pid, answers in through_workers.items()
        },
    }
    print(json.dumps(figures, indent=1))
    rows = [
        row
        for row in stored_questions(database_url)
        if row.startswith(f"Redis drill question {tag} ")
    ]
    figures.update(account([a for a in asks if a[1] != "no form"], rows))
    print(json.dumps({"stored": figures["stored"], "shown_again": figures["shown_again"]}))

    assert figures["reader_statuses"] == ["200"]
    assert figures["healthz_statuses"] == ["200"]
    assert figures["healthz_cache_during_outage"] == ["unavailable"]
    assert figures["sends_form_not_shown"] == 0
    assert figures["stored"] > 0 and figures["shown_again"] == 0
    assert figures["reader_responses_during_outage"] > 0
    # No page from before the publish once it is committed (the publisher exited), and the
    # cache is back in use.
    assert stale == []
    assert len(through_workers) == 2
    for answers in through_workers.values():
        assert answers and {title for title, _ in answers} == {new_title}
    # And the page cache is in use again.
    assert "hit" in {source for answers in through_workers.values() for _, source in answers}
    return figures


def test_redis_killed_for_10_s_under_load_fails_no_request_and_serves_no_old_page(
    redis_site, redis_server
):
    def restart():
        redis_server.start()  # empty, as a Redis without persistence comes back

    run_drill(
        redis_site, redis_server, "killed", redis_server.kill, restart, "Pacing after the kill"
    )


def test_redis_hung_for_10_s_comes_back_with_its_old_pages_and_none_is_served(
    redis_site, redis_server
):
    run_drill(
        redis_site,
        redis_server,
        "hung",
        redis_server.pause,
        redis_server.resume,
        "Pacing after the hang",
    )
