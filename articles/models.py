"""Articles: versioned educational pieces, their authors, topics and disclaimers.

Vocabulary follows Wagtail's revisions: an `Article` is a stable identity with an editable
working copy; every content change is saved as an immutable `ArticleVersion`; publishing
points `live_version` at one of them. Readers only ever see `live_version`.
"""

import datetime
import math

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags

from articles import search
from articles.richtext import RichTextField


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="As readers would say it.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Part of the topic's web address: /topics/<slug>/."
    )
    description = models.TextField(
        blank=True, help_text="One or two plain sentences shown on the topic page."
    )
    search_synonyms = models.CharField(
        max_length=300,
        blank=True,
        help_text=(
            "Other words readers search with, separated by commas "
            "(for example: LDN, naltrexone, low dose). Articles on this topic match them."
        ),
    )
    is_off_label = models.BooleanField(
        "off-label use",
        default=False,
        help_text=(
            "Tick for treatments not approved for this use. Articles on this topic then need "
            "an evidence note before they can be published."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", args=[self.slug])

    @property
    def synonym_list(self):
        return [word.strip() for word in self.search_synonyms.split(",") if word.strip()]


class Author(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(
        max_length=150, unique=True, help_text="Part of the author page's address."
    )
    credentials = models.CharField(
        "role or credentials",
        max_length=150,
        help_text="Shown beside the name, e.g. 'patient advocate', 'RN', 'rheumatologist'.",
    )
    bio = models.TextField(blank=True, help_text="A short plain-text biography.")
    photo = models.ImageField(upload_to="authors/", blank=True, help_text="Optional portrait.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account of this author, if they have one.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.slug])


class DisclaimerQuerySet(models.QuerySet):
    def default(self):
        return self.filter(is_default=True).first()


class Disclaimer(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="For staff: which text this is.")
    text = models.TextField(help_text="Plain text shown at the foot of the article.")
    is_default = models.BooleanField(
        default=False,
        help_text="The general medical disclaimer, preselected on new articles. Exactly one.",
    )

    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_disclaimer"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.is_default:
                Disclaimer.objects.filter(is_default=True).exclude(pk=self.pk).update(
                    is_default=False
                )
            super().save(*args, **kwargs)


def default_disclaimer_id():
    disclaimer = Disclaimer.objects.default()
    return disclaimer.pk if disclaimer else None


class OrganizationPolicy(models.Model):
    """The organization's standard trust statements (one row). Articles may override each."""

    funding_statement = models.TextField(
        "funding and conflicts of interest",
        blank=True,
        help_text=(
            "Who funds the organization and any conflicts of interest, in plain words. Shown "
            "on every article that does not give its own statement."
        ),
    )
    advertising_statement = models.TextField(
        "advertising",
        blank=True,
        default="We carry no advertising and accept no money to publish or promote content.",
        help_text="Shown on every article that does not give its own statement.",
    )

    class Meta:
        verbose_name = "organization policy"
        verbose_name_plural = "organization policy"

    def __str__(self):
        return "Organization policy"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls):
        """The single policy row, created with its defaults the first time it is asked for."""
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


WORDS_PER_MINUTE = 200


def reading_minutes(html):
    """Minutes to read `html` at WORDS_PER_MINUTE, rounded up, at least 1."""
    words = len(strip_tags(html or "").split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


class ImageLicence(models.TextChoices):
    ORGANIZATION = "organization", "Owned by the organization"
    PERMISSION = "permission", "Used with written permission"
    CREATIVE_COMMONS = "creative-commons", "Creative Commons licence"
    PUBLIC_DOMAIN = "public-domain", "Public domain"
    STOCK = "stock", "Licensed stock image"


class SourceKind(models.TextChoices):
    STUDY = "study", "Study"
    REVIEW = "review", "Review"
    GUIDELINE = "guideline", "Guideline"
    NEWS = "news", "News"
    OPINION = "opinion", "Opinion"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"
    ARCHIVED = "archived", "Archived"


class ArticleQuerySet(models.QuerySet):
    def not_trashed(self):
        return self.filter(trashed_at__isnull=True)

    def trashed(self):
        return self.filter(trashed_at__isnull=False)

    def purgeable(self, now=None):
        """Trashed articles kept longer than settings.TRASH_RETENTION_DAYS: those may be emptied."""
        now = now or timezone.now()
        return self.filter(
            trashed_at__lt=now - datetime.timedelta(days=settings.TRASH_RETENTION_DAYS)
        )

    def empty_trash(self, now=None):
        """Delete, for good and with their versions, trashed articles past the retention period.

        Returns how many articles were deleted. Newer trashed articles are left alone.
        """
        with transaction.atomic():
            ids = list(self.trashed().purgeable(now).values_list("pk", flat=True))
            # Unhook the PROTECTed version pointers first so the cascade can remove versions.
            Article.objects.filter(pk__in=ids).update(live_version=None, latest_version=None)
            Article.objects.filter(pk__in=ids).delete()
        return len(ids)

    def live(self, at=None):
        """Articles readers may see right now. The query decides; no job flips a flag.

        An article is live when it is published, has a live version, its go-live time has
        passed (or none is set), its expiry has not (or none is set), and it is not in the trash.
        """
        now = at or timezone.now()
        return self.not_trashed().filter(
            Q(go_live_at__isnull=True) | Q(go_live_at__lte=now),
            Q(expire_at__isnull=True) | Q(expire_at__gt=now),
            status=ArticleStatus.PUBLISHED,
            live_version__isnull=False,
        )

    def with_live_snapshot(self):
        """With the live version in the same query, less what only search reads: its vector,
        and its body column (the snapshot `content` carries the body too)."""
        return self.select_related("live_version").defer(
            "live_version__body", "live_version__search_vector"
        )

    def search(self, q):
        """Articles matching a reader's query `q`, best match first (see articles.search)."""
        return search.search(self, q)


class Article(models.Model):
    # Identity and workflow ----------------------------------------------------------------
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The article's web address: /articles/<slug>/."
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    live_version = models.ForeignKey(
        "ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="The version readers see.",
    )
    latest_version = models.ForeignKey(
        "ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    has_unpublished_changes = models.BooleanField(default=False, editable=False)
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    go_live_at = models.DateTimeField(
        "go live at",
        null=True,
        blank=True,
        help_text=(
            "Optional. A published article appears to readers only from this moment. "
            "Leave empty to go live as soon as it is published."
        ),
    )
    expire_at = models.DateTimeField(
        "expire at",
        null=True,
        blank=True,
        help_text="Optional. The article disappears from the site at this moment.",
    )
    featured = models.BooleanField(
        default=False, help_text="Show this article among the featured ones on the home page."
    )
    review_requested_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When an author asked for review."
    )
    trashed_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # Working copy: what the next version will hold ---------------------------------------
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=250, blank=True)
    summary = models.TextField(
        max_length=400,
        help_text="Two or three plain sentences. Shown in lists and search results, and as "
        "the page description for search engines.",
    )
    body = RichTextField(blank=True, help_text="The article itself: headings, lists, links.")
    cautions = models.TextField(
        blank=True,
        help_text=(
            "Cautions specific to this article, one per line, shown in a box apart from the "
            "body (e.g. 'Not approved for lupus; talk to your rheumatologist first')."
        ),
    )
    evidence_note = models.TextField(
        blank=True,
        help_text=(
            "For off-label uses: in plain words, how strong the evidence is "
            "(e.g. 'two small trials in fibromyalgia; none in lupus')."
        ),
    )
    funding_statement = models.TextField(
        blank=True,
        help_text="Leave empty to use the organization's standard funding and conflict statement.",
    )
    advertising_statement = models.TextField(
        blank=True,
        help_text="Leave empty to use the organization's standard statement on advertising.",
    )
    editor_note = models.TextField(
        "editor's note",
        blank=True,
        help_text=(
            "For staff only: never shown to readers and not part of any version (for example "
            "the reader questions that prompted the article)."
        ),
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    authors = models.ManyToManyField(
        Author, through="ArticleAuthor", blank=True, related_name="articles"
    )
    medical_reviewer = models.ForeignKey(
        Author,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text="Optional. The clinician who checked the article.",
    )
    disclaimer = models.ForeignKey(
        Disclaimer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        default=default_disclaimer_id,
        help_text="The medical disclaimer shown at the foot of the article.",
    )
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="When the content was last checked against the evidence."
    )
    next_review_due = models.DateField(
        null=True, blank=True, db_index=True, help_text="When it should be checked again."
    )

    # Hero image and its rights ------------------------------------------------------------
    image = models.ImageField(upload_to="articles/", blank=True, help_text="Optional hero image.")
    image_alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        help_text="Required with an image: what the image shows, for readers who cannot see it.",
    )
    image_caption = models.CharField("caption", max_length=300, blank=True)
    image_credit = models.CharField(
        "credit line", max_length=200, blank=True, help_text="Shown under the image."
    )
    image_rights_holder = models.CharField("rights holder", max_length=200, blank=True)
    image_licence = models.CharField(
        "licence",
        max_length=20,
        choices=ImageLicence.choices,
        default=ImageLicence.ORGANIZATION,
        blank=True,
    )
    image_permission_contact = models.CharField(
        "permission contact",
        max_length=200,
        blank=True,
        help_text="Who granted permission to use the image, and how to reach them.",
    )
    image_link_back_required = models.BooleanField("link back required", default=False)
    image_source_url = models.URLField("image source", blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-last_published_at", "-updated_at"]
        permissions = [
            ("publish_article", "Can publish, unpublish, schedule and restore articles"),
        ]
        indexes = [
            models.Index(fields=["status", "-last_published_at"], name="article_status_published"),
            # The demand dashboard's article impact: live articles, newest first to go live.
            models.Index(fields=["status", "-first_published_at"], name="article_status_first_pub"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    def is_live(self, at=None):
        return Article.objects.live(at=at).filter(pk=self.pk).exists()

    is_live.boolean = True

    # Versions and publishing ----------------------------------------------------------------
    def snapshot(self):
        """Everything a reader would see, as JSON-ready data (the content of a version)."""
        reviewer = self.medical_reviewer
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "summary": self.summary,
            "body": self.body,
            "cautions": [line.strip() for line in self.cautions.splitlines() if line.strip()],
            "evidence_note": self.evidence_note,
            "funding_statement": self.funding_statement,
            "advertising_statement": self.advertising_statement,
            # What readers see: the article's own statements or the organization's defaults,
            # frozen into the version so a later change of policy does not rewrite history.
            "statements": self._statements(),
            "reading_minutes": reading_minutes(self.body),
            "topics": [
                {"id": t.pk, "name": t.name, "slug": t.slug, "off_label": t.is_off_label}
                for t in self.topics.order_by("name")
            ],
            "authors": [
                _author_data(link.author)
                for link in self.article_authors.select_related("author").order_by("order", "pk")
            ],
            "medical_reviewer": _author_data(reviewer) if reviewer else None,
            "disclaimer": _disclaimer_data(self.disclaimer) if self.disclaimer else None,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "next_review_due": self.next_review_due.isoformat() if self.next_review_due else None,
            "image": self._image_data(),
            "sources": [
                {
                    "title": source.title,
                    "publisher": source.publisher,
                    "url": source.url,
                    "published_on": (
                        source.published_on.isoformat() if source.published_on else None
                    ),
                    "kind": source.kind,
                }
                for source in self.sources.order_by("order", "pk")
            ],
        }

    def _statements(self):
        policy = OrganizationPolicy.current()
        return {
            "funding": self.funding_statement.strip() or policy.funding_statement.strip(),
            "advertising": (
                self.advertising_statement.strip() or policy.advertising_statement.strip()
            ),
        }

    def _image_data(self):
        if not self.image:
            return None
        try:
            width, height = self.image.width, self.image.height
        except OSError:
            # The file went missing from storage; keep its rights data rather than fail a save.
            width = height = None
        return {
            "file": self.image.name,
            "width": width,
            "height": height,
            "alt": self.image_alt,
            "caption": self.image_caption,
            "credit": self.image_credit,
            "rights_holder": self.image_rights_holder,
            "licence": self.image_licence,
            "permission_contact": self.image_permission_contact,
            "link_back_required": self.image_link_back_required,
            "source_url": self.image_source_url,
        }

    def save_version(self, by=None, change_note="", note_is_public=False):
        """Record the working copy as a new version, if it differs from the latest one.

        Returns the new version, or None when nothing changed. A change to a live article
        needs a change note. Call after the article and its related rows are saved.
        """
        with transaction.atomic():
            locked = Article.objects.select_for_update().get(pk=self.pk)
            latest = locked.latest_version
            content = self.snapshot()
            if latest is not None and latest.content == content:
                return None
            if locked.live_version_id and not change_note.strip():
                raise ValidationError(
                    {"change_note": "This article is live: say what changed in a change note."}
                )
            version = ArticleVersion.objects.create(
                article=self,
                number=(latest.number + 1) if latest else 1,
                created_by=by,
                change_note=change_note.strip(),
                note_is_public=note_is_public,
                title=content["title"],
                summary=content["summary"],
                body=content["body"],
                content=content,
            )
            search.update_search_vector(version)
            self.latest_version = version
            self.has_unpublished_changes = True
            self.updated_by = by
            Article.objects.filter(pk=self.pk).update(
                latest_version=version,
                has_unpublished_changes=True,
                updated_by=by,
                updated_at=timezone.now(),
            )
            return version

    def publish(self, version=None, by=None):
        """Make `version` (default: the latest) the one readers see.

        Raises PublishBlocked listing what the publish checklist found missing.
        """
        version = version or self.latest_version
        if version is None or version.article_id != self.pk:
            raise PublishBlocked(["There is no saved version of this article to publish."])
        problems = version.publish_problems()
        if problems:
            raise PublishBlocked(problems)
        with transaction.atomic():
            now = timezone.now()
            self.live_version = version
            self.status = ArticleStatus.PUBLISHED
            self.first_published_at = self.first_published_at or now
            self.last_published_at = now
            self.review_requested_at = None
            self.has_unpublished_changes = version.pk != self.latest_version_id
            self.updated_by = by
            self.save(
                update_fields=[
                    "live_version",
                    "status",
                    "first_published_at",
                    "last_published_at",
                    "review_requested_at",
                    "has_unpublished_changes",
                    "updated_by",
                    "updated_at",
                ]
            )
        return version

    def unpublish(self, by=None):
        """Take the article off the site; its versions and live pointer stay for history."""
        self._set_status(ArticleStatus.UNPUBLISHED, by)

    def archive(self, by=None):
        self._set_status(ArticleStatus.ARCHIVED, by)

    def submit_for_review(self, by=None):
        self.review_requested_at = timezone.now()
        if self.status == ArticleStatus.DRAFT:
            self.status = ArticleStatus.IN_REVIEW
        self.updated_by = by
        self.save(update_fields=["review_requested_at", "status", "updated_by", "updated_at"])

    def restore(self, version, by=None):
        """Make `version`'s content the working copy again, saved as a new version.

        History is never rewritten: the result is version N+1 with the old content and the
        note "Restored version N". Topics, authors or a disclaimer deleted since are left out.
        Returns the new version, or None when the working copy already had that content.
        """
        if version.article_id != self.pk:
            raise ValueError("That version belongs to another article.")
        content = version.content
        with transaction.atomic():
            self.title = content.get("title", "")
            self.subtitle = content.get("subtitle", "")
            self.summary = content.get("summary", "")
            self.body = content.get("body", "")
            self.cautions = "\n".join(content.get("cautions", []))
            self.evidence_note = content.get("evidence_note", "")
            self.funding_statement = content.get("funding_statement", "")
            self.advertising_statement = content.get("advertising_statement", "")
            self.last_reviewed = _date_or_none(content.get("last_reviewed"))
            self.next_review_due = _date_or_none(content.get("next_review_due"))
            reviewer = content.get("medical_reviewer")
            self.medical_reviewer = (
                Author.objects.filter(pk=reviewer["id"]).first() if reviewer else None
            )
            disclaimer = content.get("disclaimer")
            self.disclaimer = (
                Disclaimer.objects.filter(pk=disclaimer["id"]).first() if disclaimer else None
            )
            self._restore_image(content.get("image"))
            self.save()
            self.topics.set(Topic.objects.filter(pk__in=[t["id"] for t in content["topics"]]))
            self.article_authors.all().delete()
            existing = Author.objects.in_bulk([a["id"] for a in content.get("authors", [])])
            ArticleAuthor.objects.bulk_create(
                ArticleAuthor(article=self, author=existing[a["id"]], order=order)
                for order, a in enumerate(content.get("authors", []))
                if a["id"] in existing
            )
            self.sources.all().delete()
            Source.objects.bulk_create(
                Source(
                    article=self,
                    order=order,
                    title=s["title"],
                    publisher=s.get("publisher", ""),
                    url=s.get("url", ""),
                    published_on=_date_or_none(s.get("published_on")),
                    kind=s.get("kind", SourceKind.STUDY),
                )
                for order, s in enumerate(content.get("sources", []))
            )
            return self.save_version(by=by, change_note=f"Restored version {version.number}")

    def _restore_image(self, image):
        image = image or {}
        self.image = image.get("file", "")
        self.image_alt = image.get("alt", "")
        self.image_caption = image.get("caption", "")
        self.image_credit = image.get("credit", "")
        self.image_rights_holder = image.get("rights_holder", "")
        self.image_licence = image.get("licence", ImageLicence.ORGANIZATION)
        self.image_permission_contact = image.get("permission_contact", "")
        self.image_link_back_required = image.get("link_back_required", False)
        self.image_source_url = image.get("source_url", "")

    # Trash ------------------------------------------------------------------------------------
    def move_to_trash(self, by=None):
        """Take the article off the site into the trash, with all its versions, undoably."""
        self.trashed_at = timezone.now()
        self.updated_by = by
        self.save(update_fields=["trashed_at", "updated_by", "updated_at"])

    def restore_from_trash(self, by=None):
        """Bring a trashed article back as it was (readers see it again if it was live)."""
        self.trashed_at = None
        self.updated_by = by
        self.save(update_fields=["trashed_at", "updated_by", "updated_at"])

    def _set_status(self, status, by):
        self.status = status
        self.updated_by = by
        self.save(update_fields=["status", "updated_by", "updated_at"])


def _date_or_none(value):
    return datetime.date.fromisoformat(value) if value else None


def _author_data(author):
    return {
        "id": author.pk,
        "name": author.name,
        "slug": author.slug,
        "credentials": author.credentials,
    }


def _disclaimer_data(disclaimer):
    return {"id": disclaimer.pk, "name": disclaimer.name, "text": disclaimer.text}


class PublishBlocked(Exception):
    """Publishing was refused; `problems` says in plain words what is missing."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author")
        ]

    def __str__(self):
        return str(self.author)


class Source(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    publisher = models.CharField(
        "publisher or site", max_length=200, blank=True, help_text="e.g. a journal or a website."
    )
    url = models.URLField("link", max_length=500, blank=True)
    published_on = models.DateField("date", null=True, blank=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.STUDY)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


class ArticleVersion(models.Model):
    """An immutable snapshot of everything a reader would see. Never edited, never deleted.

    `content` holds the whole snapshot; title, summary and body are also columns so lists
    and search need not unpack JSON.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_note = models.TextField(
        blank=True,
        help_text="What changed and why. Required when the article is live.",
    )
    note_is_public = models.BooleanField(
        "show note to readers",
        default=False,
        help_text="A substantive update readers should see in the article's list of changes.",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField()
    body = models.TextField(blank=True)
    content = models.JSONField(default=dict)
    # Filled for PostgreSQL full-text search; a GIN index is created by migration on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)
    # Title and topics (A) and summary (B) only: small enough to stay in the row, so ranking
    # many matches reads no out-of-line data (search_vector, with the body, is stored apart).
    rank_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["article", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.article_id} v{self.number}"

    def publish_problems(self):
        """The publish checklist for health content: what is missing, in plain words."""
        content = self.content
        problems = []
        if not content.get("authors"):
            problems.append("Add at least one author.")
        if not content.get("summary", "").strip():
            problems.append("Write a summary.")
        if not content.get("sources"):
            problems.append("Add at least one source.")
        if not content.get("disclaimer"):
            problems.append("Choose a disclaimer.")
        image = content.get("image")
        if image and not image.get("alt", "").strip():
            problems.append("Give the hero image alt text.")
        if image and not image.get("credit", "").strip():
            problems.append("Give the hero image a credit line.")
        if not content.get("last_reviewed"):
            problems.append("Set the last-reviewed date.")
        off_label = [t["name"] for t in content.get("topics", []) if t.get("off_label")]
        if off_label and not content.get("evidence_note", "").strip():
            problems.append(
                "Write an evidence note: this article covers an off-label use ("
                + ", ".join(off_label)
                + ")."
            )
        return problems


SEARCH_GAP_MAX_LENGTH = 100


def normalize_query(q):
    """A search as counted: the words the search used (lowercase, no punctuation, so no
    address or link survives), single spaces, at most 100 characters."""
    return " ".join(search.search_terms(str(q)))[:SEARCH_GAP_MAX_LENGTH].strip()


class SearchGapQuerySet(models.QuerySet):
    def record(self, q, client="", day=None):
        """Count one search for `q` that found nothing today, once per client address a day.

        Anyone can search, so what reaches the staff dashboard is bounded: a client counts
        once per query and day (a keyed hash in the cache, for a day; nothing about the
        reader is stored), and at most settings.SEARCH_GAP_DAILY_LIMIT different queries are
        counted a day. `top` shows only queries counted at least SEARCH_GAP_MIN_SEARCHES times.
        """
        query = normalize_query(q)
        if not query:
            return
        day = day or timezone.localdate()
        seen = salted_hmac("articles.search_gap", f"{day}|{client}|{query}").hexdigest()
        if not cache.add(f"search-gap:{seen}", 1, timeout=60 * 60 * 24):
            return
        with transaction.atomic():
            updated = self.filter(query=query, day=day).update(count=models.F("count") + 1)
            if updated or self.filter(day=day).count() >= settings.SEARCH_GAP_DAILY_LIMIT:
                return
            _, created = self.get_or_create(query=query, day=day, defaults={"count": 1})
            if not created:
                self.filter(query=query, day=day).update(count=models.F("count") + 1)

    def top(self, start_day, end_day, limit=20):
        """The most frequent zero-result queries between two days (both included), among
        those counted at least SEARCH_GAP_MIN_SEARCHES times."""
        return list(
            self.filter(day__gte=start_day, day__lte=end_day)
            .values("query")
            .annotate(searches=models.Sum("count"), days=models.Count("day"))
            .filter(searches__gte=settings.SEARCH_GAP_MIN_SEARCHES)
            .order_by("-searches", "query")[:limit]
        )


class SearchGap(models.Model):
    """How often readers searched for something and found no article: a content-gap signal.

    One row per normalized query per day; no address, user or session is stored.
    """

    query = models.CharField(max_length=SEARCH_GAP_MAX_LENGTH)
    day = models.DateField(default=timezone.localdate)
    count = models.PositiveIntegerField(default=0)

    objects = SearchGapQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-count"]
        constraints = [models.UniqueConstraint(fields=["query", "day"], name="unique_search_gap")]
        indexes = [models.Index(fields=["day"], name="search_gap_day")]

    def __str__(self):
        return f"{self.query} ({self.day}: {self.count})"
