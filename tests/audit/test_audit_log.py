import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import InternalError, connection, transaction
from django.utils import timezone

from articles.models import Article
from articles.signals import article_workflow
from audit.models import Action, AppendOnly, AuditEntry
from tests.accounts.helpers import sign_in
from tests.factories import make_article, make_inquiry, make_staff, role

pytestmark = pytest.mark.django_db

READER_EMAIL = "reader.private@example.org"
READER_NAME = "Rosalind Readerperson"


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def no_reader_data_in_the_log():
    dump = json.dumps(list(AuditEntry.objects.values()), default=str)
    return READER_EMAIL not in dump and READER_NAME not in dump


# The record() API ---------------------------------------------------------------------------
def test_record_appends_one_entry_with_who_what_and_details():
    edith = make_staff("edith", "Editors")
    article = make_article("Sun and lupus")

    entry = AuditEntry.objects.record(Action.ARTICLE_PUBLISH, by=edith, obj=article, version=3)

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.by, entry.by_username, entry.object_label) == (edith, "edith", "Sun and lupus")
    assert entry.object_id == str(article.pk) and entry.details == {"version": 3}
    assert abs(entry.at - timezone.now()) < datetime.timedelta(seconds=5)


def test_record_refuses_unknown_actions_and_personal_data_keys():
    with pytest.raises(ValueError, match="Unknown audit action"):
        AuditEntry.objects.record("publsh")
    with pytest.raises(ValueError, match="email"):
        AuditEntry.objects.record(Action.EXPORT, email=READER_EMAIL)


def test_an_inquiry_is_named_by_its_id_never_by_its_words():
    inquiry = make_inquiry(name=READER_NAME, email=READER_EMAIL)

    entry = AuditEntry.objects.record(Action.PERSONAL_DATA_VIEWED, obj=inquiry)

    assert entry.object_label == f"inquiry {inquiry.pk}"


def test_entries_cannot_be_changed_or_deleted():
    entry = AuditEntry.objects.record(Action.EXPORT, rows=1)

    entry.details = {"rows": 0}
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(details={})
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).details == {"rows": 1}


@pytest.mark.postgres
def test_on_postgresql_the_database_refuses_changes_and_deletions_too():
    if connection.vendor != "postgresql":
        pytest.skip("The trigger exists on PostgreSQL only")
    entry = AuditEntry.objects.record(Action.EXPORT, rows=1)

    for sql in (
        "UPDATE audit_auditentry SET action = 'sign_in' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(InternalError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).action == Action.EXPORT


def test_deleting_a_staff_account_keeps_its_entries():
    edith = make_staff("edith", "Editors")
    AuditEntry.objects.record(Action.EXPORT, by=edith, rows=1)

    edith.delete()

    assert AuditEntry.objects.filter(by_username="edith", action=Action.EXPORT).exists()


def test_the_retention_purge_removes_only_old_entries_and_records_itself(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = AuditEntry.objects.create(
        action=Action.EXPORT, at=timezone.now() - datetime.timedelta(days=31), details={}
    )
    recent = AuditEntry.objects.record(Action.EXPORT, rows=2)
    out = io.StringIO()

    call_command("purge_audit_log", stdout=out)

    assert "Deleted 1 audit entry older than 30 days" in out.getvalue()
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert entries(Action.AUDIT_PURGE)[0].details == {"deleted": 1, "retention_days": 30}


# Sign-ins -----------------------------------------------------------------------------------
def test_sign_ins_failures_and_lockouts_are_recorded_without_typed_names(client):
    edith = make_staff("edith", "Editors")

    sign_in(client, "edith")
    sign_in(client, "nobody-such", "wrong password")
    for _ in range(5):
        sign_in(client, "edith", "wrong password")

    signed_in = entries(Action.SIGN_IN)[0]
    assert (signed_in.by, signed_in.ip_address) == (edith, "203.0.113.7")
    failed = entries(Action.SIGN_IN_FAILED)
    assert failed[0].by is None and failed[0].details == {"known_user": False}
    assert "nobody-such" not in json.dumps(list(AuditEntry.objects.values()), default=str)
    assert [entry.by for entry in failed[1:]] == [edith] * 5
    assert entries(Action.LOCKOUT)[0].by == edith


# Roles and permissions ----------------------------------------------------------------------
def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [],
        "user_permissions": [],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_role_given_in_the_admin_is_recorded_with_who_gave_it(client):
    boss = make_staff("boss", superuser=True)
    newcomer = User.objects.create_user("nadia", password="x" * 14)
    editors = role("Editors")
    client.force_login(boss)

    response = client.post(
        f"/admin/auth/user/{newcomer.pk}/change/",
        user_form(newcomer, is_staff="on", groups=[editors.pk]),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    roles = entries(Action.ROLES_CHANGED)[0]
    assert (roles.by, roles.object_id, roles.details) == (
        boss,
        str(newcomer.pk),
        {"added": ["Editors"]},
    )
    flags = entries(Action.ACCOUNT_FLAGS_CHANGED)[0]
    assert (flags.by, flags.details) == (boss, {"is_staff": True})

    client.post(f"/admin/auth/user/{newcomer.pk}/change/", user_form(newcomer, is_staff="on"))
    assert entries(Action.ROLES_CHANGED)[1].details == {"removed": ["Editors"]}


def test_permission_changes_of_a_user_and_of_a_role_are_recorded():
    edith = make_staff("edith")
    editors = role("Editors")
    permission = Permission.objects.get(codename="view_personal_data")

    edith.user_permissions.add(permission)
    editors.permissions.remove(Permission.objects.get(codename="publish_article"))
    Group.objects.get(name="Editors").user_set.add(edith)

    assert entries(Action.USER_PERMISSIONS_CHANGED)[0].details == {"added": [str(permission)]}
    assert entries(Action.ROLE_PERMISSIONS_CHANGED)[0].object_label == "Editors"
    assert entries(Action.ROLES_CHANGED)[0].details == {"added": ["Editors"]}


def test_making_someone_a_superuser_is_recorded():
    edith = make_staff("edith")

    edith.is_superuser = True
    edith.save()

    assert entries(Action.ACCOUNT_FLAGS_CHANGED)[0].details == {"is_superuser": True}


# Articles -----------------------------------------------------------------------------------
def test_publishing_in_the_admin_is_recorded_with_the_version(
    client, django_capture_on_commit_callbacks
):
    edith = make_staff("edith", "Editors")
    article = make_article("Sun and lupus", by=edith)
    client.force_login(edith)

    # The article signals are sent once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/articles/article/{article.pk}/publish/", {"version": 1})
        client.post(f"/admin/articles/article/{article.pk}/unpublish/", {"version": 1})

    published = entries(Action.ARTICLE_PUBLISH)[0]
    assert (published.by, published.object_id, published.details) == (
        edith,
        str(article.pk),
        {"version": 1},
    )
    assert entries(Action.ARTICLE_UNPUBLISH)[0].by == edith


@pytest.mark.parametrize("action", ["schedule", "cancel_schedule", "schedule_unpublish"])
def test_every_workflow_signal_is_recorded(action):
    edith = make_staff("edith", "Editors")
    article = make_article("Sun and lupus")

    article_workflow.send(sender=Article, article=article, action=action, version=None, by=edith)

    assert entries(f"article_{action}")[0].object_id == str(article.pk)


# Readers' personal data ---------------------------------------------------------------------
def test_opening_an_inquiry_with_personal_data_is_recorded_by_id(client):
    inquiry = make_inquiry(name=READER_NAME, email=READER_EMAIL)
    sam = make_staff("sam", "Inquiry staff")
    client.force_login(sam)

    response = client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/")

    assert READER_EMAIL in response.content.decode()
    viewed = entries(Action.PERSONAL_DATA_VIEWED)
    assert [(e.by, e.object_id) for e in viewed] == [(sam, str(inquiry.pk))]
    assert no_reader_data_in_the_log()


def test_opening_an_inquiry_without_personal_data_is_not_a_personal_data_view(client):
    inquiry = make_inquiry(name=READER_NAME, email=READER_EMAIL)
    volunteer = make_staff("vic")
    volunteer.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    client.force_login(volunteer)

    assert client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/").status_code == 200

    assert entries(Action.PERSONAL_DATA_VIEWED) == []


def test_csv_exports_are_recorded_with_rows_and_personal_data(client):
    make_inquiry(name=READER_NAME, email=READER_EMAIL)
    make_inquiry()
    sam = make_staff("sam", "Inquiry staff")
    client.force_login(sam)

    b"".join(client.get("/admin/inquiries/inquiry/export/").streaming_content)

    export = entries(Action.EXPORT)[0]
    assert export.by == sam
    assert export.details == {"what": "inquiries CSV", "rows": 2, "personal_data": True}
    assert no_reader_data_in_the_log()


def test_deleting_readers_questions_in_the_admin_is_recorded_by_id(client):
    one = make_inquiry(name=READER_NAME, email=READER_EMAIL)
    two, three = make_inquiry(), make_inquiry()
    sam = make_staff("sam", "Inquiry staff")
    client.force_login(sam)

    client.post(f"/admin/inquiries/inquiry/{one.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/inquiries/inquiry/",
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
    )

    erased = entries(Action.ERASURE)
    assert sorted(int(e.object_id) for e in erased) == [one.pk, two.pk, three.pk]
    assert {e.by for e in erased} == {sam}
    assert no_reader_data_in_the_log()


def test_content_exports_and_purges_are_recorded(tmp_path):
    make_inquiry(name=READER_NAME, email=READER_EMAIL)

    call_command("export_content", "--without-personal-data", output=str(tmp_path / "c.json"))
    call_command("purge_inquiry_pii", stdout=io.StringIO())

    export = entries(Action.EXPORT)[0]
    assert export.details["what"] == "content export"
    assert export.details["personal_data"] is False and export.details["rows"] >= 1
    purge = entries(Action.PURGE)[0]
    assert purge.details["what"] == "inquiry personal data"
    assert no_reader_data_in_the_log()


# The log in the admin -----------------------------------------------------------------------
def test_superusers_read_filter_and_export_the_log(client):
    boss = make_staff("boss", superuser=True)
    edith = make_staff("edith", "Editors")
    article = make_article("Sun and lupus")
    AuditEntry.objects.record(Action.ARTICLE_PUBLISH, by=edith, obj=article, version=1)
    AuditEntry.objects.record(Action.EXPORT, by=boss, rows=3)
    client.force_login(boss)

    listing = client.get("/admin/audit/auditentry/", {"by_username": "edith"}).content.decode()
    assert "article published" in listing and "Sun and lupus" in listing
    assert "rows" not in listing
    by_action = client.get("/admin/audit/auditentry/", {"action__exact": "export"})
    assert "Sun and lupus" not in by_action.content.decode()
    today = timezone.localdate()
    by_date = client.get(
        "/admin/audit/auditentry/",
        {"at__year": today.year, "at__month": today.month, "at__day": today.day},
    )
    assert "Sun and lupus" in by_date.content.decode()

    response = client.get("/admin/audit/auditentry/export/", {"by_username": "edith"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["at", "action", "by_username"]
    assert [row[1:3] for row in rows[1:]] == [["article_publish", "edith"]]
    assert entries(Action.EXPORT)[-1].details == {"what": "audit log", "rows": 1}


def test_nobody_can_add_change_or_delete_entries_in_the_admin(client):
    boss = make_staff("boss", superuser=True)
    entry = AuditEntry.objects.record(Action.EXPORT, by=boss, rows=3)
    client.force_login(boss)
    base = "/admin/audit/auditentry/"

    assert client.get(f"{base}add/").status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    page = client.get(f"{base}{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"action": "sign_in"}).status_code == 403
    delete_all = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    client.post(base, delete_all)
    assert AuditEntry.objects.get(pk=entry.pk).action == Action.EXPORT


def test_only_superusers_see_the_log(client):
    client.force_login(make_staff("edith", "Editors"))

    assert client.get("/admin/audit/auditentry/").status_code == 403
    assert client.get("/admin/audit/auditentry/export/").status_code == 403
    assert "Audit log" not in client.get("/admin/").content.decode()


def test_an_articles_page_links_to_its_own_entries_for_superusers(client):
    boss = make_staff("boss", superuser=True)
    article = make_article("Sun and lupus")
    other = make_article("Fatigue")
    AuditEntry.objects.record(Action.ARTICLE_PUBLISH, by=boss, obj=article, version=1)
    AuditEntry.objects.record(Action.ARTICLE_PUBLISH, by=boss, obj=other, version=1)
    client.force_login(boss)

    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    link = (
        page.split('">Audit entries for this article</a>')[0]
        .rsplit('href="', 1)[1]
        .replace("&amp;", "&")
    )
    listing = client.get(link)

    assert listing.status_code == 200
    assert "Sun and lupus" in listing.content.decode()
    assert "Fatigue" not in listing.content.decode()


def test_editors_do_not_get_the_audit_link(client):
    edith = make_staff("edith", "Editors")
    article = make_article("Sun and lupus")
    client.force_login(edith)

    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    assert "Audit entries for this article" not in page
