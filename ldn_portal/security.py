"""Site-wide security pieces: response headers, the staff-area policy and login lockout.

The settings that drive them live in ldn_portal/settings.py ("Security headers" and
"Login lockout"); SECURITY.md explains the threat each one answers.
"""

from axes.backends import AxesStandaloneBackend
from csp.decorators import csp
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.shortcuts import render


def _in_staff_area(request):
    return request.path_info.startswith(tuple(settings.CSP_STAFF_AREA_PREFIXES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with a second policy for the admin and the editor.

    Public pages get the strict CONTENT_SECURITY_POLICY. CKEditor 4 cannot run under it: it
    builds its toolbar and dialogs with inline event handlers and style attributes, evaluates
    generated code and writes the editing area into an iframe. So paths under the staff area
    prefixes get STAFF_CONTENT_SECURITY_POLICY instead. That area is reachable only by signed-in
    staff, and the HTML it loads was sanitized on save, so the looser script rules there do not
    reach readers. A view's own @csp decorator still wins.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and _in_staff_area(request):
            parts.config = settings.STAFF_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts


def reader_page_policy(view):
    """Serve a view under the staff area with the strict public policy.

    For admin views that show reader pages (previews): the content they render is what
    readers will get, so it must prove itself under the readers' policy, not the editor's.
    """
    return csp(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])(view)


class PermissionsPolicyMiddleware:
    """Tell browsers this site never uses powerful features (camera, location, ...)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, applied to logins that come in over the web.

    authenticate() without a request is only ever called by code an operator runs (management
    commands, Django's test client `login()`); axes would refuse it outright. Those calls
    cannot come from the network, so there is nothing to lock out and they pass through.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response, credentials):
    """The page shown while a user name and address pair is locked out (429)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    return render(request, "security/lockout.html", context, status=429)


def client_ip_address(request):
    """The address a login attempt came from, for the lockout.

    Behind DJANGO_TRUSTED_PROXY_COUNT proxies, each proxy appends the address it saw to
    X-Forwarded-For, so the client is the entry that many places from the right; anything
    further left was written by the client and cannot be trusted. Without proxies it is
    REMOTE_ADDR. Only the address is kept, never the rest of the request.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
