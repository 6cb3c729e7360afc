"""Stored and reflected XSS in Chromium: every vector in every text field, nothing runs.

The corpus (tests/security/xss_vectors.py) is saved into every field readers or staff see
and published; then every public page, a search for every vector, and the admin pages that
show them load in headless Chromium. An init script in every frame records calls to
`__xss(N)`, `alert`, `confirm`, `prompt` and `print`, the browser's dialogs are recorded too,
and an error thrown by a payload (for example in a frame without the recorder) counts as a
run. The Content-Security-Policy is bypassed in these pages, so the test proves the markup
is safe on its own; the policy is a second wall (tests/browser/test_csp.py).
"""

import pytest
from django.test import Client

from tests.security.xss_vectors import VECTORS, admin_urls, build_corpus, public_urls

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECORDER = """
(() => {
  const hits = [];
  const record = (kind, value) => {
    hits.push(kind + ":" + String(value));
    try { window.__xssReport(kind + ":" + String(value)); } catch (error) {}
  };
  Object.defineProperty(window, "__xssHits", { value: hits });
  Object.defineProperty(window, "__xss", { value: (id) => record("__xss", id) });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    Object.defineProperty(window, name, { value: (value) => record(name, value) });
  }
})();
"""

# Markup that could run script, looked for in the live DOM after the page settled (public
# pages only: CKEditor in the admin builds its toolbar with inline handlers).
DOM_AUDIT = """
() => {
  const found = [];
  const scriptUrl = /^(java|vb)script:|^data:(?!image\\/)/;
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020\\u200b]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(element.tagName + " " + name);
      if (urlAttributes.includes(name) && scriptUrl.test(value)) {
        found.push(element.tagName + " " + name + "=" + attribute.value);
      }
    }
    if (["IFRAME", "FRAME", "OBJECT", "EMBED", "BASE"].includes(element.tagName)) {
      found.push(element.tagName);
    }
  }
  return found;
}
"""

EDITOR = "iframe.cke_wysiwyg_frame"
SETTLE = "() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))"


class Watch:
    """A browser context whose pages record every sign of script from the corpus."""

    def __init__(self, browser, cookies=()):
        self.hits = []
        self.context = browser.new_context(bypass_csp=True)
        self.context.add_cookies(list(cookies))
        self.context.expose_binding("__xssReport", self._report)
        self.context.add_init_script(RECORDER)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", self._error)

    def _report(self, source, value):
        self.hits.append((self.url, value))

    def _dialog(self, dialog):
        self.hits.append((self.url, f"dialog {dialog.type}: {dialog.message}"))
        dialog.dismiss()

    def _error(self, error):
        if "xss" in str(error).lower() or "alert" in str(error).lower():
            self.hits.append((self.url, f"error: {error}"))

    def visit(self, url, wait_for=None):
        self.url = url
        response = self.page.goto(url, wait_until="load")
        assert response.status == 200, url
        if wait_for:
            self.page.locator(wait_for).first.wait_for(state="visible")
        self.page.evaluate(SETTLE)
        assert self.page.url == url, f"{url} navigated to {self.page.url}"
        for frame in self.page.frames:
            try:
                recorded = frame.evaluate("window.__xssHits || []")
            except Exception:  # noqa: S112 (a frame that went away has nothing more to tell)
                continue
            self.hits += [(url, hit) for hit in recorded if (url, hit) not in self.hits]
        return response

    def close(self):
        self.context.close()


def session_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_no_vector_runs_on_any_public_page(live_server, browser):
    made = build_corpus()
    reader = Watch(browser)
    dom_problems = {}

    try:
        for path in public_urls(made, every_page=False):
            response = reader.visit(live_server.url + path)
            if response.headers["content-type"].startswith("text/html"):
                found = reader.page.evaluate(DOM_AUDIT)
                if found:
                    dom_problems[path] = found
    finally:
        reader.close()

    assert len(VECTORS) >= 100
    assert reader.hits == []
    assert dom_problems == {}


def test_no_vector_runs_in_the_admin_or_the_editor(live_server, browser):
    made = build_corpus()
    staff = Watch(browser, [session_cookie(live_server, made["user"])])
    corpus_change = f"/admin/articles/article/{made['corpus'].pk}/change/"

    try:
        for path in admin_urls(made):
            with_editor = path.startswith("/admin/articles/article/") and path.endswith("/change/")
            staff.visit(live_server.url + path, wait_for=EDITOR if with_editor else None)
        staff.visit(live_server.url + corpus_change, wait_for=EDITOR)
        loaded = staff.page.frame_locator(EDITOR).first.locator("body").inner_text()
    finally:
        staff.close()

    assert staff.hits == []
    # The editor really holds the corpus, as text: the vectors reached it and stayed inert.
    assert loaded.count("__xss(") >= 10


def test_the_recorder_catches_payloads_that_run(live_server, browser):
    evil = "<img src=x onerror=__xss(7)><script>alert(8)</script><a href=javascript:x>x</a>"
    watch = Watch(browser)
    watch.context.route(
        live_server.url + "/evil/",
        lambda route: route.fulfill(body=evil, content_type="text/html", status=200),
    )

    try:
        watch.visit(live_server.url + "/evil/")
        found = watch.page.evaluate(DOM_AUDIT)
    finally:
        watch.close()

    assert sorted(hit for _, hit in watch.hits) == ["__xss:7", "alert:8"]
    assert found == ["IMG onerror", "A href=javascript:x"]
