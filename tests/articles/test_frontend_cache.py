"""Front-end caches purged on publish (issue 16): a real Varnish in front of the app, and
Cloudflare's API played by a local HTTP server that records the calls."""

import concurrent.futures
import contextlib
import gzip
import http.client
import http.server
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from articles.models import Article
from articles.signals import article_workflow
from tests.factories import make_author, make_live_article, make_topic
from tests.servers import free_port, require_binary, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def publish(article, version=None):
    """Publish as the admin does; sends article_workflow if the model does not (yet)."""
    sent = []

    def seen(**kwargs):
        sent.append(kwargs)

    article_workflow.connect(seen, dispatch_uid="test-seen")
    try:
        article.publish(version)
        if not sent:
            article_workflow.send(
                sender=Article, article=article, action="publish", version=version, by=None
            )
    finally:
        article_workflow.disconnect(dispatch_uid="test-seen")


class Recorder(http.server.ThreadingHTTPServer):
    """A local HTTP server recording every request (method, path, headers, body)."""

    def __init__(self, port=0, reply=b'{"success": true}'):
        self.calls = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.calls.append((self.command, self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply)

            do_POST = do_PURGE = do_BAN = _record

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", port), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@contextlib.contextmanager
def running_varnish(app_url, acl=None):
    """Debian's varnishd with deploy/varnish/default.vcl in front of `app_url`: its port and its
    working folder (for varnishstat -n)."""
    binary = require_binary("varnishd", "varnish")
    vcl = (ROOT / "deploy/varnish/default.vcl").read_text()
    vcl = vcl.replace('.port = "8000";', f'.port = "{app_url.rsplit(":", 1)[1]}";')
    if acl is not None:
        vcl = vcl.replace('    "127.0.0.1";\n    "::1";\n', f'    "{acl}";\n')
    port = free_port()
    # A short folder (Varnish's control sockets live there) that Varnish's own unprivileged
    # user can read.
    workdir = Path(tempfile.mkdtemp(prefix="ldn-varnish-", dir="/tmp"))
    workdir.chmod(0o755)
    (workdir / "default.vcl").write_text(vcl)
    (workdir / "default.vcl").chmod(0o644)
    process = subprocess.Popen(
        [binary, "-F", "-a", f"127.0.0.1:{port}", "-f", str(workdir / "default.vcl")]
        + ["-n", str(workdir / "n"), "-s", "malloc,32m", "-p", "default_ttl=0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=20)
        yield port, workdir / "n"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def varnish(live_server):
    with running_varnish(live_server.url) as (port, _):
        yield port


def through(port, path, host="127.0.0.1", headers=()):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": host, **dict(headers)})
    response = connection.getresponse()
    body = response.read()
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response.status, dict(response.getheaders()), body.decode()


@pytest.mark.django_db(transaction=True)
def test_varnish_serves_a_hit_and_the_new_text_right_after_a_publish(
    varnish, live_server, settings
):
    settings.PAGE_CACHE = True
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 3600
    settings.LDN_SITE_URLS = ["http://127.0.0.1"]
    settings.LDN_FRONTEND_CACHE = {
        "varnish": {
            "BACKEND": "articles.frontend_cache.VarnishBackend",
            "LOCATION": [f"http://127.0.0.1:{varnish}"],
        }
    }
    article = make_live_article("Hydroxychloroquine and eyes")
    path = article.get_absolute_url()

    first = through(varnish, path)
    time.sleep(1.1)
    second = through(varnish, path)
    assert first[0] == second[0] == 200
    assert len(second[1]["X-Varnish"].split()) == 2  # a hit: this request's id and the stored one
    assert int(second[1]["Age"]) > 0
    assert "Set-Cookie" not in second[1]

    article.title = "Hydroxychloroquine and your eyes: yearly checks"
    article.save()
    publish(article, article.save_version(change_note="Retitled"))

    status, headers, html = through(varnish, path)
    assert status == 200
    assert '<h1 id="article-title">Hydroxychloroquine and your eyes: yearly checks</h1>' in html
    assert len(headers["X-Varnish"].split()) == 1  # fetched from the app after the purge
    # The list shows it too: the purge covered it.
    assert "yearly checks" in through(varnish, "/articles/")[2]


@pytest.mark.django_db(transaction=True)
def test_varnish_keeps_a_plain_and_a_gzip_copy_and_a_publish_purges_both(live_server, settings):
    settings.PAGE_CACHE = True
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 3600
    settings.LDN_SITE_URLS = ["http://127.0.0.1"]
    article = make_live_article("Hydroxychloroquine and eyes")
    path = article.get_absolute_url()
    gzip_reader = [("Accept-Encoding", "gzip")]
    with running_varnish(live_server.url) as (port, folder):
        settings.LDN_FRONTEND_CACHE = {
            "varnish": {
                "BACKEND": "articles.frontend_cache.VarnishBackend",
                "LOCATION": [f"http://127.0.0.1:{port}"],
            }
        }
        for _ in range(2):
            plain = through(port, path)
            packed = through(port, path, headers=gzip_reader)
        assert len(plain[1]["X-Varnish"].split()) == len(packed[1]["X-Varnish"].split()) == 2
        assert "Content-Encoding" not in plain[1]
        assert packed[1]["Content-Encoding"] == "gzip"
        # The plain copy is stored as the app sent it, not unpacked from the gzip one each time.
        assert varnish_counter(folder, "MAIN.n_gunzip") == 0

        article.title = "Hydroxychloroquine and your eyes: yearly checks"
        article.save()
        publish(article, article.save_version(change_note="Retitled"))

        for html in (through(port, path)[2], through(port, path, headers=gzip_reader)[2]):
            assert '<h1 id="article-title">Hydroxychloroquine and your eyes: yearly' in html


def varnish_counter(folder, name):
    stats = subprocess.run(
        ["varnishstat", "-n", str(folder), "-1", "-f", name],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(stats.stdout.split()[1])


def sleep_until_bucket_second(bucket, second):
    """Wait until `second` seconds into the next form-token bucket of `bucket` seconds."""
    time.sleep(bucket - time.time() % bucket + second)


def readers_together(port, path, count=8):
    with concurrent.futures.ThreadPoolExecutor(count) as readers:
        answers = list(readers.map(lambda _: through(port, path), range(count)))
    assert [status for status, _, _ in answers] == [200] * count


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_read", [0.2, -0.6], ids=["early", "in its last second"])
def test_readers_arriving_together_after_a_copy_expired_wait_for_one_fetch(
    live_server, settings, first_read
):
    """The article page's copy lives only until its form token's bucket ends; readers who ask
    for it together after that are answered from one fetch, not one fetch each. Also when the
    copy before was fetched in its bucket's last second (s-maxage=0), which Varnish's built-in
    rules would answer with two minutes of one fetch per request."""
    settings.PAGE_CACHE = True
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 4
    path = make_live_article("Hydroxychloroquine and eyes").get_absolute_url()
    with running_varnish(live_server.url) as (port, folder):
        sleep_until_bucket_second(4, first_read)
        assert through(port, path)[0] == 200
        sleep_until_bucket_second(4, 0.2)  # the copy is stale now
        fetches = varnish_counter(folder, "MAIN.backend_req")
        readers_together(port, path)
        assert varnish_counter(folder, "MAIN.backend_req") - fetches == 1


@pytest.mark.django_db(transaction=True)
def test_varnish_refuses_purges_from_addresses_other_than_the_apps(live_server):
    with running_varnish(live_server.url, acl="192.0.2.1") as (port, _):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("PURGE", "/", headers={"Host": "127.0.0.1"})
        assert connection.getresponse().status == 405


@pytest.fixture
def cloudflare(settings):
    server = Recorder()
    settings.LDN_SITE_URLS = ["https://portal.example.org"]
    settings.LDN_FRONTEND_CACHE = {
        "cloudflare": {
            "BACKEND": "articles.frontend_cache.CloudflareBackend",
            "ZONE_ID": "zone123",
            "API_TOKEN": "secret-token",
            "BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/client/v4",
        }
    }
    yield server
    server.shutdown()


def purged(server):
    return sorted(url for _, _, _, body in server.calls for url in json.loads(body)["files"])


@pytest.mark.django_db(transaction=True)
def test_cloudflare_is_told_exactly_the_addresses_that_show_the_article(cloudflare):
    topic = make_topic("Eyes")
    author = make_author("Sam Lee")
    article = make_live_article("Eye checks", topics=[topic], authors=[author])
    cloudflare.calls.clear()

    publish(article, article.save_version(change_note="Checked"))

    method, path, headers, _ = cloudflare.calls[0]
    assert (method, path) == ("POST", "/client/v4/zones/zone123/purge_cache")
    assert headers["Authorization"] == "Bearer secret-token"
    site = "https://portal.example.org"
    assert purged(cloudflare) == sorted(
        site + path
        for path in (
            "/",
            "/articles/",
            "/articles/eye-checks/",
            "/topics/eyes/",
            "/authors/sam-lee/",
            "/feeds/articles/",
            "/feeds/articles/atom/",
            "/sitemap.xml",
            "/sitemap-articles.xml",
            "/sitemap-topics.xml",
            "/sitemap-authors.xml",
        )
    )


@pytest.mark.django_db(transaction=True)
def test_publishing_a_new_address_purges_the_old_one_too(cloudflare):
    article = make_live_article("Eye checks")
    cloudflare.calls.clear()
    article.slug = "eye-checks-for-lupus"
    article.save()

    publish(article, article.save_version(change_note="New address"))

    site = "https://portal.example.org"
    urls = purged(cloudflare)
    assert site + "/articles/eye-checks/" in urls
    assert site + "/articles/eye-checks-for-lupus/" in urls


@pytest.mark.django_db(transaction=True)
def test_a_topic_edit_purges_its_old_and_new_page_the_home_page_and_the_sitemap(cloudflare):
    topic = make_topic("Skin")
    cloudflare.calls.clear()
    topic.slug = "skin-and-sun"
    topic.save()
    site = "https://portal.example.org"
    assert purged(cloudflare) == sorted(
        site + p
        for p in (
            "/",
            "/sitemap.xml",
            "/sitemap-articles.xml",
            "/sitemap-topics.xml",
            "/sitemap-authors.xml",
            "/topics/skin/",
            "/topics/skin-and-sun/",
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_failed_purge_never_fails_the_publish_and_is_retried(settings, caplog):
    port = free_port()
    settings.LDN_SITE_URLS = ["http://portal.example.org"]
    settings.LDN_FRONTEND_CACHE = {
        "varnish": {
            "BACKEND": "articles.frontend_cache.VarnishBackend",
            "LOCATION": [f"http://127.0.0.1:{port}"],
        }
    }
    article = make_live_article("Published while the proxy is down")
    article.title = "Published again while the proxy is down"
    article.save()
    version = article.save_version(change_note="Again")
    publish(article, version)
    assert Article.objects.get(pk=article.pk).live_version_id == version.pk
    assert "purge of" in caplog.text and "failed" in caplog.text

    proxy = Recorder(port=port)
    try:
        wanted = "/articles/published-while-the-proxy-is-down/"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            paths = {path for method, path, _, _ in proxy.calls if method == "PURGE"}
            if wanted in paths:
                break
            time.sleep(0.1)
        assert wanted in paths
        assert proxy.calls[0][2]["Host"] == "portal.example.org"
    finally:
        proxy.shutdown()
