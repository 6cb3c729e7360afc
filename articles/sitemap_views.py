"""The sitemap as an index of sections (articles in pages, topics, authors), each kept rendered
in the cache and answered conditionally (ETag, Last-Modified, 304).

At 10,000 articles one sitemap took 1.6 s and 1.7 MB a request, and a few crawlers at once
slowed every reader page. Now each section page is rendered once per page-cache generation
(articles/cache.py: any change readers can see starts a new one, so a publish shows at once),
and a warm request is one cache read. The key holds the scheme and host, which the absolute
URLs in the XML depend on (the host lower-cased and checked against ALLOWED_HOSTS by Django).
"""

import hashlib

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import require_safe

from articles.cache import current_state
from articles.sitemaps import SITEMAPS

SECTION_URL_NAME = "articles:sitemap-section"
_KEPT_HEADERS = ("Content-Type", "Last-Modified", "X-Robots-Tag")


def _key(request, name):
    # Host names are case-insensitive: one entry (and lower-case URLs in it) for every spelling.
    request.META["HTTP_HOST"] = request.get_host().lower()
    address = f"{request.scheme}://{request.get_host()}|{name}|{current_state()['generation']}"
    return "sitemap:" + hashlib.sha256(address.encode()).hexdigest()


def _cached(request, name, render):
    """The response `render()` makes, from the cache when it was made under this generation;
    only 200s are kept. Answers If-None-Match / If-Modified-Since with 304."""
    key = _key(request, name)
    stored = cache.get(key)
    if stored is None:
        response = render()
        if response.status_code != 200:
            return response
        response.render()
        content = response.content
        headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
        headers["ETag"] = quote_etag(hashlib.sha256(content).hexdigest()[:32])
        stored = (content, headers)
        cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
    content, headers = stored
    response = HttpResponse(content)
    for header, value in headers.items():
        response[header] = value
    last_modified = parse_http_date_safe(headers.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=headers["ETag"], last_modified=last_modified, response=response
    )


@require_safe
def index(request):
    """/sitemap.xml: one entry per section page, with the section's newest change."""
    return _cached(
        request,
        "index",
        lambda: sitemap_views.index(request, SITEMAPS, sitemap_url_name=SECTION_URL_NAME),
    )


@require_safe
def section(request, section):
    """/sitemap-<section>.xml?p=N: one page of one section."""
    page = request.GET.get("p", "1")
    return _cached(
        request,
        f"{section}:{page}",
        lambda: sitemap_views.sitemap(request, SITEMAPS, section=section),
    )
