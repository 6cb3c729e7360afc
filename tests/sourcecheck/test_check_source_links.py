"""check_source_links against a real HTTP server on a loopback port."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from articles.content_checks import check_version
from sourcecheck.checks import broken_source_links
from sourcecheck.models import SourceLinkCheck
from tests.factories import make_article, make_live_article

pytestmark = pytest.mark.django_db

PATHS = {"/ok": 200, "/moved": 301, "/missing": 404, "/broken": 500, "/head-refused": 200}


class Handler(BaseHTTPRequestHandler):
    seen = []

    def _answer(self):
        Handler.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
        if self.path == "/never":
            time.sleep(3)  # longer than the command's timeout: no answer in time
            return
        if self.path == "/head-refused" and self.command == "HEAD":
            status = 405
        else:
            status = PATHS.get(self.path, 404)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def cite(article, base, *paths):
    article.sources.all().delete()
    for order, path in enumerate(paths):
        article.sources.create(order=order, title=f"Source {path}", url=base + path)
    article.summary += " Sources updated."
    article.save()
    article.publish(article.save_version(change_note="Sources updated."))


def test_records_status_of_every_live_source_link(site):
    article = make_live_article("Cited article")
    cite(article, site, "/ok", "/moved", "/missing", "/broken", "/never", "/head-refused")
    draft = make_article("Draft article")
    draft.sources.update(url=site + "/draft-only")

    out = StringIO()
    call_command("check_source_links", "--timeout", "0.5", stdout=out)

    checks = {c.url.removeprefix(site): c for c in SourceLinkCheck.objects.all()}
    assert set(checks) == {"/ok", "/moved", "/missing", "/broken", "/never", "/head-refused"}
    assert (checks["/ok"].status, checks["/ok"].ok) == (200, True)
    assert checks["/moved"].ok and checks["/moved"].final_url == site + "/ok"  # redirect followed
    assert (checks["/missing"].status, checks["/missing"].ok) == (404, False)
    assert (checks["/broken"].status, checks["/broken"].ok) == (500, False)
    assert checks["/never"].status is None and "no answer within 0.5 s" in checks["/never"].error
    assert checks["/head-refused"].ok  # HEAD refused, GET answered
    assert all(c.checked_at for c in checks.values())
    assert ("GET", "/head-refused") in [(m, p) for m, p, _ua in Handler.seen]
    assert all("source link checker" in ua for _m, _p, ua in Handler.seen)
    assert "Checked 6 link(s): 3 broken." in out.getvalue()


def test_broken_links_show_in_the_checklist_and_on_the_staff_home(site, rf, admin_user):
    article = make_live_article("Cited article")
    cite(article, site, "/ok", "/missing")
    call_command("check_source_links", "--timeout", "0.5", stdout=StringIO())

    warnings = [c for c in check_version(article.live_version.content) if c.field == "sources"]
    assert len(warnings) == 1 and "Source 2" in warnings[0].message and "404" in warnings[0].message

    request = rf.get("/admin/")
    request.user = admin_user
    panel = broken_source_links(request)
    assert [item["label"] for item in panel["items"]] == ["Cited article"]
    assert "answered 404" in panel["items"][0]["detail"]
