"""Benchmark-only views, routed only when settings.BENCH_VIEWS (LDN_BENCH_VIEWS) is on."""

from django.http import HttpResponse, HttpResponseBadRequest

MAX_SIZE = 1024 * 1024
_HEAD = b"<!doctype html><html lang=en><title>Constant page</title><p>"


def constant_page(request, size):
    """A fixed page of `size` bytes through the full middleware stack and no database:
    the fastest any Django page can be on this machine with these settings."""
    if not len(_HEAD) <= size <= MAX_SIZE:
        return HttpResponseBadRequest("size out of range")
    return HttpResponse(_HEAD + b"x" * (size - len(_HEAD)), content_type="text/html")
