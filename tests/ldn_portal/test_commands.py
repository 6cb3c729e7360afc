import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_ensure_local_staff_creates_one_superuser_and_prints_password_once(settings, capsys):
    settings.DEBUG = True

    call_command("ensure_local_staff")
    first = capsys.readouterr().out
    call_command("ensure_local_staff")
    second = capsys.readouterr().out

    assert User.objects.filter(is_staff=True).count() == 1
    password = first.split("Password: ")[1].split()[0]
    assert User.objects.get(username="localadmin").check_password(password)
    assert "Password" not in second


@pytest.mark.django_db
def test_ensure_local_staff_refuses_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("ensure_local_staff")
    assert not User.objects.exists()
