"""Small helpers that build realistic objects for tests (no JSON fixtures)."""

import datetime
import importlib
import itertools

from django.contrib.auth.models import Group, Permission, User
from django.utils.text import slugify

from articles.models import Article, ArticleAuthor, Author, Disclaimer, Source, Topic

_counter = itertools.count(1)


def make_topic(name=None, **fields):
    name = name or f"Topic {next(_counter)}"
    return Topic.objects.create(name=name, slug=fields.pop("slug", slugify(name)), **fields)


def make_author(name=None, **fields):
    name = name or f"Author {next(_counter)}"
    fields.setdefault("credentials", "patient advocate")
    return Author.objects.create(name=name, slug=fields.pop("slug", slugify(name)), **fields)


def default_disclaimer():
    return Disclaimer.objects.default() or Disclaimer.objects.create(
        name="General medical disclaimer",
        text="For information only; not a replacement for advice from your own doctor.",
        is_default=True,
    )


def make_article(title=None, *, topics=(), authors=None, sources=1, by=None, **fields):
    """A complete draft article with one saved version (ready to pass the publish checklist)."""
    title = title or f"Article {next(_counter)}"
    fields.setdefault("summary", f"A short summary of {title}.")
    fields.setdefault("body", f"<p>The body of {title}.</p>")
    fields.setdefault("last_reviewed", datetime.date(2026, 1, 15))
    fields.setdefault("disclaimer", default_disclaimer())
    article = Article.objects.create(title=title, slug=fields.pop("slug", slugify(title)), **fields)
    article.topics.set(topics)
    for order, author in enumerate(authors if authors is not None else [make_author()]):
        ArticleAuthor.objects.create(article=article, author=author, order=order)
    for number in range(sources):
        Source.objects.create(
            article=article,
            order=number,
            title=f"Source {number + 1} for {title}",
            publisher="Journal of Examples",
            url=f"https://example.org/source-{number + 1}",
        )
    article.save_version(by=by)
    return article


def make_live_article(title=None, **kwargs):
    article = make_article(title, **kwargs)
    article.publish(by=kwargs.get("by"))
    return article


def _role_definitions():
    """The roles as the data migrations define them: {group name: [(app label, codenames)]}."""
    articles_roles = importlib.import_module("articles.migrations.0003_roles")
    inquiry_staff = importlib.import_module("inquiries.migrations.0002_inquiry_staff_group")
    answering = importlib.import_module("inquiries.migrations.0007_reply_thread")
    roles = {name: [("articles", codes)] for name, codes in articles_roles.ROLES.items()}
    roles[inquiry_staff.GROUP] = [("inquiries", inquiry_staff.CODENAMES)]
    for name, codenames in answering.GRANTS.items():
        roles[name].append(("inquiries", codenames))
    return roles


def role(name):
    """The group `name`, recreated from its migrations' definitions if a flush removed it.

    Transactional tests (live_server) empty every table afterwards, groups included.
    """
    group, created = Group.objects.get_or_create(name=name)
    if created:
        for app_label, codenames in _role_definitions()[name]:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
    return group


def emergency_reply():
    """The emergency saved reply its migration creates, made again if a flush removed it."""
    from inquiries.models import SavedReply

    migration = importlib.import_module("inquiries.migrations.0007_reply_thread")
    reply, _ = SavedReply.objects.get_or_create(
        title="Urgent: emergency guidance",
        defaults={"body": migration.EMERGENCY_REPLY, "order": 0},
    )
    return reply


def make_staff(username, *groups, superuser=False):
    user = User.objects.create_user(
        username, password="correct horse battery staple", is_staff=True, is_superuser=superuser
    )
    for name in groups:
        user.groups.add(role(name))
    return user


def make_inquiry(question=None, *, topics=(), **fields):
    """A reader question (by default a new one from the web form, received now)."""
    from inquiries.models import Inquiry

    question = question or f"Question {next(_counter)}: is this safe with my lupus medicines?"
    inquiry = Inquiry.objects.create(question=question, **fields)
    inquiry.topics.set(topics)
    return inquiry


def make_hero_image(name="hero.jpg", size=(1600, 900), color=(40, 90, 140)):
    """A real JPEG saved as an article's hero image file (under the test MEDIA_ROOT)."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue(), name=name)
