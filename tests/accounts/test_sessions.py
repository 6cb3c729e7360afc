import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.accounts.helpers import PASSWORD, sign_in
from tests.factories import make_staff
from tests.manage_command import run_manage

pytestmark = pytest.mark.django_db

EIGHT_HOURS = datetime.timedelta(hours=8)


def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_a_staff_session_ends_after_eight_idle_hours(client):
    make_staff("edith", "Editors")
    sign_in(client, "edith")
    row = session_row(client)
    assert abs(row.expire_date - (timezone.now() + EIGHT_HOURS)) < datetime.timedelta(minutes=1)

    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - datetime.timedelta(1))

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_each_request_starts_the_idle_period_again(client):
    make_staff("edith", "Editors")
    sign_in(client, "edith")
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Session.objects.filter(pk=session_row(client).pk).update(expire_date=soon)

    assert client.get("/admin/").status_code == 200

    assert session_row(client).expire_date > timezone.now() + EIGHT_HOURS - datetime.timedelta(
        minutes=1
    )


def test_the_session_cookie_dies_with_the_browser_when_asked(client, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    make_staff("edith", "Editors")

    response = sign_in(client, "edith")

    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


def test_production_defaults_end_sessions_at_browser_close_and_require_two_factor():
    show = (
        "from django.conf import settings as s; "
        "print(s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.STAFF_TWO_FACTOR_REQUIRED, "
        "s.SESSION_COOKIE_AGE)"
    )
    production = run_manage(
        "shell", "--no-imports", "-c", show, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 50
    )
    development = run_manage("shell", "--no-imports", "-c", show)

    assert production.stdout.split() == ["True", "True", "28800"], production.stderr
    assert development.stdout.split() == ["False", "False", "28800"], development.stderr


def test_passwords_need_at_least_twelve_characters(client):
    make_staff("edith", "Editors")
    client.post("/admin/login/", {"username": "edith", "password": PASSWORD})
    form = {"old_password": PASSWORD}

    short = client.post(
        "/admin/password_change/",
        {**form, "new_password1": "Qz7#lupus9x", "new_password2": "Qz7#lupus9x"},
    )
    assert "at least 12 characters" in short.content.decode()

    ok = client.post(
        "/admin/password_change/",
        {**form, "new_password1": "Qz7#lupus9xw", "new_password2": "Qz7#lupus9xw"},
    )
    assert ok.status_code == 302
