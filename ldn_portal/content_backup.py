"""Export and import of all content as one JSON document (export_content, import_content).

The document holds every topic, author, disclaimer, article with all its versions, byline
and sources, and every reader question, keeping their ids so links between them survive.
Users are named by user name only (no password hashes); media files are listed with their
size and SHA-256 so a restore can check the copied media folder. It complements pg_dump
(README, "Backup and restore"): it is readable, portable between SQLite and PostgreSQL, and
can leave readers' personal data out.
"""

import datetime
import hashlib
import re

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import connection, transaction

from articles import search
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
from articles.sanitize import clean_html
from inquiries.models import PERSONAL_FIELDS, Inquiry

FORMAT = "ldn-portal-content"
FORMAT_VERSION = 1
# In the order they can be inserted (versions and articles point at each other; the
# database checks those references at commit, so one transaction is enough).
MODELS = [
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
# Recomputed on import rather than carried: a database-specific index, empty on SQLite, and
# the change notes readers see (from the versions' own notes, never from the document).
NOT_EXPORTED = {"articles.articleversion": {"search_vector", "rank_vector", "public_change_notes"}}
USER_FIELDS = {
    "articles.author": ["user"],
    "articles.article": ["updated_by"],
    "articles.articleversion": ["created_by"],
    "inquiries.inquiry": ["assigned_to"],
}
# An <img src="/media/..."> in a body: uploads made through the editor.
_MEDIA_SRC = r"""src=["']?{media_url}([^"'\s>]+)"""


class ContentEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, but times keep their microseconds (it cuts them to ms)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class ImportRefused(Exception):
    """The document cannot be imported here; the message says why."""


def _fields(model):
    label = model._meta.label_lower
    skipped = NOT_EXPORTED.get(label, set())
    return [
        field.name
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if not field.primary_key and field.name not in skipped
    ]


def export_content(*, personal_data=True):
    """Everything, as a JSON-ready dict."""
    objects = []
    for model in MODELS:
        queryset = model.objects.order_by("pk")
        objects += serializers.serialize(
            "python", queryset, fields=_fields(model), use_natural_foreign_keys=True
        )
    if not personal_data:
        for item in objects:
            if item["model"] == "inquiries.inquiry":
                item["fields"].update(dict.fromkeys(PERSONAL_FIELDS, ""))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "contains_personal_data": personal_data,
        "users": _users(objects),
        "media": _media(objects),
        "objects": objects,
    }


def _users(objects):
    names = set()
    for item in objects:
        for field in USER_FIELDS.get(item["model"], []):
            if item["fields"].get(field):
                names.add(item["fields"][field][0])
    users = User.objects.filter(username__in=names).prefetch_related("groups").order_by("username")
    return [
        {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_staff": user.is_staff,
            "is_active": user.is_active,
            "groups": sorted(group.name for group in user.groups.all()),
        }
        for user in users
    ]


def _media(objects):
    """Every media file the content refers to, with its size and SHA-256 (or missing)."""
    names = set()
    src = re.compile(_MEDIA_SRC.format(media_url=re.escape(settings.MEDIA_URL)))
    for item in objects:
        fields = item["fields"]
        for key in ("image", "photo"):
            if fields.get(key):
                names.add(fields[key])
        bodies = [fields.get("body") or ""]
        content = fields.get("content") or {}
        bodies.append(content.get("body") or "")
        if content.get("image"):
            names.add(content["image"]["file"])
        for body in bodies:
            names.update(src.findall(body))
    return [_media_entry(name) for name in sorted(names)]


def _media_entry(name):
    if not default_storage.exists(name):
        return {"path": name, "missing": True}
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return {"path": name, "size": default_storage.size(name), "sha256": digest.hexdigest()}


def check_media(document):
    """Problems with the media folder against the document's list, in plain words."""
    problems = []
    for entry in document.get("media", []):
        if entry.get("missing"):
            continue
        found = _media_entry(entry["path"])
        if found.get("missing"):
            problems.append(f"missing: {entry['path']}")
        elif found["sha256"] != entry["sha256"]:
            problems.append(f"different content: {entry['path']}")
    return problems


def import_content(document):
    """Load an exported document into an empty content database; returns row counts."""
    if document.get("format") != FORMAT or document.get("version") != FORMAT_VERSION:
        raise ImportRefused(f"This is not an export of this site (format {FORMAT} 1).")
    occupied = [model._meta.verbose_name_plural for model in MODELS if model.objects.exists()]
    if occupied:
        raise ImportRefused(
            "The database already holds content ("
            + ", ".join(str(name) for name in occupied)
            + "). Import into a freshly migrated database."
        )
    objects = [_checked(item) for item in document["objects"]]
    counts = {}
    with transaction.atomic():
        _create_users(document.get("users", []))
        for deserialized in serializers.deserialize(
            "python", objects, handle_forward_references=True
        ):
            deserialized.save()
            label = deserialized.object._meta.label
            counts[label] = counts.get(label, 0) + 1
        for version in ArticleVersion.objects.all():
            search.update_search_vector(version)
        ArticleVersion.objects.all().fill_public_change_notes()
        _reset_sequences()
    return counts


def _checked(item):
    """Refuse what the admin would never store; sanitize HTML as every save does."""
    fields = dict(item["fields"])
    if item["model"] in {"articles.article", "articles.articleversion"}:
        fields["body"] = clean_html(fields.get("body") or "")
    if item["model"] == "articles.articleversion" and "body" in fields.get("content", {}):
        fields["content"] = {**fields["content"], "body": clean_html(fields["content"]["body"])}
    for key in ("url", "image_source_url"):
        if fields.get(key):
            try:
                URLValidator(schemes=["http", "https"])(fields[key])
            except ValidationError:
                raise ImportRefused(
                    f"{item['model']} {item.get('pk')}: {key} is not an http(s) address."
                ) from None
    return {**item, "fields": fields}


def _create_users(users):
    for data in users:
        user, created = User.objects.get_or_create(
            username=data["username"],
            defaults={
                key: data.get(key, default)
                for key, default in [
                    ("first_name", ""),
                    ("last_name", ""),
                    ("email", ""),
                    ("is_staff", False),
                    ("is_active", True),
                ]
            },
        )
        if created:
            # Nobody can sign in as a restored user until an administrator sets a password.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.set(Group.objects.filter(name__in=data.get("groups", [])))


def _reset_sequences():
    statements = connection.ops.sequence_reset_sql(no_style(), MODELS)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
