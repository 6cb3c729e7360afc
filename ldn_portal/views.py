from django.db import DatabaseError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ldn_portal.context_processors import organization_notices


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """The 500 page, rendered from settings alone: the database may be the thing that failed."""
    return HttpResponseServerError(render_to_string("500.html", organization_notices()))
