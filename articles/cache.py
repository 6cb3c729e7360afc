"""Page cache for the reader pages, with exact invalidation.

Whole pages for anonymous readers are kept in Django's cache, each stored with the
*generation* it was rendered under. Every change readers can see (a publish, schedule,
unpublish, trash or restore; an edit to a topic, an author or a disclaimer; see
connect_signals) deletes the generation, so the next request starts a new one and no older
page is ever served again; saving a draft or a working copy clears nothing. Scheduled changes
need no job either: the generation also records the next moment a scheduled version goes
live or an article is unpublished, and once that moment has passed the generation is
replaced as if something had been published.

The generation lives in the cache itself, so every app server that shares the cache (Redis
via REDIS_URL) sees a publish at once. A process-local cache (the default local memory)
cannot be cleared from another process, so the page cache is off unless the cache is shared
(settings.PAGE_CACHE, LDN_PAGE_CACHE).

`ReaderPageCacheMiddleware` serves a hit with one cache round trip (the generation and the
page in one get_many) before authentication, messages and URL resolution run: that is what
brings a hit close to the cost of a constant page. Only views wrapped in `reader_page_cache`
are stored. Only anonymous GET and HEAD requests without a query string are served from the
cache: any request carrying a session or messages cookie, and any query string, goes to the
view. A response is stored only when it is a plain 200 that sets no cookie, varies on nothing
but cookies and encoding, and used no CSP nonce (a stored nonce would not match the next
response's header).

Pages with forms (the question form on every article page) stay cacheable: the CSRF token
is per reader, so it is stored as a placeholder and each reader's own token is put in when
the page is served. The middleware sits inside Django's CSRF middleware, which then sets the
reader's cookie as usual.
"""

import hashlib
import re
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import timezone

STATE_KEY = "pagecache:state"
CSRF_PLACEHOLDER = b"__PAGECACHE_CSRF_TOKEN__"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
HEADER = "X-Page-Cache"
_CACHEABLE_VARY = {"cookie", "accept-encoding"}


def next_boundary(now):
    """The next moment readers' view changes by itself, as a timestamp, or None: a scheduled
    version going live, or a published article's "unpublish at"."""
    from articles.models import Article, ArticleStatus, ArticleVersion

    going_live = ArticleVersion.objects.filter(
        live_from__gt=now, article__trashed_at__isnull=True
    ).aggregate(moment=Min("live_from"))["moment"]
    expiring = (
        Article.objects.not_trashed()
        .filter(status=ArticleStatus.PUBLISHED, expire_at__gt=now)
        .aggregate(moment=Min("expire_at"))["moment"]
    )
    upcoming = [moment for moment in (going_live, expiring) if moment is not None]
    return min(upcoming).timestamp() if upcoming else None


def current_state():
    """The generation pages are stored under, renewed when a scheduled moment has passed."""
    return _current_or_new(cache.get(STATE_KEY))


def _current_or_new(state):
    """`state` (as read from the cache) if it is still current, else a new generation."""
    now = timezone.now()
    if state is None or (state["boundary"] is not None and now.timestamp() >= state["boundary"]):
        state = {"generation": uuid.uuid4().hex, "boundary": next_boundary(now)}
        cache.set(STATE_KEY, state, None)
    return state


def invalidate():
    """Forget every cached page: now, and again once the current transaction commits.

    The second time matters: between the write and the commit another request could start a
    new generation and store the page as it was before the write.
    """
    cache.delete(STATE_KEY)
    transaction.on_commit(lambda: cache.delete(STATE_KEY))


def _page_key(request):
    address = f"{request.get_host()}{request.path}"
    return f"pagecache:page:{hashlib.sha256(address.encode()).hexdigest()}"


def _request_is_cacheable(request):
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if request.META.get("QUERY_STRING"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _response_is_cacheable(request, response):
    if not getattr(request, "reader_page_cacheable", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Cache-Control") and any(
        word in response["Cache-Control"] for word in ("private", "no-store", "no-cache")
    ):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _CACHEABLE_VARY:
        return False
    return getattr(request, "_csp_nonce", None) is None


def _timeout(state):
    timeout = settings.PAGE_CACHE_SECONDS
    if state["boundary"] is not None:
        until = int(state["boundary"] - timezone.now().timestamp()) + 1
        timeout = max(1, min(timeout, until))
    return timeout


def reader_page_cache(view):
    """Mark `view`'s pages as cacheable for anonymous readers (see the module docstring)."""

    @wraps(view)
    def cacheable_view(request, *args, **kwargs):
        request.reader_page_cacheable = True
        return view(request, *args, **kwargs)

    return cacheable_view


class ReaderPageCacheMiddleware:
    """Serve and store the pages of views marked with `reader_page_cache`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _request_is_cacheable(request):
            return self.get_response(request)
        key = _page_key(request)
        found = cache.get_many([STATE_KEY, key])
        state = _current_or_new(found.get(STATE_KEY))
        stored = found.get(key)
        if stored is not None and stored[0] == state["generation"]:
            return _serve(request, stored)
        # Stored under the generation read before rendering: a write during the rendering
        # replaces it, so this page is never served after that write.
        response = self.get_response(request)
        if _response_is_cacheable(request, response):
            content = _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
            headers = {k: v for k, v in response.items() if k.lower() != HEADER.lower()}
            cache.set(key, (state["generation"], content, headers), _timeout(state))
            response[HEADER] = "miss"
        return response


def _serve(request, stored):
    from django.http import HttpResponse

    _generation, content, headers = stored
    if CSRF_PLACEHOLDER in content:
        # This reader's own token; the CSRF middleware sets their cookie if needed.
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response[HEADER] = "hit"
    return response


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
