from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from ldn_portal.context_processors import organization_notices

RETRY_AFTER_SECONDS = 30


def service_unavailable():
    """A 503 page that renders without the database, asking readers to retry shortly."""
    html = render_to_string("503.html", organization_notices())
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Never kept by a cache in front, which would go on serving the outage.
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into a friendly 503 instead of a 500.

    Only operational failures count (server gone, connection refused, timeout); a
    programming error in a query must still surface as a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return service_unavailable()
        return None
