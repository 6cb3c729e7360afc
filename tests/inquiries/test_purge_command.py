import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from inquiries.models import Inquiry, Status
from tests.factories import make_inquiry, make_topic

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
PERSONAL = {"name": "Sam", "email": "sam@example.org", "client_hash": "ab" * 32}


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("purge_inquiry_pii", *args, stdout=out)
    return out.getvalue()


def test_blanks_personal_data_of_old_closed_inquiries_keeping_the_question(settings):
    settings.INQUIRY_PII_RETENTION_DAYS = 365
    topic = make_topic("Lupus")
    old = make_inquiry(
        "Old question", status=Status.CLOSED, received_at=timezone.now() - 400 * DAY,
        topics=[topic], **PERSONAL,
    )  # fmt: skip
    recent = make_inquiry(status=Status.CLOSED, received_at=timezone.now() - 30 * DAY, **PERSONAL)
    old_open = make_inquiry(status=Status.NEW, received_at=timezone.now() - 400 * DAY, **PERSONAL)
    output = _run()
    old.refresh_from_db(), recent.refresh_from_db(), old_open.refresh_from_db()
    assert (old.name, old.email, old.client_hash) == ("", "", "")
    assert old.question == "Old question" and list(old.topics.all()) == [topic]
    assert recent.email == "sam@example.org" and old_open.email == "sam@example.org"
    assert "Personal data removed from 1 closed inquiry" in output


def test_older_than_option_overrides_the_setting():
    make_inquiry(status=Status.CLOSED, received_at=timezone.now() - 40 * DAY, **PERSONAL)
    _run("--older-than", "30")
    assert Inquiry.objects.get().email == ""


def test_deletes_spam_older_than_30_days_only():
    make_inquiry("old spam", status=Status.SPAM, received_at=timezone.now() - 31 * DAY,
                 topics=[make_topic("Lupus")])  # fmt: skip
    make_inquiry("new spam", status=Status.SPAM, received_at=timezone.now() - 29 * DAY)
    output = _run()
    assert list(Inquiry.objects.values_list("question", flat=True)) == ["new spam"]
    assert "1 spam inquiry" in output


def test_second_run_changes_nothing():
    make_inquiry(status=Status.CLOSED, received_at=timezone.now() - 400 * DAY, **PERSONAL)
    make_inquiry(status=Status.SPAM, received_at=timezone.now() - 40 * DAY)
    _run()
    output = _run()
    assert "from 0 closed inquiries" in output and "0 spam inquiries" in output
    assert Inquiry.objects.count() == 1


def test_negative_days_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="zero or more"):
        _run("--older-than", "-1")
