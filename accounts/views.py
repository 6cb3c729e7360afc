from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import two_factor
from accounts.forms import CodeForm, EnrolForm


def _switched_on(view):
    """The pages exist only while LDN_STAFF_TWO_FACTOR is on: otherwise nobody is asked for a
    code, and a page saying "two-factor sign-in is on" would be untrue."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.STAFF_TWO_FACTOR_REQUIRED:
            raise Http404("Two-factor sign-in is switched off on this site.")
        return view(request, *args, **kwargs)

    return wrapper


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return "/admin/"


def _wait_message(seconds):
    # django-otp doubles the wait after each wrong code, so guessing takes years.
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit}, then try again."


def _context(request, **extra):
    return {**admin.site.each_context(request), "next": _next_url(request), **extra}


@never_cache
@sensitive_post_parameters("code")
@_switched_on
@staff_member_required
def setup(request):
    """Enrol an authenticator app: scan the code (or type the key), confirm with one code."""
    user = request.user
    if two_factor.is_enrolled(user):
        if not user.is_verified():
            return redirect("two_factor_verify")
        if request.method == "POST" and "renew" in request.POST:
            codes = two_factor.renew_recovery_codes(request)
            return render(
                request,
                "accounts/recovery_codes.html",
                _context(request, codes=codes, title="New recovery codes"),
            )
        return render(
            request, "accounts/two_factor_done.html", _context(request, title="Two-factor sign-in")
        )
    device = two_factor.pending_app_device(user)
    form = EnrolForm(request.POST or None)
    wait = two_factor.wait_seconds(device)
    if form.is_valid() and wait:
        form.add_error("code", _wait_message(wait))
    elif form.is_valid():
        codes = two_factor.enrol(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "accounts/recovery_codes.html",
                _context(request, codes=codes, title="Your recovery codes"),
            )
        form.add_error(
            "code",
            "That code did not match. Check the app shows this account, "
            "wait for a new code and type it.",
        )
    context = _context(
        request,
        title="Set up two-factor sign-in",
        form=form,
        qr_code=two_factor.qr_code_data_uri(device),
        key=two_factor.readable_key(device),
        required=two_factor.is_required(user),
    )
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@sensitive_post_parameters("code")
@_switched_on
@staff_member_required
def verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request.user
    if not two_factor.is_enrolled(user):
        return redirect("two_factor_setup")
    if user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    wait = two_factor.wait_seconds(two_factor.app_device(user))
    if form.is_valid():
        if wait:
            form.add_error("code", _wait_message(wait))
        elif two_factor.verify(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        else:
            form.add_error(
                "code",
                "That code is not right. Type the code the app shows now, or a recovery code.",
            )
    return render(
        request,
        "accounts/two_factor_verify.html",
        _context(request, title="Enter your code", form=form),
    )
