from django.contrib import admin
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponseForbidden, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ldn_portal.context_processors import organization_notices


def _cache_status():
    """ "ok" or "unavailable": the cache is asked now, with its short timeout."""
    ping = getattr(cache, "ping", None)
    if ping is not None:
        return "ok" if ping() else "unavailable"
    try:
        cache.set("healthz", "ok", 10)
        return "ok" if cache.get("healthz") == "ok" else "unavailable"
    except (OSError, DatabaseError):
        return "unavailable"


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: 503 when the database does not answer.

    The cache is reported too, but only as information: the site works without it.
    """
    status = {"cache": _cache_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        status.update(status="unavailable", database="unavailable")
        return JsonResponse(status, status=503)
    return JsonResponse({"status": "ok", "database": "ok", **status})


def server_error(request):
    """The 500 page, rendered from settings alone: the database may be the thing that failed."""
    return HttpResponseServerError(render_to_string("500.html", organization_notices()))


def permission_denied(request, exception):
    """The 403 page. Staff get it in the admin's layout, saying what is missing and who can
    give it; readers get the site's own page."""
    if request.path.startswith("/admin/") and request.user.is_authenticated:
        context = {
            **admin.site.each_context(request),
            "title": "You do not have permission to open this page",
            "reason": str(exception) if str(exception) else "",
            "roles": list(request.user.groups.values_list("name", flat=True)),
        }
        return TemplateResponse(request, "admin/403.html", context, status=403).render()
    return HttpResponseForbidden(render_to_string("403.html", request=request))
