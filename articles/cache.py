"""Page cache for the reader pages, with exact invalidation.

Whole pages for anonymous readers are kept in Django's cache under a key that includes a
*generation*. Every write that can change what a reader sees (an article, a version, a
source, a topic, an author, a disclaimer, an article's topics or authors) deletes the
generation, so the next request starts a new one and no old page is ever found again.
Scheduled changes need no job either: the generation also records the next moment a
published article goes live or expires, and once that moment has passed the generation is
replaced as if something had been saved.

The generation lives in the cache itself, so every app server that shares the cache (Redis
via REDIS_URL) sees a publish at once. A process-local cache (the default local memory)
cannot be cleared from another process, so the page cache is off unless the cache is shared
(settings.PAGE_CACHE, LDN_PAGE_CACHE).

Only anonymous GET and HEAD requests without a query string are served from the cache:
any request carrying a session or messages cookie, and any query string, goes to the view.
A response is stored only when it is a plain 200 that sets no cookie, varies on nothing but
cookies and encoding, and used no CSP nonce (a stored nonce would not match the next
response's header).

Pages with forms (the question form on every article page) stay cacheable: the CSRF token
is per reader, so it is stored as a placeholder and each reader's own token is put in when
the page is served. Django's CSRF middleware then sets the reader's cookie as usual.
"""

import hashlib
import re
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import timezone

STATE_KEY = "pagecache:state"
CSRF_PLACEHOLDER = b"__PAGECACHE_CSRF_TOKEN__"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
HEADER = "X-Page-Cache"
_CACHEABLE_VARY = {"cookie", "accept-encoding"}


def next_boundary(now):
    """The next moment a published article goes live or expires, as a timestamp, or None."""
    from articles.models import Article, ArticleStatus

    published = Article.objects.not_trashed().filter(
        status=ArticleStatus.PUBLISHED, live_version__isnull=False
    )
    moments = published.aggregate(
        go_live=Min("go_live_at", filter=Q(go_live_at__gt=now)),
        expire=Min("expire_at", filter=Q(expire_at__gt=now)),
    )
    upcoming = [moment for moment in moments.values() if moment is not None]
    return min(upcoming).timestamp() if upcoming else None


def current_state():
    """The generation pages are stored under, renewed when a scheduled moment has passed."""
    now = timezone.now()
    state = cache.get(STATE_KEY)
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


def _page_key(request, state):
    address = f"{request.get_host()}{request.path}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"pagecache:{state['generation']}:{digest}"


def _request_is_cacheable(request):
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if request.META.get("QUERY_STRING"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _response_is_cacheable(request, response):
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
    """Serve `view` from the page cache for anonymous readers (see the module docstring)."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _request_is_cacheable(request):
            return view(request, *args, **kwargs)
        state = current_state()
        key = _page_key(request, state)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            if CSRF_PLACEHOLDER in content:
                # This reader's own token; the CSRF middleware sets their cookie if needed.
                content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
            response = _rebuild(content, headers)
            response[HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if _response_is_cacheable(request, response):
            content = _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
            headers = {k: v for k, v in response.items() if k.lower() != HEADER.lower()}
            cache.set(key, (content, headers), _timeout(state))
            response[HEADER] = "miss"
        return response

    return cached_view


def _rebuild(content, headers):
    from django.http import HttpResponse

    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def _on_change(sender, **kwargs):
    invalidate()


def connect_signals():
    """Called from ArticlesConfig.ready(): every model a reader page shows clears the cache."""
    from articles.models import (
        Article,
        ArticleAuthor,
        ArticleVersion,
        Author,
        Disclaimer,
        Source,
        Topic,
    )

    for model in (Article, ArticleVersion, ArticleAuthor, Author, Disclaimer, Source, Topic):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"pagecache-delete-{model}")
    m2m_changed.connect(
        _on_change, sender=Article.topics.through, dispatch_uid="pagecache-article-topics"
    )
