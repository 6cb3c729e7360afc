"""Second factor for staff sign-in: an authenticator app (TOTP) plus one-time recovery codes.

Built on django-otp's devices. The admin login page stays Django's own (user name and
password, under the django-axes lockout); right after it, StaffTwoFactorMiddleware sends a
staff member who needs a second factor to enrol (first time) or to enter a code, and lets them
into the staff area only once the session is verified.
"""

import io
from base64 import b32encode, b64encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEntry

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

# Who can publish or see readers' personal data must use a second factor.
SENSITIVE_PERMISSIONS = ("articles.publish_article", "inquiries.view_personal_data")


def is_required(user):
    """Whether `user` must pass a second factor before using the staff area."""
    if not settings.STAFF_TWO_FACTOR_REQUIRED or not user.is_staff:
        return False
    return user.is_superuser or any(user.has_perm(perm) for perm in SENSITIVE_PERMISSIONS)


def app_device(user, confirmed=True):
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def is_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user):
    """The not yet confirmed app device whose key is being shown (one per user)."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_data_uri(device):
    """The device's otpauth:// address as a QR code (SVG data URI: no request leaves us)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + b64encode(out.getvalue()).decode()


def readable_key(device):
    """The secret in base32, in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def _new_recovery_codes(user):
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def enrol(request, device, code):
    """Confirm `device` with a first `code` from the app; return the new recovery codes.

    Returns None (nothing changed) if the code is wrong.
    """
    if not device.verify_token(code.replace(" ", "")):
        AuditEntry.objects.record(Action.TWO_FACTOR_FAILED, request=request, during="enrolment")
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(request.user)
    _verified(request, device)
    AuditEntry.objects.record(
        Action.TWO_FACTOR_ENROLLED, request=request, obj=request.user, device="totp"
    )
    return codes


def verify(request, code):
    """Check a code from the app or a recovery code; mark the session verified if it holds.

    Returns "app", "recovery" or None. django-otp slows down repeated wrong codes
    (each failure doubles the wait before the next try is checked).
    """
    code = code.replace(" ", "").strip()
    user = request.user
    with transaction.atomic():
        device = app_device(user)
        if device is not None and code.isdigit() and device.verify_token(code):
            _verified(request, device)
            AuditEntry.objects.record(Action.TWO_FACTOR_VERIFIED, request=request)
            return "app"
        recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if recovery is not None and recovery.verify_token(code):
            _verified(request, recovery)
            AuditEntry.objects.record(
                Action.RECOVERY_CODE_USED,
                request=request,
                obj=user,
                codes_left=recovery.token_set.count(),
            )
            return "recovery"
    AuditEntry.objects.record(Action.TWO_FACTOR_FAILED, request=request, during="sign-in")
    return None


def wait_seconds(device):
    """Seconds before `device` checks another code (django-otp's throttling), or 0."""
    if device is None:
        return 0
    allowed, data = device.verify_is_allowed()
    locked_until = (data or {}).get("locked_until")
    if allowed or locked_until is None:
        return 0
    return max(1, int((locked_until - timezone.now()).total_seconds()) + 1)


def renew_recovery_codes(request):
    codes = _new_recovery_codes(request.user)
    AuditEntry.objects.record(Action.RECOVERY_CODES_RENEWED, request=request, obj=request.user)
    return codes


def _verified(request, device):
    # A new session key once fully signed in, so a key seen before the second factor is useless.
    request.session.cycle_key()
    otp_login(request, device)


@transaction.atomic
def reset(user, by):
    """Remove `user`'s app and recovery codes: their next sign-in enrols again."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    AuditEntry.objects.record(Action.TWO_FACTOR_RESET, by=by, obj=user)
    return removed
