"""Purging the caches in front of the app (Varnish, Cloudflare) when what readers see changes.

Configured like Wagtail's frontend_cache: settings.LDN_FRONTEND_CACHE maps a name to a backend
and its options (the README's deployment section; settings.py builds it from the
environment):

    LDN_FRONTEND_CACHE = {
        "varnish": {"BACKEND": "articles.frontend_cache.VarnishBackend",
                    "LOCATION": ["http://10.0.0.5:6081"], "METHOD": "PURGE"},
        "cloudflare": {"BACKEND": "articles.frontend_cache.CloudflareBackend",
                       "ZONE_ID": "...", "API_TOKEN": "...", "BASE_URL": "https://.../v4"},
    }

Each event purges exactly the addresses that show what changed (`addresses_for_article`,
`addresses_for`): an article's page, the home page, the list, its topics' and authors'
pages, the feeds and the sitemap; a topic's or an author's own page, the home page and the
sitemap; the pages of the articles using a disclaimer. Query strings are not kept by shared
caches (the app sends `s-maxage=0` with them; the Varnish configuration passes them), so only
the bare addresses are purged. Scheduled moments need no purge: reader pages are cached no
later than the next one (articles/cache.py).

The first try runs after the commit, in the editor's request, so a reader who loads the page
right after the publish sees it. A purge that fails is logged and tried again by a
background thread with growing pauses; it never fails the editor's action.
"""

import http.client
import json
import logging
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from articles.signals import article_workflow

logger = logging.getLogger(__name__)

# Pauses between tries of a failed purge, in seconds; then it is given up (and logged).
RETRY_PAUSES = (1, 2, 5, 15, 60, 300)


class PurgeFailed(Exception):
    pass


def _request(url, method, path, headers=None, body=None):
    """One HTTP request to `url`'s host; returns (status, body). Raises PurgeFailed."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(
        parts.hostname, parts.port, timeout=settings.LDN_FRONTEND_CACHE_TIMEOUT
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except OSError as error:
        raise PurgeFailed(f"{parts.netloc}: {error}") from None
    finally:
        connection.close()


class VarnishBackend:
    """HTTP PURGE (or BAN) of each address, sent to every Varnish in LOCATION."""

    def __init__(self, params):
        locations = params["LOCATION"]
        self.locations = [locations] if isinstance(locations, str) else list(locations)
        self.method = params.get("METHOD", "PURGE").upper()
        if self.method not in ("PURGE", "BAN"):
            raise ValueError("Varnish purge METHOD must be PURGE or BAN")

    def purge(self, urls):
        failed = []
        for location in self.locations:
            for url in urls:
                parts = urlsplit(url)
                try:
                    status, _ = _request(location, self.method, parts.path, {"Host": parts.netloc})
                except PurgeFailed as error:
                    failed.append(str(error))
                    break
                if status >= 400:
                    failed.append(f"{location} answered {status} to {self.method} {parts.path}")
        if failed:
            raise PurgeFailed("; ".join(failed))


class CloudflareBackend:
    """Cloudflare's purge-by-URL API: at most 30 addresses a call, with an API token."""

    BATCH = 30

    def __init__(self, params):
        self.zone = params["ZONE_ID"]
        self.token = params["API_TOKEN"]
        self.base_url = params.get("BASE_URL", "https://api.cloudflare.com/client/v4").rstrip("/")

    def purge(self, urls):
        path = f"{urlsplit(self.base_url).path}/zones/{self.zone}/purge_cache"
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for start in range(0, len(urls), self.BATCH):
            body = json.dumps({"files": urls[start : start + self.BATCH]})
            status, reply = _request(self.base_url, "POST", path, headers, body)
            try:
                ok = json.loads(reply).get("success") is True
            except ValueError:
                ok = False
            if status >= 400 or not ok:
                raise PurgeFailed(f"Cloudflare answered {status}")


def backends():
    return {
        name: import_string(params["BACKEND"])(params)
        for name, params in settings.LDN_FRONTEND_CACHE.items()
    }


def site_urls():
    """The site's own addresses (scheme and host) readers use."""
    if settings.LDN_SITE_URLS:
        return [url.rstrip("/") for url in settings.LDN_SITE_URLS]
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    return [f"https://{host}" for host in hosts]


def _absolute(paths):
    return sorted({f"{site}{path}" for site in site_urls() for path in paths})


def _reverse(name, *args):
    try:
        return [reverse(name, args=args)]
    except NoReverseMatch:
        return []


def _sitemap_paths():
    """The sitemap index and each of its sections."""
    from articles.sitemaps import SITEMAPS

    paths = _reverse("articles:sitemap")
    for section in SITEMAPS:
        try:
            paths.append(reverse("articles:sitemap-section", kwargs={"section": section}))
        except NoReverseMatch:
            break
    return paths


def _shared_paths():
    """Pages every publish can change: home, list, feeds and sitemap."""
    paths = ["/", reverse("articles:list")]
    for name in ("articles:feed", "articles:feed-atom"):
        paths += _reverse(name)
    return paths + _sitemap_paths()


def addresses_for_article(article, version=None):
    """Every address that shows `article`: its page, its topics' and authors' pages (as it was
    shown, and as it is now shown), and the shared pages."""
    paths = set(_shared_paths()) | {article.get_absolute_url()}
    contents = [v.content for v in (version, article.live_version) if v is not None]
    # Every address it was ever published under: after a new slug, the old ones redirect.
    published = article.versions.filter(live_from__isnull=False).values_list("slug", flat=True)
    paths |= {reverse("articles:detail", args=[slug]) for slug in set(published) if slug}
    for content in contents:
        paths |= {reverse("articles:topic", args=[t["slug"]]) for t in content.get("topics", [])}
        people = list(content.get("authors", [])) + [content.get("medical_reviewer") or {}]
        paths |= {reverse("articles:author", args=[p["slug"]]) for p in people if p.get("slug")}
    return _absolute(paths)


def addresses_for(instance):
    """The addresses showing a topic, an author or a disclaimer (old and new address)."""
    from articles.models import Article, Author, Disclaimer, Topic

    paths = set()
    if isinstance(instance, Topic | Author):
        name = "articles:topic" if isinstance(instance, Topic) else "articles:author"
        for slug in {instance.slug, getattr(instance, "_slug_before_save", instance.slug)}:
            paths.add(reverse(name, args=[slug]))
        paths |= {"/"} | set(_sitemap_paths())
    elif isinstance(instance, Disclaimer):
        live = Article.objects.live().filter(disclaimer=instance).only("slug")
        paths |= {article.get_absolute_url() for article in live}
    return _absolute(paths)


class Purger:
    """Sends purges: first at once, then from a background thread until they go through."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue = []  # (due, attempt, backend name, urls)
        self._worker = None

    def purge(self, urls):
        if not urls or not settings.LDN_FRONTEND_CACHE:
            return
        for name, backend in backends().items():
            self._try(name, backend, urls, attempt=0)

    def _try(self, name, backend, urls, attempt):
        try:
            backend.purge(urls)
        except Exception as error:  # noqa: BLE001 (any failure is retried, never raised)
            if attempt >= len(RETRY_PAUSES):
                logger.error(
                    "Front-end cache %s: gave up purging %d addresses: %s", name, len(urls), error
                )
                return
            logger.warning(
                "Front-end cache %s: purge of %d addresses failed (try %d), retrying: %s",
                name,
                len(urls),
                attempt + 1,
                error,
            )
            self._schedule(time.monotonic() + RETRY_PAUSES[attempt], attempt + 1, name, urls)
            return
        if attempt:
            logger.info("Front-end cache %s: purge of %d addresses went through", name, len(urls))

    def _schedule(self, due, attempt, name, urls):
        with self._lock:
            self._queue.append((due, attempt, name, urls))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, daemon=True)
                self._worker.start()

    def _run(self):
        while True:
            with self._lock:
                if not self._queue:
                    self._worker = None
                    return
                self._queue.sort(key=lambda item: item[0])
                due, attempt, name, urls = self._queue[0]
                wait = due - time.monotonic()
                if wait <= 0:
                    self._queue.pop(0)
            if wait > 0:
                time.sleep(min(wait, 0.5))
                continue
            backend = backends().get(name)
            if backend is not None:
                self._try(name, backend, urls, attempt)


purger = Purger()


def _clear_page_cache_then_purge(urls):
    # A front-end cache refetches at once: the page cache must not answer with the old page.
    from articles.cache import STATE_KEY

    cache.delete(STATE_KEY)
    purger.purge(urls)


def _on_article_workflow(sender, article, action, version=None, **kwargs):
    if not settings.LDN_FRONTEND_CACHE:
        return
    # Sent after the commit: purge now.
    _clear_page_cache_then_purge(addresses_for_article(article, version))


def _remember_slug(sender, instance, **kwargs):
    if settings.LDN_FRONTEND_CACHE and instance.pk:
        instance._slug_before_save = (
            sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
            or instance.slug
        )


def _on_reader_data_saved(sender, instance, **kwargs):
    if not settings.LDN_FRONTEND_CACHE:
        return
    urls = addresses_for(instance)
    transaction.on_commit(lambda: _clear_page_cache_then_purge(urls))


def connect_frontend_cache_signals():
    """Called from ArticlesConfig.ready()."""
    from articles.models import Author, Disclaimer, Topic

    article_workflow.connect(_on_article_workflow, dispatch_uid="frontend-cache-workflow")
    for model in (Topic, Author):
        pre_save.connect(_remember_slug, sender=model, dispatch_uid=f"frontend-cache-slug-{model}")
    for model in (Topic, Author, Disclaimer):
        post_save.connect(
            _on_reader_data_saved, sender=model, dispatch_uid=f"frontend-cache-save-{model}"
        )
