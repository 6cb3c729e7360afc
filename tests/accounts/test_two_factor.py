import re

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEntry
from tests.accounts.helpers import PASSWORD, app_code, enrol, sign_in
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


def actions(user):
    return list(AuditEntry.objects.filter(by=user).order_by("pk").values_list("action", flat=True))


def test_an_editor_is_sent_to_enrol_after_the_password_and_kept_out_until_then(client):
    make_staff("edith", "Editors")

    response = sign_in(client, "edith")
    assert response["Location"] == "/admin/"

    for url in ["/admin/", "/admin/articles/article/", "/ckeditor/browse/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/two-factor/setup/?next=")


def test_enrolment_with_a_real_code_shows_recovery_codes_and_opens_the_admin(client):
    edith = make_staff("edith", "Editors")
    sign_in(client, "edith")

    key, response = enrol(client)

    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=edith).confirmed
    assert client.get("/admin/").status_code == 200
    assert actions(edith) == [Action.SIGN_IN, Action.TWO_FACTOR_ENROLLED]


def test_a_wrong_code_at_enrolment_enrols_nothing(client):
    edith = make_staff("edith", "Editors")
    sign_in(client, "edith")
    client.get("/admin/two-factor/setup/")

    response = client.post("/admin/two-factor/setup/", {"code": "000000"})

    assert "That code did not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=edith, confirmed=True).exists()
    assert client.get("/admin/").status_code == 302


def test_the_next_sign_in_asks_for_a_code_and_accepts_only_the_right_one(client):
    edith = make_staff("edith", "Editors")
    sign_in(client, "edith")
    key, _ = enrol(client)
    client.post("/admin/logout/")

    response = sign_in(client, "edith")
    assert client.get("/admin/")["Location"].startswith("/admin/two-factor/verify/")
    response = client.post("/admin/two-factor/verify/?next=/admin/", {"code": "123456"})
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302

    # django-otp makes the next try wait a second after a failure; the test does not wait,
    # it clears the wait (the throttling itself is tested below).
    TOTPDevice.objects.filter(user=edith).update(throttling_failure_count=0)
    response = client.post(
        "/admin/two-factor/verify/?next=/admin/", {"code": app_code(key, steps_ahead=1)}
    )

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert actions(edith)[-2:] == [Action.TWO_FACTOR_FAILED, Action.TWO_FACTOR_VERIFIED]


def test_wrong_codes_in_a_row_make_the_next_try_wait(client):
    make_staff("edith", "Editors")
    sign_in(client, "edith")
    key, _ = enrol(client)
    client.post("/admin/logout/")
    sign_in(client, "edith")

    client.post("/admin/two-factor/verify/", {"code": "123456"})
    response = client.post("/admin/two-factor/verify/", {"code": app_code(key, steps_ahead=1)})

    assert "Too many wrong codes. Wait" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_signs_in_once(client):
    edith = make_staff("edith", "Editors")
    sign_in(client, "edith")
    _, response = enrol(client)
    code = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())[0]
    client.post("/admin/logout/")

    sign_in(client, "edith")
    response = client.post("/admin/two-factor/verify/", {"code": code})
    assert response["Location"] == "/admin/"
    assert Action.RECOVERY_CODE_USED in actions(edith)
    client.post("/admin/logout/")

    sign_in(client, "edith")
    response = client.post("/admin/two-factor/verify/", {"code": code})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_staff_who_can_neither_publish_nor_see_personal_data_are_not_asked(client):
    make_staff("arthur", "Authors")

    sign_in(client, "arthur")

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("groups, superuser", [(("Inquiry staff",), False), ((), True)])
def test_inquiry_staff_and_superusers_must_enrol(client, groups, superuser):
    make_staff("sam", *groups, superuser=superuser)

    sign_in(client, "sam")

    assert client.get("/admin/")["Location"].startswith("/admin/two-factor/setup/")


def test_with_the_setting_off_staff_sign_in_with_the_password_alone(client, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = False
    make_staff("edith", "Editors")

    sign_in(client, "edith")

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/two-factor/setup/").status_code == 404


def test_the_lockout_still_applies_with_two_factor_on(client):
    edith = make_staff("edith", "Editors")
    for _ in range(5):
        sign_in(client, "edith", "wrong password")

    response = sign_in(client, "edith", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Action.LOCKOUT in actions(edith)


def test_next_never_leaves_the_site(client):
    make_staff("edith", "Editors")
    sign_in(client, "edith")

    _, response = enrol(client, next_url="https://elsewhere.example/")

    assert 'href="/admin/"' in response.content.decode()


def test_a_superuser_resets_a_lost_phone_and_the_next_sign_in_enrols_again(client):
    edith = make_staff("edith", "Editors")
    boss = make_staff("boss", superuser=True)
    sign_in(client, "edith")
    enrol(client)
    client.post("/admin/logout/")

    with pytest.raises(CommandError, match="active superuser"):
        call_command("reset_two_factor", "edith", by="edith")
    call_command("reset_two_factor", "edith", by="boss")

    assert not TOTPDevice.objects.filter(user=edith).exists()
    entry = AuditEntry.objects.get(action=Action.TWO_FACTOR_RESET)
    assert (entry.by, entry.object_id) == (boss, str(edith.pk))
    sign_in(client, "edith")
    assert client.get("/admin/")["Location"].startswith("/admin/two-factor/setup/")


def test_the_admin_login_page_is_unchanged(client):
    response = client.get("/admin/login/")

    html = response.content.decode()
    assert 'id="login-form"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "otp" not in html


@pytest.mark.django_db(databases=[])
def test_a_lost_database_gives_staff_the_503_page_not_an_error(monkeypatch):
    from tests.ldn_portal.test_health import run_with_unreachable_database

    monkeypatch.setenv("LDN_STAFF_TWO_FACTOR", "true")
    result = run_with_unreachable_database(
        """
        client.cookies["sessionid"] = "a" * 32
        response = client.get("/admin/articles/article/")
        print(response.status_code)
        """
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "503"
