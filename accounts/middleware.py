from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import two_factor
from ldn_portal.middleware import service_unavailable


class StaffTwoFactorMiddleware:
    """Keeps a staff member who needs a second factor out of the staff area until they pass it.

    After django-otp's OTPMiddleware. The password step (the admin login, with its lockout)
    signs the session in; until the session is verified, every staff-area URL but the
    two-factor pages and sign-out sends them to enrol (no app yet) or to enter a code.
    While the setting is on, whoever has enrolled must pass it too, required or not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            redirect_to = self._gate(request)
        except (OperationalError, InterfaceError):
            # Reading the session or devices found the database gone: the same 503 page as
            # a view would give (DatabaseUnavailableMiddleware only sees views' exceptions).
            return service_unavailable()
        return redirect_to or self.get_response(request)

    def _gate(self, request):
        if not settings.STAFF_TWO_FACTOR_REQUIRED:
            return None
        if not request.path.startswith(tuple(settings.CSP_STAFF_AREA_PREFIXES)):
            return None
        user = request.user
        if not user.is_authenticated or not user.is_staff or user.is_verified():
            return None
        open_paths = (
            reverse("two_factor_setup"),
            reverse("two_factor_verify"),
            reverse("admin:logout"),
            reverse("admin:login"),
        )
        if request.path in open_paths:
            return None
        enrolled = two_factor.is_enrolled(user)
        if not enrolled and not two_factor.is_required(user):
            return None
        target = reverse("two_factor_verify" if enrolled else "two_factor_setup")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


class IdleSessionMiddleware:
    """Each request a signed-in person makes starts their idle period again.

    The session then ends SESSION_COOKIE_AGE seconds after the last request. Unlike
    SESSION_SAVE_EVERY_REQUEST it leaves sessions nobody read alone, and an answer of 500 or
    more (the database is gone) writes nothing, so the 503 page stays a 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        if session.accessed and response.status_code < 500 and session.get(SESSION_KEY):
            session.modified = True
        return response
