"""Page cache and HTTP caching for the reader pages, with exact invalidation.

Whole pages for anonymous readers are kept in Django's cache, each stored with the
*generation* it was rendered under. Every change readers can see (a publish, schedule,
unpublish, trash or restore; an edit to a topic, an author or a disclaimer; see
connect_signals) deletes the generation, so the next request starts a new one and no older
page is ever served again; saving a draft or a working copy clears nothing. Scheduled changes
need no job either: the generation also records the next moment a scheduled version goes
live or an article is unpublished, and once that moment has passed the generation is
replaced as if something had been published.

The generation lives in the cache itself, so every app server that shares the cache (Redis
via REDIS_URL, or the file cache every worker on one machine shares) sees a publish at once.
A process-local cache cannot be cleared from another process, so settings.PAGE_CACHE must be
off with one.

`ReaderPageCacheMiddleware`, the outermost middleware, serves a hit with one cache round trip
(the generation and the page in one get_many) before any other middleware runs, with the
headers they gave the page when it was stored; with Redis, a page the process served from it
is served again from the process's memory, with no round trip, until any process clears the
cache (`_served_hits`): that is what brings a hit to the cost of a plain Django constant page.
Only views wrapped in `reader_page_cache` are stored. Only anonymous GET and HEAD requests
without a query string, addressed to a host named in ALLOWED_HOSTS, are served from the
cache: any request carrying a session or messages cookie, and any query string, goes to the
view. The key holds the scheme, the host (lower case, without the scheme's default port), the
path and whether the reader accepts gzip, so anonymous requests cannot add entries without
bound. A response is stored only when it is a plain 200 that sets no cookie, varies on
nothing but encoding, and used no CSP nonce. Parts of the article page that change only with
a new generation are also kept under it, for the times the page is drawn again within one
(`kept_in_generation`), and in each process's memory.

Reader pages carry nothing of their reader (no cookie, no CSRF token: the forms on them are
checked without one, see inquiries.views), so one stored page is served byte for byte to
everyone, and shared caches in front of the app may keep it too. Every reader page says so
in its headers: `Cache-Control: public` with short lifetimes that end no later than the next
scheduled moment or the end of what the page carries (`cache_no_later_than`), an `ETag` from
its bytes and a `Last-Modified` from the generation (the last change readers can see), with
304 answers to conditional requests. Everything else says `private, no-store` unless its view
chose otherwise. Front-end caches are purged on publish (articles/frontend_cache.py).

The cache may be down (ldn_portal/resilient_cache.py): pages are then rendered as if the
cache were empty. A database that fails while a generation is started is left to the view's
error handling (the 503 page), never a 500 from here.
"""

import hashlib
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from ldn_portal.resilient_cache import DurableClear, forget_after_outage

STATE_KEY = "pagecache:state"
HEADER = "X-Page-Cache"
_CACHEABLE_VARY = {"accept-encoding"}
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Headers recomputed for each response rather than stored with the page.
_PER_RESPONSE = {HEADER.lower(), "cache-control", "expires", "date"}
# A page cleared while the cache was down must not come back with it: the processes that saw
# the failure delete the generation when Redis returns, and every process refuses a
# generation stamped before a clear Redis could not take (ldn_portal/resilient_cache.py).
forget_after_outage(STATE_KEY)
_generation = DurableClear(STATE_KEY)


def next_boundary(now):
    """The next moment readers' view changes by itself, as a timestamp, or None: a scheduled
    version going live, or a published article's "unpublish at"."""
    from articles.models import Article, ArticleStatus, ArticleVersion

    going_live = (
        ArticleVersion.objects.filter(
            # A waiting version's window is still open (read through its partial index, in
            # order, to the first one whose article is not trashed: no aggregate over all).
            live_from__gt=now,
            live_until__isnull=True,
            article__trashed_at__isnull=True,
        )
        .order_by("live_from")
        .values_list("live_from", flat=True)
        .first()
    )
    expiring = (
        Article.objects.not_trashed()
        .filter(status=ArticleStatus.PUBLISHED, expire_at__gt=now)
        .aggregate(moment=Min("expire_at"))["moment"]
    )
    upcoming = [moment for moment in (going_live, expiring) if moment is not None]
    return min(upcoming).timestamp() if upcoming else None


def current_state():
    """The generation pages are stored under, renewed when a scheduled moment has passed."""
    seen = _changes_seen()
    state = _kept_while(seen, _read_state, STATE_KEY)
    if state is None or not _is_current(state):
        state = _current_or_new(cache.get(STATE_KEY))
        _read_state.keep(STATE_KEY, (seen, state))
    return state


def _is_current(state):
    """Whether `state` (as read from the cache) is still the generation to serve under."""
    return not (
        state is None
        or (state["boundary"] is not None and timezone.now().timestamp() >= state["boundary"])
        or _generation.outdated(state.get("clears", 0))
    )


def _current_or_new(state):
    """`state` (as read from the cache) if it is still current, else a new generation."""
    if not _is_current(state):
        now = timezone.now()
        state = {
            "generation": uuid.uuid4().hex,
            "boundary": next_boundary(now),
            "changed_at": int(now.timestamp()),
            "clears": _generation.stamp(),
        }
        cache.set(STATE_KEY, state, None)
    return state


def invalidate():
    """Forget every cached page: now, and again once the current transaction commits.

    The second time matters: between the write and the commit another request could start a
    new generation and store the page as it was before the write. A delete Redis could not
    take is sent again when it answers, and counted in the database so that no process serves
    the old generation for longer than CACHE_CLEAR_CHECK_SECONDS after the commit
    (ldn_portal/resilient_cache.py, DurableClear).
    """
    _generation.clear()


def page_generation(request):
    """The page cache generation `request` is drawn under, or None (staff, no page cache)."""
    state = getattr(request, "page_cache_state", None)
    return state["generation"] if state else None


def kept_in_generation(generation, names, draw):
    """draw(), kept in the cache under `generation` and `names` for the times the page is drawn
    again within it; a None from draw() is not kept. Without a generation, draw() each time.

    Only for what changes with nothing but what readers see (which starts a new generation)
    and what `names` say: never a form token, never anything of the reader's.
    """
    if not generation:
        return draw()
    parts = "\n".join([generation, *map(str, names)])
    key = "pagecache:kept:" + hashlib.sha256(parts.encode()).hexdigest()
    pickled = _kept_parts.get(key)
    if pickled is not None:
        # A copy of its own, as from the cache (a model may be changed by its user); pickled
        # by this process, never read from outside it.
        return pickle.loads(pickled)  # noqa: S301
    value = cache.get(key)
    if value is None:
        value = draw()
        if value is not None:
            cache.set(key, value, settings.PAGE_CACHE_SECONDS)
    if value is not None:
        _kept_parts.keep(key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    return value


def cache_no_later_than(request, timestamp):
    """Say that the page being rendered for `request` must not be kept past `timestamp`."""
    current = getattr(request, "reader_page_until", None)
    request.reader_page_until = timestamp if current is None else min(current, timestamp)


def _cache_host(request):
    """The host for the cache key, or None when this host's pages are not cached.

    Lower case, without the scheme's default port; a host that is not literally in
    ALLOWED_HOSTS (wildcards admit any number of names) or names a port other than the one the
    request reached is rendered but never stored.
    """
    host = request.get_host().lower()
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name:
        name, port = port, ""
    default_port = "443" if request.is_secure() else "80"
    if port in ("", default_port):
        port = ""
    elif port != request.META.get("SERVER_PORT"):
        return None
    if name not in settings.ALLOWED_HOSTS:
        return None
    return f"{name}:{port}" if port else name


def _page_key(request, host, encoding):
    address = f"{encoding} {request.scheme}://{host}{request.path}"
    # "v2": pages stored with their headers as Django holds them; no older entry is read.
    return f"pagecache:page:v2:{hashlib.sha256(address.encode()).hexdigest()}"


def _anonymous(request):
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _response_is_cacheable(request, response):
    if not getattr(request, "reader_page_cacheable", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _CACHEABLE_VARY:
        return False
    return getattr(request, "_csp_nonce", None) is None


def _until(state, page_until):
    """The moment a page rendered under `state` stops being right, as a timestamp, or None."""
    moments = [m for m in (state and state["boundary"], page_until) if m is not None]
    return min(moments) if moments else None


def _timeout(until):
    timeout = settings.PAGE_CACHE_SECONDS
    if until is not None:
        timeout = max(1, min(timeout, int(until - time.time()) + 1))
    return timeout


def _cache_control(request, until, carries_until):
    """Cache-Control for a reader page: public, with lifetimes ending at `until`."""
    if request.method not in ("GET", "HEAD") or not _anonymous(request):
        return None
    left = settings.SHARED_CACHE_SECONDS if until is None else max(0, int(until - time.time()))
    browser = min(settings.BROWSER_CACHE_SECONDS, left)
    shared = 0 if request.META.get("QUERY_STRING") else min(settings.SHARED_CACHE_SECONDS, left)
    words = ["public", f"max-age={browser}", f"s-maxage={shared}"]
    if not carries_until:
        # Not for pages carrying a form token: a stale copy would start its fill time late.
        words.append(f"stale-while-revalidate={settings.STALE_WHILE_REVALIDATE_SECONDS}")
    words.append(f"stale-if-error={settings.STALE_IF_ERROR_SECONDS}")
    return ", ".join(words)


def _etag(content):
    return f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'


def reader_page_cache(view):
    """Mark `view`'s pages as reader pages: cached for anonymous readers, with HTTP caching
    headers (see the module docstring)."""

    @wraps(view)
    def cacheable_view(request, *args, **kwargs):
        request.reader_page_cacheable = True
        return view(request, *args, **kwargs)

    return cacheable_view


class ReaderPageCacheMiddleware:
    """Serve stored reader pages, and store them, from the outermost position.

    A hit is answered before any other middleware runs, so the stored page carries every
    header they added to it when it was rendered (security headers, the policy, the
    compressed body and its length): they depend only on the scheme, the host and the path,
    which the key holds, and on whether the reader accepts gzip, which picks one of two stored
    variants. The page is stored as it leaves the stack, compressed or not: one lookup and no
    compression per hit. Django's BREACH mitigation (random bytes in each gzip header) is then
    the same for every reader of one stored variant; BREACH needs a secret in the page and
    reader pages carry none (no cookie, no token), and what a request could reflect into
    them (a query string) is never cached.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _lookup_key(request)
        if key is not None:
            seen = _changes_seen()
            kept = _kept_while(seen, _served_hits, key)
            if kept is not None and _is_current(kept[1]) and _in_time(kept[0]):
                return _serve(request, *kept)
            try:
                found = cache.get_many([STATE_KEY, key])
                state = _current_or_new(found.get(STATE_KEY))
                _read_state.keep(STATE_KEY, (seen, state))
            except (OperationalError, InterfaceError):
                # Starting a generation reads the database, and this runs before the view's
                # error handling: go on without the cache, so the view answers (its 503 when
                # the database is down, or /healthz's own).
                key = None
            else:
                stored = found.get(key)
                if (
                    stored is not None
                    and stored["generation"] == state["generation"]
                    and _in_time(stored)
                ):
                    _served_hits.keep(key, (seen, (stored, state)))
                    return _serve(request, stored, state)
                # Stored under the generation read before rendering: a write during the
                # rendering replaces it, so this page is never served after that write.
                request.page_cache_state = state
        response = self.get_response(request)
        if key is not None and _response_is_cacheable(request, response):
            page_until = getattr(request, "reader_page_until", None)
            until = _until(request.page_cache_state, page_until)
            stored = {
                "generation": request.page_cache_state["generation"],
                "content": response.content,
                "headers": {
                    k: v for k, v in response.headers._store.items() if k not in _PER_RESPONSE
                },
                "until": until,
                "carries_until": page_until is not None,
            }
            cache.set(key, stored, _timeout(until))
            response[HEADER] = "miss"
        return response


def _in_time(stored):
    # Kept up to a second longer (a cache timeout is whole seconds), never served past what
    # it carries (a form token's bucket).
    return stored["until"] is None or time.time() < stored["until"]


def _changes_seen():
    """The cache's token for "nothing cleared since", or None (ResilientRedisCache's
    changes_seen; other caches cannot tell)."""
    changes_seen = getattr(cache, "changes_seen", None)
    return changes_seen() if changes_seen is not None and settings.PAGE_CACHE_KEPT_HITS else None


class _InMemory:
    """The `size()` values this process used most recently, in its own memory (the least
    recently used dropped first)."""

    def __init__(self, size):
        self._size = size
        self._values = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
        return value

    def keep(self, key, value):
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size():
                self._values.popitem(last=False)


# With Redis, the pages this process served from the cache and the generation it last read,
# each with the cache's token read before them (`_changes_seen`): used again from memory, with
# no round trip, while the token is the same, i.e. while no process has cleared the cache
# since. An announcement reaches this process's socket before the clearing process goes on,
# so a request that starts after a publish has returned never gets a page from before it; the
# generation's boundary and the outage-proof count are checked on each use, as when read.
_served_hits = _InMemory(lambda: settings.PAGE_CACHE_KEPT_HITS)
_read_state = _InMemory(lambda: 1)
# Parts kept under a generation (`kept_in_generation`): the key names the generation, so a
# copy is never out of date, with any cache.
_kept_parts = _InMemory(lambda: settings.PAGE_CACHE_KEPT_PARTS)


def _kept_while(seen, memory, key):
    """What `memory` holds under `key` if it was read when the cache's token was `seen`."""
    kept = memory.get(key) if seen is not None else None
    return kept[1] if kept is not None and kept[0] is seen else None


def _lookup_key(request):
    """The key of the stored page `request` may be answered with, or None when it may not."""
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return None
    if request.META.get("QUERY_STRING") or request.path.startswith(settings.STATIC_URL):
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # SecurityMiddleware's redirect to https answers it
    if not _anonymous(request):
        return None
    try:
        host = _cache_host(request)
    except DisallowedHost:
        return None  # answered inside the stack (CommonMiddleware's 400, with its headers)
    if host is None:
        return None
    # The page is rendered for the host it is stored under (its canonical links use it),
    # whatever case or default port the request wrote.
    request.META["HTTP_HOST"] = host
    gzip = re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    return _page_key(request, host, "gzip" if gzip else "")


class ReaderPageHeadersMiddleware:
    """Give every response its caching headers, and reader pages their validators and 304s.

    Inside the compression, so that the ETag is the page's, not its random gzip bytes'.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = getattr(request, "page_cache_state", None)
        if (
            state is None
            and settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and _anonymous(request)
        ):
            try:
                # Also for the view: parts of the page kept under the generation it is drawn in.
                state = request.page_cache_state = current_state()
            except (OperationalError, InterfaceError):
                state = None  # as in ReaderPageCacheMiddleware: the view answers
        response = self.get_response(request)
        if not getattr(request, "reader_page_cacheable", False):
            if not response.has_header("Cache-Control"):
                add_never_cache_headers(response)
            return response
        if response.status_code != 200 or response.streaming:
            # Redirects and errors are not kept either: purges name only the pages themselves.
            if not response.has_header("Cache-Control"):
                add_never_cache_headers(response)
            return response
        page_until = getattr(request, "reader_page_until", None)
        cache_control = _cache_control(request, _until(state, page_until), page_until is not None)
        if cache_control is None:
            add_never_cache_headers(response)
            return response
        response["Cache-Control"] = cache_control
        response["ETag"] = _etag(response.content)
        if state is not None:
            response["Last-Modified"] = http_date(state["changed_at"])
        patch_vary_headers(response, ["Accept-Encoding"])
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=state["changed_at"] if state else None,
            response=response,
        )


def _serve(request, stored, state):
    response = HttpResponse(stored["content"])
    # The headers as Django held them when the page was sent (names and values checked then):
    # set one by one, they cost a tenth of a hit.
    response.headers._store.update(stored["headers"])
    response["Cache-Control"] = _cache_control(request, stored["until"], stored["carries_until"])
    response[HEADER] = "hit"
    if not any(name in request.META for name in _CONDITIONAL):
        return response
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=state["changed_at"], response=response
    )


def _on_change(sender, **kwargs):
    invalidate()


# Workflow actions that change nothing readers see: a restore only makes a new working copy
# version, and a review request is for staff.
_UNSEEN_ACTIONS = {"restore", "submit_for_review"}


def _on_article_save(sender, instance, **kwargs):
    # Workflow actions save the article row with `workflow_action` set, inside their
    # transaction (invalidate() clears again on commit). A working-copy save clears nothing,
    # except a change of the home page's featured flag.
    action = getattr(instance, "workflow_action", None)
    if (action and action not in _UNSEEN_ACTIONS) or getattr(instance, "_featured_changed", False):
        invalidate()


def connect_signals():
    """Called from ArticlesConfig.ready(): only what readers can see change clears the cache.

    Readers see live versions, so saving a working copy or a version (a draft) clears
    nothing; publishing, scheduling, unpublishing, trash and restore from trash do (the
    workflow methods save the article row with their action), and so does emptying the trash
    (a trashed page answers 410, a deleted one 404) and a scheduled moment passing (the
    generation's boundary). Topics, authors and disclaimers are shown from their own rows on
    reader pages (names, descriptions, bios, disclaimer text), so their edits clear it too.
    """
    from articles.models import Article, Author, Disclaimer, Topic

    for model in (Author, Disclaimer, Topic):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"pagecache-delete-{model}")
    post_save.connect(_on_article_save, sender=Article, dispatch_uid="pagecache-article")
    post_delete.connect(_on_change, sender=Article, dispatch_uid="pagecache-article-delete")
