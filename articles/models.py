"""Articles: versioned educational pieces, their authors, topics and disclaimers.

Vocabulary follows Wagtail's revisions: an `Article` is a stable identity with an editable
working copy; every content change is saved as an immutable `ArticleVersion`; publishing
gives a version its window with readers (`live_from`, like Wagtail's approved_go_live_at on a
revision), now or at a later moment. Readers only ever see the version whose window covers
the present (`live_version`), and the query decides which that is: no job runs at the moment.
"""

import datetime
import math
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, FilteredRelation, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags

from articles import content_checks, search
from articles.richtext import RichTextField
from articles.signals import article_workflow


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="As readers would say it.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Part of the topic's web address: /topics/this-part/.",
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


class ContentField(NamedTuple):
    """One part of what a version holds: its key in `ArticleVersion.content`, the label the
    compare page shows, and its kind (how it is read from the working copy, restored into
    it and compared; see Article._content_value and articles.diff)."""

    key: str
    label: str
    kind: str


# The article's content, declared once: snapshot(), restore(), the compare page
# (articles.diff) and the bulk seeder all derive from this list, so a new field cannot be
# left out of one of them. "statements" and "reading_minutes" are derived from the others
# (frozen into the version so a later change of policy does not rewrite history) and are
# never restored.
CONTENT_FIELDS = (
    ContentField("title", "Title", "text"),
    ContentField("slug", "Web address", "text"),
    ContentField("subtitle", "Subtitle", "text"),
    ContentField("summary", "Summary", "text"),
    ContentField("body", "Body", "html"),
    ContentField("cautions", "Cautions", "lines"),
    ContentField("evidence_note", "Evidence note", "text"),
    ContentField("funding_statement", "Funding statement", "text"),
    ContentField("advertising_statement", "Advertising statement", "text"),
    ContentField("statements", "Statements readers see", "statements"),
    ContentField("reading_minutes", "Reading time (minutes)", "reading_minutes"),
    ContentField("topics", "Topics", "topics"),
    ContentField("main_topic", "Main topic", "topic"),
    ContentField("authors", "Authors", "authors"),
    ContentField("medical_reviewer", "Medical reviewer", "person"),
    ContentField("disclaimer", "Disclaimer", "disclaimer"),
    ContentField("last_reviewed", "Last reviewed", "date"),
    ContentField("next_review_due", "Next review due", "date"),
    ContentField("image", "Hero image", "image"),
    ContentField("sources", "Sources", "sources"),
)
DERIVED_KINDS = ("statements", "reading_minutes")
# Restored after the article row is saved, from the rows they name.
RELATED_KINDS = ("topics", "authors", "sources")

# What workflow actions write, under a row lock. A save of the working copy never writes
# these (Article.save), so a save in flight cannot undo a publish, an unpublish or a trash.
WORKFLOW_FIELDS = (
    "status",
    "latest_version",
    "first_published_at",
    "last_published_at",
    "expire_at",
    "review_requested_at",
    "trashed_at",
)


def _open_window(prefix, at):
    """Versions whose time with readers covers `at` (Wagtail's approved_go_live_at is
    live_from; live_until is when the next scheduled version takes over)."""
    return Q(**{f"{prefix}live_from__lte": at}) & (
        Q(**{f"{prefix}live_until__isnull": True}) | Q(**{f"{prefix}live_until__gt": at})
    )


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
            articles = list(self.trashed().purgeable(now).select_for_update())
            ids = [article.pk for article in articles]
            # Unhook the PROTECTed version pointer first so the cascade can remove versions.
            Article.objects.filter(pk__in=ids).update(latest_version=None)
            Article.objects.filter(pk__in=ids).delete()
            for article in articles:
                _send_on_commit(article, "empty_trash", None, None)
        return len(ids)

    def with_live_version(self, at=None):
        """Join in, as `live_version`, the version whose time with readers covers `at` (now).

        Windows never overlap (workflow actions write them under the article's row lock), so
        this is at most one version per article. On these querysets `select_related(
        "live_version")` and lookups through `live_version__` work.
        """
        at = at or timezone.now()
        return self.annotate(
            live_version=FilteredRelation("versions", condition=_open_window("versions__", at))
        )

    def live(self, at=None):
        """Articles readers may see at `at` (now), with the version they see joined in as
        `live_version`. The query decides; no job flips a flag.

        An article is live when it is published, not in the trash, not past its "unpublish
        at" moment, and one of its versions is in its window: a version scheduled for later
        takes over from the one live now at its moment, without anything running.
        """
        at = at or timezone.now()
        return (
            self.not_trashed()
            .with_live_version(at)
            .filter(
                Q(expire_at__isnull=True) | Q(expire_at__gt=at),
                status=ArticleStatus.PUBLISHED,
                live_version__isnull=False,
            )
        )

    def with_live_snapshot(self):
        """With the live version in the same query, for reader pages: less what only search
        reads (its vector, and its body column: the snapshot `content` carries the body too),
        and less the article's working copy, which readers never see. Only on live()."""
        return (
            self.select_related("live_version")
            .only("slug", "featured", *WORKFLOW_FIELDS)
            .defer("live_version__body", "live_version__search_vector")
        )

    def filter_live_version(self, **lookups):
        """Filter on the live version's fields through the join live() made: a filter() through
        `live_version__` joins the versions a second time (Django joins a multi-valued
        relation anew in each filter() call)."""
        aliases, filters = {}, {}
        for lookup, value in lookups.items():
            field, _, rest = lookup.partition("__")
            aliases[f"live_{field}"] = F(f"live_version__{field}")
            filters["__".join(filter(None, [f"live_{field}", rest]))] = value
        return self.alias(**aliases).filter(**filters)

    def scheduled_unpublish(self, now=None):
        """Articles with an "unpublish at" moment still to come, soonest first."""
        now = now or timezone.now()
        return self.not_trashed().filter(expire_at__gt=now).order_by("expire_at", "pk")

    def search(self, q):
        """Articles matching a reader's query `q`, best match first (see articles.search)."""
        return search.search(self, q)


def scheduled_changes(now=None):
    """What will change for readers without anyone pressing a button, soonest first: versions
    waiting to go live and articles waiting to be unpublished. Dicts of `at`, `action`
    ("publish" or "unpublish"), `article` and `version` (None for an unpublish)."""
    now = now or timezone.now()
    changes = [
        {"at": v.live_from, "action": "publish", "article": v.article, "version": v}
        for v in ArticleVersion.objects.scheduled(now)
    ]
    changes += [
        {"at": a.expire_at, "action": "unpublish", "article": a, "version": None}
        for a in Article.objects.scheduled_unpublish(now)
    ]
    return sorted(changes, key=lambda change: (change["at"], change["article"].pk))


class Article(models.Model):
    # Identity and workflow ----------------------------------------------------------------
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text=(
            "The article's web address: /articles/this-part/. On a live article a new address "
            "takes effect when its version is published; the old one then redirects to it."
        ),
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    latest_version = models.ForeignKey(
        "ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    expire_at = models.DateTimeField(
        "unpublish at",
        null=True,
        blank=True,
        editable=False,
        help_text="Set by “Unpublish at”: the article leaves the site at this moment.",
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
    main_topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="What the article is mainly about. The question form under it selects this "
        "topic, so readers' questions from this page are counted under it. Empty: the first of "
        "its topics in alphabetical order.",
    )
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
            # The page cache's next moment (articles.cache.next_boundary): the next expiry.
            models.Index(fields=["expire_at"], name="article_expire_at"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Save the working copy. An existing article's workflow columns (WORKFLOW_FIELDS) are
        never written here: only workflow methods write them, under the row lock."""
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in WORKFLOW_FIELDS
            ]
            self._featured_changed = Article.objects.filter(
                pk=self.pk, featured=not self.featured
            ).exists()
        else:
            self._featured_changed = False
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The address readers know: the live version's slug (the working copy's before the
        first publish, for previews and staff links)."""
        live = self.live_version
        return reverse("articles:detail", args=[live.slug if live else self.slug])

    def is_live(self, at=None):
        return Article.objects.live(at=at).filter(pk=self.pk).exists()

    is_live.boolean = True

    # What readers see, derived ------------------------------------------------------------
    @property
    def live_version(self):
        """The version readers see now, or None. Joined in by Article.objects.live() and
        with_live_version(); otherwise read (once) from the versions' windows."""
        if "_live_version" not in self.__dict__:
            now = timezone.now()
            visible = (
                self.pk is not None
                and self.trashed_at is None
                and self.status == ArticleStatus.PUBLISHED
                and (self.expire_at is None or self.expire_at > now)
            )
            self._live_version = (
                self.versions.filter(_open_window("", now)).first() if visible else None
            )
        return self._live_version

    @live_version.setter
    def live_version(self, version):
        # select_related("live_version") on a FilteredRelation sets it this way.
        self._live_version = version

    @property
    def live_version_id(self):
        live = self.live_version
        return live.pk if live else None

    @property
    def scheduled_version(self):
        """The version waiting to go live (its moment is `live_from`), or None."""
        return self.versions.filter(live_from__gt=timezone.now()).first()

    @property
    def has_unpublished_changes(self):
        return self.latest_version_id is not None and self.latest_version_id != self.live_version_id

    def _forget_live_version(self):
        self.__dict__.pop("_live_version", None)

    def refresh_from_db(self, using=None, fields=None, **kwargs):
        super().refresh_from_db(using=using, fields=fields, **kwargs)
        # Loading a deferred working-copy field leaves the joined live version in place.
        if fields is None or set(fields) & set(WORKFLOW_FIELDS):
            self._forget_live_version()

    # Versions and publishing ----------------------------------------------------------------
    def snapshot(self):
        """Everything a reader would see, as JSON-ready data (the content of a version)."""
        return self.content_for(
            topics=self.topics.all(),
            authors=[link.author for link in self.article_authors.select_related("author")],
            sources=self.sources.order_by("order", "pk"),
        )

    def content_for(self, topics, authors, sources, policy=None):
        """The content of a version of this working copy with these related rows: `topics`,
        `authors` in byline order and `sources` in reader order. snapshot() reads them from
        the database; the bulk seeder passes its own, and so writes the same content."""
        related = {
            "topics": sorted(topics, key=lambda topic: (topic.name, topic.pk)),
            "authors": list(authors),
            "sources": list(sources),
            "policy": policy or OrganizationPolicy.current(),
        }
        return {field.key: self._content_value(field, related) for field in CONTENT_FIELDS}

    def _content_value(self, field, related):
        kind, key = field.kind, field.key
        if kind in ("text", "html"):
            return getattr(self, key)
        if kind == "lines":
            return [line.strip() for line in getattr(self, key).splitlines() if line.strip()]
        if kind == "date":
            value = getattr(self, key)
            return value.isoformat() if value else None
        if kind == "statements":
            return self._statements(related["policy"])
        if kind == "reading_minutes":
            return reading_minutes(self.body)
        if kind == "topics":
            return [
                {"id": t.pk, "name": t.name, "slug": t.slug, "off_label": t.is_off_label}
                for t in related["topics"]
            ]
        if kind == "authors":
            return [_author_data(author) for author in related["authors"]]
        if kind == "topic":
            topic = getattr(self, key)
            return {"id": topic.pk, "name": topic.name, "slug": topic.slug} if topic else None
        if kind == "person":
            person = getattr(self, key)
            return _author_data(person) if person else None
        if kind == "disclaimer":
            disclaimer = getattr(self, key)
            return _disclaimer_data(disclaimer) if disclaimer else None
        if kind == "image":
            return self._image_data()
        if kind == "sources":
            return [_source_data(source) for source in related["sources"]]
        raise ValueError(f"Unknown content kind {kind!r} for {key!r}.")

    def _statements(self, policy):
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

    def _lock(self):
        """This article's row, locked until the transaction ends: workflow actions and version
        numbering run one at a time per article."""
        return Article.objects.select_for_update().get(pk=self.pk)

    def _refresh_workflow(self, locked):
        for name in (*WORKFLOW_FIELDS, "updated_by", "updated_at"):
            setattr(self, name, getattr(locked, name))
        self.latest_version_id = locked.latest_version_id
        self._forget_live_version()

    def save_version(self, by=None, change_note="", note_is_public=False):
        """Record the working copy as a new version, if it differs from the latest one.

        Returns the new version, or None when nothing changed. A change to a live or scheduled
        article needs a change note. Call after the article and its related rows are saved.
        The number is the article's highest version number plus one, read under the row lock
        (and unique per article), so concurrent saves get consecutive numbers.
        """
        with transaction.atomic():
            locked = self._lock()
            latest = locked.versions.order_by("-number").first()
            content = self.snapshot()
            if latest is not None and latest.content == content:
                return None
            on_site = locked.live_version is not None or locked.scheduled_version is not None
            if on_site and not change_note.strip():
                raise ValidationError(
                    {"change_note": "This article is live: say what changed in a change note."}
                )
            number = (latest.number + 1) if latest else 1
            created_at = timezone.now()
            notes = list(latest.public_change_notes) if latest else []
            if note_is_public and change_note.strip():
                notes.insert(0, _public_note(number, created_at, change_note))
            version = ArticleVersion.objects.create(
                article=self,
                number=number,
                created_at=created_at,
                created_by=by,
                change_note=change_note.strip(),
                note_is_public=note_is_public,
                public_change_notes=notes,
                title=content["title"],
                summary=content["summary"],
                body=content["body"],
                content=content,
            )
            version.hold_reader_fields()
            search.update_search_vector(version)
            now = timezone.now()
            Article.objects.filter(pk=self.pk).update(
                latest_version=version, updated_by=by, updated_at=now
            )
            self.latest_version = version
            self.updated_by, self.updated_at = by, now
            return version

    def _version_named(self, version):
        """`version` (an ArticleVersion or its number) as saved for this article; None for the
        latest saved version."""
        versions = self.versions.all()
        if version is None:
            found = versions.order_by("-number").first()
        elif isinstance(version, ArticleVersion):
            found = versions.filter(pk=version.pk).first()
        else:
            found = versions.filter(number=version).first()
        if found is None:
            raise PublishBlocked(["There is no such saved version of this article to publish."])
        return found

    def publish(self, version=None, by=None, at=None, *, allow_newer=False):
        """Make `version` (an ArticleVersion or its number, as the editor saw it) the one
        readers see: now, or from `at` when that is in the future (scheduled; until then
        readers keep the version live now, or see nothing for a first publish).

        A newer schedule replaces an older one; a pending "unpublish at" is cleared. Raises
        NewerVersionExists (nothing changed) when a newer version has been saved, unless
        `allow_newer` (the editor has seen it and still means this one); PublishBlocked
        listing what the publish checklist found missing. `version=None` means the latest
        saved version (scripts and the demo; the admin always names one). Returns the version.
        """
        with transaction.atomic():
            locked = self._lock()
            version = self._version_named(version)
            latest = locked.versions.order_by("-number").first()
            if latest.number > version.number and not allow_newer:
                raise NewerVersionExists(version, latest)
            problems = version.publish_problems() + self._slug_problems(version)
            if problems:
                raise PublishBlocked(problems)
            now = timezone.now()
            scheduled = at is not None and at > now
            moment = at if scheduled else now
            current = locked.versions.filter(_open_window("", now)).first()
            if locked.status != ArticleStatus.PUBLISHED or (
                locked.expire_at is not None and locked.expire_at <= now
            ):
                # Readers see nothing now: a window left open by an expiry is closed.
                if current is not None:
                    current.close_window(now)
                current = None
            locked.versions.filter(live_from__gt=now).exclude(pk=version.pk).update(
                live_from=None, live_until=None
            )
            if current is not None and current.pk == version.pk:
                ArticleVersion.objects.filter(pk=version.pk).update(live_until=None)
            else:
                if current is not None:
                    current.close_window(moment)
                ArticleVersion.objects.filter(pk=version.pk).update(
                    live_from=moment, live_until=None
                )
            first = locked.first_published_at
            changes = {
                "status": ArticleStatus.PUBLISHED,
                "first_published_at": min(first, moment) if first else moment,
                "expire_at": None,
                "review_requested_at": None,
                "updated_by": by,
                "updated_at": now,
            }
            if not scheduled:
                # Reader lists sort on this; a schedule leaves it for its moment's version
                # (whose live_from readers see as "last updated").
                changes["last_published_at"] = now
            action = "schedule" if scheduled else "publish"
            version.refresh_from_db(fields=["live_from", "live_until"])
            self._write_workflow(locked, changes, action, version)
        return version

    def _slug_problems(self, version):
        taken = (
            Article.objects.live()
            .filter(live_version__slug=version.slug)
            .exclude(pk=self.pk)
            .exists()
        )
        if taken:
            return [f"Another live article already has the address “{version.slug}”."]
        return []

    def save_and_publish(self, by=None, change_note="", note_is_public=False, at=None):
        """Save the working copy as a new version and publish exactly that version, in one
        transaction: what the editor has in the form is what goes live (or is scheduled).

        Call after the working copy and its related rows are saved, in the same transaction
        (the admin's change form is one). The publish checklist is checked on the working copy
        first and the change-note rule by save_version(); when either refuses (PublishBlocked,
        ValidationError), nothing is saved as a version and nothing is published, and the
        caller's transaction rolls the working copy back too. When the working copy equals the
        latest version, that version is published. Returns the published version.
        """
        with transaction.atomic():
            self._lock()
            problems = publish_problems(self.snapshot())
            if problems:
                raise PublishBlocked(problems)
            version = self.save_version(
                by=by, change_note=change_note, note_is_public=note_is_public
            ) or self._version_named(None)
            return self.publish(version, by=by, at=at)

    def cancel_schedule(self, by=None, version=None):
        """Cancel the version waiting to go live: readers keep what they see now. With
        `version` (the one the editor saw scheduled) raises ScheduleChanged when another is
        scheduled instead. Returns the cancelled version, or None when nothing was scheduled.
        """
        with transaction.atomic():
            locked = self._lock()
            now = timezone.now()
            pending = locked.versions.filter(live_from__gt=now).first()
            if version is not None and (
                pending is None or pending.pk != _pk_or_number(pending, version)
            ):
                raise ScheduleChanged(version, pending)
            if pending is None:
                return None
            ArticleVersion.objects.filter(pk=pending.pk).update(live_from=None, live_until=None)
            locked.versions.filter(live_until=pending.live_from).update(live_until=None)
            changes = {"updated_by": by, "updated_at": now}
            if not locked.versions.filter(_open_window("", now)).exists():
                # A first publish that never happened: the article is as it was before.
                was_live = locked.first_published_at is not None and (
                    locked.first_published_at < now
                )
                changes["status"] = ArticleStatus.UNPUBLISHED if was_live else ArticleStatus.DRAFT
                if not was_live:
                    changes["first_published_at"] = None
            self._write_workflow(locked, changes, "cancel_schedule", pending)
            return pending

    def unpublish(self, by=None, at=None, version=None):
        """Take the article off the site now (a pending schedule is cancelled too), or at `at`
        when that is in the future ("unpublish at"; readers keep the live state until then).
        Its versions stay for history. With `version` (the live one the editor saw) raises
        VersionConflict when readers now see another."""
        now = timezone.now()
        if at is not None and at > now:
            with transaction.atomic():
                locked = self._lock()
                self._check_live(locked, version)
                changes = {"expire_at": at, "updated_by": by, "updated_at": now}
                self._write_workflow(locked, changes, "schedule_unpublish", locked.live_version)
            return
        self._take_down(ArticleStatus.UNPUBLISHED, "unpublish", by, version)

    def cancel_unpublish(self, by=None):
        """Forget a pending "unpublish at": the article stays live."""
        with transaction.atomic():
            locked = self._lock()
            changes = {"expire_at": None, "updated_by": by, "updated_at": timezone.now()}
            self._write_workflow(locked, changes, "cancel_schedule", None)

    def archive(self, by=None, version=None):
        self._take_down(ArticleStatus.ARCHIVED, "archive", by, version)

    def _take_down(self, status, action, by, version):
        with transaction.atomic():
            locked = self._lock()
            self._check_live(locked, version)
            now = timezone.now()
            live = locked.versions.filter(_open_window("", now)).first()
            if live is not None:
                live.close_window(now)
            locked.versions.filter(live_from__gt=now).update(live_from=None, live_until=None)
            changes = {"status": status, "expire_at": None, "updated_by": by, "updated_at": now}
            self._write_workflow(locked, changes, action, live)

    @staticmethod
    def _check_live(locked, version):
        if version is None:
            return
        live = locked.live_version
        if live is None or live.pk != _pk_or_number(live, version):
            raise VersionConflict(version, live)

    def submit_for_review(self, by=None):
        with transaction.atomic():
            locked = self._lock()
            changes = {"review_requested_at": timezone.now(), "updated_by": by}
            if locked.status == ArticleStatus.DRAFT:
                changes["status"] = ArticleStatus.IN_REVIEW
            changes["updated_at"] = timezone.now()
            self._write_workflow(locked, changes, "submit_for_review", locked.latest_version)

    def _write_workflow(self, locked, changes, action, version):
        """Write `changes` (workflow columns only) on the locked row, and send
        article_workflow for `action` on `version` once committed. Saved rather than updated
        so the reader page cache (articles.cache) hears of `action` at once, inside the
        transaction."""
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.workflow_action = action
        locked.save(update_fields=list(changes))
        self._refresh_workflow(locked)
        _send_on_commit(self, action, version, changes.get("updated_by"))

    def restore(self, version, by=None):
        """Make `version`'s content the working copy again, saved as a new version.

        History is never rewritten: the result is version N+1 with the old content and the
        note "Restored version N". Topics, authors or a disclaimer deleted since are left out,
        and so is an old web address another article has taken since. Returns the new version,
        or None when the working copy already had that content. Readers see no change until
        the new version is published.
        """
        if version.article_id != self.pk:
            raise ValueError("That version belongs to another article.")
        content = version.content
        with transaction.atomic():
            self._lock()
            for field in CONTENT_FIELDS:
                if field.kind not in DERIVED_KINDS + RELATED_KINDS and field.key in content:
                    self._restore_value(field, content[field.key])
            self.save()
            for field in CONTENT_FIELDS:
                if field.kind in RELATED_KINDS:
                    self._restore_related(field, content.get(field.key) or [])
            restored = self.save_version(by=by, change_note=f"Restored version {version.number}")
            _send_on_commit(self, "restore", restored, by)
            return restored

    def _restore_value(self, field, value):
        kind, key = field.kind, field.key
        if kind == "lines":
            self.cautions = "\n".join(value or [])
        elif kind == "date":
            setattr(self, key, _date_or_none(value))
        elif kind == "topic":
            setattr(self, key, Topic.objects.filter(pk=value["id"]).first() if value else None)
        elif kind == "person":
            setattr(self, key, Author.objects.filter(pk=value["id"]).first() if value else None)
        elif kind == "disclaimer":
            found = Disclaimer.objects.filter(pk=value["id"]).first() if value else None
            setattr(self, key, found)
        elif kind == "image":
            self._restore_image(value)
        elif key == "slug":
            if not Article.objects.filter(slug=value).exclude(pk=self.pk).exists():
                self.slug = value
        else:
            setattr(self, key, value or "")

    def _restore_related(self, field, rows):
        # Rows that already match are left alone, so a restore does not pull rows from under
        # an editor's form that shows them unchanged.
        if field.kind == "topics":
            self.topics.set(Topic.objects.filter(pk__in=[t["id"] for t in rows]))
        elif field.kind == "authors":
            current = list(self.article_authors.values_list("author_id", flat=True))
            if current == [a["id"] for a in rows]:
                return
            self.article_authors.all().delete()
            existing = Author.objects.in_bulk([a["id"] for a in rows])
            ArticleAuthor.objects.bulk_create(
                ArticleAuthor(article=self, author=existing[a["id"]], order=order)
                for order, a in enumerate(rows)
                if a["id"] in existing
            )
        elif field.kind == "sources":
            if [_source_data(s) for s in self.sources.order_by("order", "pk")] == rows:
                return
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
                for order, s in enumerate(rows)
            )

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
        with transaction.atomic():
            locked = self._lock()
            now = timezone.now()
            changes = {"trashed_at": now, "updated_by": by, "updated_at": now}
            self._write_workflow(locked, changes, "trash", None)

    def restore_from_trash(self, by=None):
        """Bring a trashed article back as it was (readers see it again if it was live)."""
        with transaction.atomic():
            locked = self._lock()
            now = timezone.now()
            changes = {"trashed_at": None, "updated_by": by, "updated_at": now}
            self._write_workflow(locked, changes, "restore_from_trash", None)


def _pk_or_number(found, named):
    """The pk `named` (a version or its number) stands for, given the version `found`."""
    if isinstance(named, ArticleVersion):
        return named.pk
    return found.pk if found is not None and found.number == named else None


def _send_on_commit(article, action, version, by):
    transaction.on_commit(
        lambda: article_workflow.send(
            sender=Article, article=article, action=action, version=version, by=by
        )
    )


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


def _source_data(source):
    return {
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "published_on": source.published_on.isoformat() if source.published_on else None,
        "kind": source.kind,
    }


class PublishBlocked(Exception):
    """Publishing was refused; `problems` says in plain words what is missing."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class VersionConflict(Exception):
    """The version an action named is not the one it would act on: someone acted since the
    editor looked. Nothing was changed. `version` is what was named, `current` what is."""

    def __init__(self, version, current):
        self.version = version
        self.current = current
        named = getattr(version, "number", version)
        now = f"version {current.number}" if current is not None else "no version"
        super().__init__(f"Version {named} was named, but this applies to {now} now.")


class NewerVersionExists(VersionConflict):
    """publish(version) while a newer version is saved: the editor should see it first.
    `latest` is the newest saved version."""

    def __init__(self, version, latest):
        super().__init__(version, latest)
        self.latest = latest
        self.args = (
            f"Version {latest.number} was saved after version {version.number}: "
            "look at it before publishing an older one.",
        )


class ScheduleChanged(VersionConflict):
    """cancel_schedule(version) while another version (or none) is scheduled."""


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


def _public_note(number, created_at, change_note):
    """One entry of `ArticleVersion.public_change_notes`."""
    return {
        "number": number,
        "created_at": created_at.isoformat(),
        "change_note": change_note.strip(),
    }


class ArticleVersionQuerySet(models.QuerySet):
    def fill_public_change_notes(self):
        """Write `public_change_notes` of these versions from their articles' versions, as
        save_version writes them for a new one (imports carry none of their own)."""
        versions = ArticleVersion.objects.filter(article__in=self.values("article_id")).order_by(
            "article_id", "number"
        )
        changed = []
        article_id, notes = None, []
        fields = ("article_id", "number", "created_at", "change_note", "note_is_public")
        for version in versions.only(*fields):
            if version.article_id != article_id:
                article_id, notes = version.article_id, []
            if version.note_is_public and version.change_note.strip():
                note = _public_note(version.number, version.created_at, version.change_note)
                notes = [note, *notes]
            version.public_change_notes = notes
            changed.append(version)
        ArticleVersion.objects.bulk_update(changed, ["public_change_notes"], batch_size=1000)

    def scheduled(self, now=None):
        """Versions waiting to go live, soonest first, with their articles."""
        now = now or timezone.now()
        return (
            self.filter(live_from__gt=now, article__trashed_at__isnull=True)
            .select_related("article")
            .order_by("live_from", "pk")
        )


class ArticleVersion(models.Model):
    """An immutable snapshot of everything a reader would see. Its content is never edited,
    and it is never deleted; only its window with readers (live_from, live_until) is written,
    by the article's workflow actions.

    `content` holds the whole snapshot; title, summary and body are also columns so lists
    and search need not unpack JSON, and the slug, topics, byline and medical reviewer are
    held as rows too, so reader pages, lists, topic and author pages, search, feeds and
    sitemaps filter on what the live version holds, never on the working copy.
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
    slug = models.SlugField(max_length=200, blank=True, db_index=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="article_versions")
    authors = models.ManyToManyField(
        Author, through="VersionAuthor", blank=True, related_name="article_versions"
    )
    medical_reviewer = models.ForeignKey(
        Author,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_versions",
    )
    live_from = models.DateTimeField(
        "live from",
        null=True,
        blank=True,
        editable=False,
        help_text="When readers start seeing this version (in the future: scheduled).",
    )
    live_until = models.DateTimeField(
        "live until",
        null=True,
        blank=True,
        editable=False,
        help_text="When readers stopped (or will stop) seeing this version.",
    )
    # The public change notes of this version and of every earlier one, newest first, as the
    # article page lists them ({"number", "created_at", "change_note"}): written once, when
    # the version is created (earlier versions and their notes are never edited), so the page
    # reads them from the live version instead of querying every version.
    public_change_notes = models.JSONField(default=list, editable=False)
    # Filled for PostgreSQL full-text search; a GIN index is created by migration on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)
    # Title and topics (A) and summary (B) only: small enough to stay in the row, so ranking
    # many matches reads no out-of-line data (search_vector, with the body, is stored apart).
    rank_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_version_number")
        ]
        # The page cache's next moment (articles.cache.next_boundary): the next go-live. A
        # version waiting to go live has no end yet (publish() closes only the live one's
        # window), so only open windows are indexed: the reader queries' "live now" filter
        # cannot use it, and keeps the plans their own indexes give it.
        indexes = [
            models.Index(
                fields=["live_from"],
                name="version_going_live",
                condition=models.Q(live_from__isnull=False, live_until__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.article_id} v{self.number}"

    def hold_reader_fields(self):
        """Copy the slug, topics, byline and medical reviewer of `content` into rows (once,
        when the version is created)."""
        content = self.content
        reviewer = content.get("medical_reviewer")
        self.slug = content.get("slug", "")
        self.medical_reviewer = (
            Author.objects.filter(pk=reviewer["id"]).first() if reviewer else None
        )
        ArticleVersion.objects.filter(pk=self.pk).update(
            slug=self.slug, medical_reviewer=self.medical_reviewer
        )
        self.topics.set(Topic.objects.filter(pk__in=[t["id"] for t in content.get("topics", [])]))
        authors = Author.objects.in_bulk([a["id"] for a in content.get("authors", [])])
        VersionAuthor.objects.bulk_create(
            VersionAuthor(version=self, author=authors[a["id"]], order=order)
            for order, a in enumerate(content.get("authors", []))
            if a["id"] in authors
        )

    def reader_change_notes(self):
        """`public_change_notes` with their moments as datetimes, for templates."""
        return [
            {**note, "created_at": datetime.datetime.fromisoformat(note["created_at"])}
            for note in self.public_change_notes
        ]

    def close_window(self, at):
        """Readers stop seeing this version at `at`."""
        ArticleVersion.objects.filter(pk=self.pk).update(live_until=at)
        self.live_until = at

    def publish_problems(self):
        """The publish checklist for health content: what is missing, in plain words."""
        return publish_problems(self.content)


def publish_problems(content):
    """The publish checklist for a version's content (or a working copy's snapshot)."""
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
    problems += content_checks.publish_blocks(content)  # e.g. body images without alt text
    return problems


class VersionAuthor(models.Model):
    """A version's byline, in order: what author pages list once the version is live."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "author"], name="unique_version_author")
        ]

    def __str__(self):
        return str(self.author)


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
