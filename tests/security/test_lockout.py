import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):
    User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    User.objects.create_user("colleague", password=PASSWORD, is_staff=True)


def attempt(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_five_times(client, username="editor", address="203.0.113.7"):
    for _ in range(5):
        response = attempt(client, username, "wrong password", address)
    return response


def test_five_failed_logins_lock_out_even_the_right_password(client, staff):
    fail_five_times(client)

    response = attempt(client, "editor", PASSWORD)

    assert response.status_code == 429
    assert b"Sign-in paused for 15 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failed_logins_do_not_lock_out(client, staff):
    for _ in range(4):
        attempt(client, "editor", "wrong password")

    response = attempt(client, "editor", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_lockout_of_one_user_leaves_other_users_at_the_same_address_alone(client, staff):
    fail_five_times(client, "editor")

    response = attempt(client, "colleague", PASSWORD)

    assert response.status_code == 302


def test_lockout_of_one_address_leaves_the_user_free_elsewhere(client, staff):
    fail_five_times(client, "editor", "203.0.113.7")

    response = attempt(client, "editor", PASSWORD, "198.51.100.20")

    assert response.status_code == 302


def test_lockout_ends_after_the_cool_off_time(client, staff):
    fail_five_times(client)
    assert attempt(client, "editor", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    response = attempt(client, "editor", PASSWORD)

    assert response.status_code == 302


def test_lockout_still_holds_just_before_the_cool_off_time_ends(client, staff):
    fail_five_times(client)

    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=14)
    )
    response = attempt(client, "editor", PASSWORD)

    assert response.status_code == 429


def test_a_successful_login_resets_the_failure_count(client, staff):
    for _ in range(4):
        attempt(client, "editor", "wrong password")
    assert attempt(client, "editor", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        attempt(client, "editor", "wrong password")
    response = attempt(client, "editor", PASSWORD)

    assert response.status_code == 302


def test_failure_records_keep_no_password(client, staff):
    fail_five_times(client)

    record = AccessAttempt.objects.get()
    assert "wrong password" not in record.post_data
    assert record.username == "editor"


def test_behind_a_proxy_the_forwarded_client_address_is_used(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "editor", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7",
        )

    other_client_same_proxy = client.post(
        LOGIN,
        {"username": "editor", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )

    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert other_client_same_proxy.status_code == 302


def test_test_client_login_with_a_password_still_works(client, staff):
    assert client.login(username="editor", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
