"""export_content and import_content: every row survives the round trip, nothing else."""

import datetime
import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleVersion,
    Author,
    Disclaimer,
    Source,
    Topic,
    VersionAuthor,
)
from inquiries.models import Inquiry, Status
from tests.factories import (
    make_article,
    make_author,
    make_hero_image,
    make_inquiry,
    make_live_article,
    make_staff,
    make_topic,
)

pytestmark = pytest.mark.django_db

TABLES = [
    Topic,
    Author,
    Disclaimer,
    Article,
    ArticleVersion,
    VersionAuthor,
    ArticleAuthor,
    Source,
    Inquiry,
]
LINK_TABLES = [Article.topics.through, ArticleVersion.topics.through, Inquiry.topics.through]
READER_EMAIL = "reader.private@example.net"
HOSTILE_BODY = "<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>"


USER_COLUMNS = {"user_id", "updated_by_id", "created_by_id", "assigned_to_id"}


def rows():
    """Every row of every content table, as plain values (ids included; users by name,
    as restored users get new ids)."""
    usernames = dict(User.objects.values_list("pk", "username"))
    table_rows = {
        model._meta.label: [
            {
                key: usernames.get(value) if key in USER_COLUMNS else value
                for key, value in row.items()
                if key != "search_vector"
            }
            for row in model.objects.order_by("pk").values()
        ]
        for model in TABLES
    }
    for through in LINK_TABLES:
        columns = [f.attname for f in through._meta.concrete_fields if not f.primary_key]
        table_rows[through._meta.label] = sorted(through.objects.values_list(*columns))
    return table_rows


def flush():
    Inquiry.objects.all().delete()
    ArticleAuthor.objects.all().delete()
    Source.objects.all().delete()
    Article.objects.update(latest_version=None, medical_reviewer=None)
    VersionAuthor.objects.all().delete()
    ArticleVersion.objects.all().delete()
    Article.objects.all().delete()
    Author.objects.all().delete()
    Topic.objects.all().delete()
    Disclaimer.objects.all().delete()


@pytest.fixture
def populated(settings):
    """Content of every kind: versions, live and draft, images, bylines, reader questions."""
    editor = make_staff("edna", "Editors")
    writer = make_staff("will", "Authors")
    answerer = make_staff("ines", "Inquiry staff")
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone", is_off_label=True)
    reviewer = make_author("Dr Rhea", credentials="rheumatologist", user=writer)
    default_storage.save("uploads/figure.png", ContentFile(b"\x89PNG fake bytes"))
    live = make_live_article(
        "Living with fatigue",
        topics=[lupus],
        authors=[make_author("Pat"), reviewer],
        sources=2,
        by=editor,
        medical_reviewer=reviewer,
        image=make_hero_image(),
        image_alt="A person resting",
        image_credit="Photo: the organization",
        body='<p>Rest <img src="/media/uploads/figure.png" alt="chart"></p>',
    )
    live.title = "Living with fatigue, updated"
    live.save()
    live.save_version(by=editor, change_note="Clearer title", note_is_public=True)
    live.publish(by=editor)
    live.title = "Working copy title"
    live.save()
    live.save_version(by=writer, change_note="Draft change")
    make_article("LDN and lupus", topics=[ldn], by=writer, evidence_note="Small trials only.")
    asked = make_inquiry(
        "Is LDN safe with hydroxychloroquine?",
        topics=[ldn, lupus],
        name="Rosa Reader",
        email=READER_EMAIL,
        reply_wanted=True,
        consent_given=True,
        consent_at=timezone.now(),
        consent_text_version="2025-01",
        client_hash="ab" * 32,
        source_article=live,
        source_version=live.live_version,
        related_article=live,
        related_article_role="answers",
        assigned_to=answerer,
        staff_notes="Ask Dr Rhea.",
        status=Status.ANSWERED,
        received_at=timezone.now() - datetime.timedelta(days=3),
    )
    make_inquiry("Where can I find a support group?", channel="phone")
    return {"editor": editor, "writer": writer, "answerer": answerer, "inquiry": asked}


def test_round_trip_restores_every_row_and_the_users(populated, tmp_path):
    before = rows()
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))
    flush()
    User.objects.filter(username__in=["edna", "will", "ines"]).delete()
    assert Article.objects.count() == 0

    call_command("import_content", str(backup))

    assert rows() == before
    assert all(len(table) > 0 for table in before.values())
    restored = User.objects.get(username="ines")
    assert not restored.has_usable_password()
    assert restored.is_staff
    assert list(restored.groups.values_list("name", flat=True)) == ["Inquiry staff"]
    assert Author.objects.get(name="Dr Rhea").user.username == "will"
    # The restored site works: the live article is live, and new rows get fresh ids.
    assert Article.objects.live().get().live_version.title == "Living with fatigue, updated"
    make_live_article("After the restore", topics=[Topic.objects.get(name="Lupus")])
    make_inquiry("A new question after the restore")


def test_export_leaves_out_the_search_vectors_that_import_recomputes(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))
    text = backup.read_text()

    assert '"title": "Living with fatigue, updated"' in text
    assert "search_vector" not in text and "rank_vector" not in text


def test_export_lists_media_files_with_size_and_checksum(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))

    media = {entry["path"]: entry for entry in json.loads(backup.read_text())["media"]}

    assert media["uploads/figure.png"]["size"] == len(b"\x89PNG fake bytes")
    assert len(media["uploads/figure.png"]["sha256"]) == 64
    hero = Article.objects.exclude(image="").get().image.name
    assert media[hero]["size"] == default_storage.size(hero)


def test_export_holds_no_password_hashes(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))
    text = backup.read_text()

    assert "pbkdf2" not in text and "password" not in text
    usernames = {user["username"] for user in json.loads(text)["users"]}
    assert usernames == {"edna", "will", "ines"}


def test_export_without_personal_data_blanks_readers_names_emails_and_hashes(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup), without_personal_data=True)
    document = json.loads(backup.read_text())

    assert READER_EMAIL not in backup.read_text()
    assert "Rosa Reader" not in backup.read_text()
    assert document["contains_personal_data"] is False
    inquiry = next(
        o
        for o in document["objects"]
        if o["model"] == "inquiries.inquiry" and o["pk"] == populated["inquiry"].pk
    )
    assert inquiry["fields"]["question"] == "Is LDN safe with hydroxychloroquine?"
    assert (inquiry["fields"]["name"], inquiry["fields"]["client_hash"]) == ("", "")


def test_export_to_standard_output_is_the_same_document(populated, capsys):
    call_command("export_content")

    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "ldn-portal-content"
    assert READER_EMAIL in json.dumps(document)


def test_import_into_a_database_with_content_is_refused(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))

    with pytest.raises(CommandError, match="already holds content"):
        call_command("import_content", str(backup))


def test_import_reports_missing_media_files(populated, tmp_path, capsys):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))
    flush()
    default_storage.delete("uploads/figure.png")

    call_command("import_content", str(backup))

    assert "Media file missing: uploads/figure.png" in capsys.readouterr().err


def test_import_sanitizes_html_and_refuses_script_links(populated, tmp_path):
    backup = tmp_path / "content.json"
    call_command("export_content", output=str(backup))
    document = json.loads(backup.read_text())
    for item in document["objects"]:
        if item["model"] == "articles.article":
            item["fields"]["body"] = (
                "<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>"
            )
    backup.write_text(json.dumps(document))
    flush()

    call_command("import_content", str(backup))

    assert all("<script" not in body and "onerror" not in body for body in bodies())
    flush()
    for item in document["objects"]:
        if item["model"] == "articles.source":
            item["fields"]["url"] = "javascript:alert(1)"
    backup.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="not an http"):
        call_command("import_content", str(backup))
    assert not Article.objects.exists()


def bodies():
    return list(Article.objects.values_list("body", flat=True))


def test_import_of_a_file_that_is_not_an_export_is_refused(tmp_path):
    not_json = tmp_path / "notes.txt"
    not_json.write_text("hello")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else"}))

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_content", str(not_json))
    with pytest.raises(CommandError, match="not an export"):
        call_command("import_content", str(other))
    assert Group.objects.filter(name="Editors").exists()
