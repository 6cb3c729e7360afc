"""Reader questions: every question the organization receives, however it arrived.

An `Inquiry` is logged by the public form or by staff (e-mail, phone, events), triaged into
topics, answered, and linked to the article that answers it or that it prompted. Its
personal data (name, e-mail, a hash of the sender's address) is kept apart from the question
so it can be hidden from most staff and purged after the retention period.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from articles.models import Article, ArticleVersion, Topic
from inquiries.urgent import is_urgent

QUESTION_MAX_LENGTH = 5000
PERSONAL_FIELDS = ("name", "email", "client_hash")
ERASED = "(Erased at the reader's request.)"


class Channel(models.TextChoices):
    WEB = "web", "Web form"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social media"
    EVENT = "event", "Event"
    FEEDBACK = "feedback", "Feedback on an article"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"
    SPAM = "spam", "Spam"


OPEN_STATUSES = (Status.NEW, Status.TRIAGED)

# No question reached the organization before this, and none arrives from the future: dates
# outside these bounds are typing mistakes, and a year such as 1 or 9999 made the triage list's
# date drill-down probe every year in between or fail past the last one.
EARLIEST_RECEIVED = datetime.date(1990, 1, 1)
LATEST_RECEIVED_AHEAD = datetime.timedelta(days=1)


def plausible_dates():
    """(earliest, latest) moment a question may have been received or answered."""
    earliest = timezone.make_aware(datetime.datetime.combine(EARLIEST_RECEIVED, datetime.time()))
    return earliest, timezone.now() + LATEST_RECEIVED_AHEAD


class ArticleRole(models.TextChoices):
    ANSWERS = "answers", "The article answers this question"
    PROMPTED = "prompted", "This question prompted the article"


def hash_client_address(address):
    """A salted, keyed hash of the sender's IP address; the address itself is never stored."""
    if not address:
        return ""
    return salted_hmac("inquiries.client", address, algorithm="sha256").hexdigest()


class InquiryQuerySet(models.QuerySet):
    def not_spam(self):
        return self.exclude(status=Status.SPAM)

    def open(self):
        """Still being worked on: new or triaged."""
        return self.filter(status__in=OPEN_STATUSES)

    def unanswered(self):
        """Readers who asked for a reply and have not had one yet."""
        return self.filter(reply_wanted=True, answered_at__isnull=True).exclude(
            status__in=[Status.CLOSED, Status.SPAM]
        )

    def received_between(self, start, end):
        return self.filter(received_at__gte=start, received_at__lt=end)

    def for_a_draft(self, topic, limit=100):
        """Questions on `topic` not yet linked to an article, newest first: material for a draft."""
        return self.not_spam().filter(topics=topic, related_article__isnull=True)[:limit]

    def prompted(self, article):
        """The questions that led staff to write `article` (for the article admin)."""
        return self.filter(related_article=article, related_article_role=ArticleRole.PROMPTED)

    def raised_before_update(self, article):
        """Questions sent from `article`'s page while readers saw a version older than its
        latest public update (the live version, or an earlier one, with a public change note).

        Returns (the update version or None, the queryset). Staff use it to tell readers that
        the article they asked about has changed.
        """
        update = latest_public_update(article)
        if update is None:
            return None, self.none()
        return update, self.not_spam().filter(
            source_article=article, source_version__number__lt=update.number
        )

    def start_draft(self, topic, title, by=None):
        """Create a draft article on `topic` from these questions; returns the article.

        Each inquiry is linked as having prompted the article, and the editor's note names
        them by number only: authors who edit the draft may not be allowed to read readers'
        questions, and staff who are find them under "Prompted by" on the article's page.
        One transaction.
        """
        with transaction.atomic():
            ids = list(self.order_by("received_at", "pk").values_list("pk", flat=True))
            note = (
                "Written because readers asked: inquiries "
                + ", ".join(str(pk) for pk in ids)
                + ". Staff who may read reader questions find them under “Prompted by” on this"
                " page."
            )
            article = Article.objects.create(
                title=title,
                slug=_free_slug(title),
                summary="",
                editor_note=note,
                updated_by=by,
            )
            article.topics.set([topic])
            Inquiry.objects.filter(pk__in=ids).link_article(article, ArticleRole.PROMPTED)
            return article

    def to_notify(self):
        """Readers who asked for a reply, consented to us keeping their address, and gave one."""
        return self.filter(reply_wanted=True, consent_given=True).exclude(email="")

    # Bulk triage operations: one UPDATE each, used by the admin actions. -------------------
    def mark_answered(self, at=None):
        return self.update(
            status=Status.ANSWERED, answered_at=Coalesce("answered_at", at or timezone.now())
        )

    def mark_closed(self):
        return self.update(status=Status.CLOSED)

    def mark_spam(self):
        return self.update(status=Status.SPAM)

    def assign_to(self, user):
        return self.update(assigned_to=user)

    def add_topic(self, topic):
        """Tag every inquiry with `topic`; new ones move from "new" to "triaged"."""
        with transaction.atomic():
            through = Inquiry.topics.through
            ids = list(self.values_list("pk", flat=True))
            through.objects.bulk_create(
                [through(inquiry_id=pk, topic=topic) for pk in ids], ignore_conflicts=True
            )
            Inquiry.objects.filter(pk__in=ids, status=Status.NEW).update(status=Status.TRIAGED)
            return len(ids)

    def link_article(self, article, role):
        return self.update(related_article=article, related_article_role=role)

    def from_address(self, address):
        """Every question sent from one e-mail address (a reader's request for their data)."""
        return self.filter(email__iexact=address.strip()) if address.strip() else self.none()

    def erase_personal_data(self):
        """Blank the people behind these questions: their details, their words and our replies
        to them. Topics, channel, status and dates stay, so every count stays true. Returns
        the number of questions erased."""
        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            InquiryMessage.objects.filter(inquiry_id__in=ids).update(body=ERASED)
            return Inquiry.objects.filter(pk__in=ids).update(
                name="",
                email="",
                client_hash="",
                question=ERASED,
                staff_notes="",
                consent_given=False,
                consent_at=None,
            )

    def purge_personal_data(self, older_than_days, spam_days=30, now=None):
        """Apply the retention rules; returns (personal data blanked, spam deleted).

        Closed inquiries received more than `older_than_days` ago lose their name, e-mail
        and client hash; the question, topics and dates stay so the counts stay true. Spam
        older than `spam_days` is deleted. Running it again changes nothing.
        """
        now = now or timezone.now()
        with transaction.atomic():
            blanked = (
                self.filter(
                    status=Status.CLOSED,
                    received_at__lt=now - datetime.timedelta(days=older_than_days),
                )
                .exclude(name="", email="", client_hash="")
                .update(name="", email="", client_hash="")
            )
            _, deleted = self.filter(
                status=Status.SPAM, received_at__lt=now - datetime.timedelta(days=spam_days)
            ).delete()
        # delete() also counts the topic links it removed; report inquiries only.
        return blanked, deleted.get(Inquiry._meta.label, 0)


class Inquiry(models.Model):
    question = models.TextField(
        max_length=QUESTION_MAX_LENGTH, help_text="The question in the reader's own words."
    )
    received_at = models.DateTimeField(
        "received", default=timezone.now, help_text="When the question reached us."
    )
    channel = models.CharField(
        max_length=20,
        choices=Channel.choices,
        default=Channel.WEB,
        help_text="How the question reached us.",
    )
    source_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries_sent_from",
        verbose_name="sent from article",
        help_text="The article page the reader was on when they asked, if any.",
    )
    source_version = models.ForeignKey(
        ArticleVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="article version seen",
        help_text="The version of that article the reader was shown.",
    )
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="inquiries",
        help_text="What the question is about. Set when triaging.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_inquiries",
        help_text="The staff member who will answer or close it.",
    )
    staff_notes = models.TextField(
        blank=True, help_text="For staff only: what was done, who to ask, what to follow up."
    )
    answered_at = models.DateTimeField(
        "answered", null=True, blank=True, help_text="Filled in when it is marked answered."
    )
    related_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="related_inquiries",
        help_text="The article that answers this question, or that it prompted.",
    )
    related_article_role = models.CharField(
        "relation to the article",
        max_length=20,
        choices=ArticleRole.choices,
        blank=True,
        help_text="Whether the article answers the question or was written because of it.",
    )
    is_urgent = models.BooleanField(
        "urgent",
        default=False,
        help_text="Tick when the question needs an answer quickly (for example a safety concern).",
    )

    # Personal data: shown only with the "view personal data" permission, purged on retention.
    name = models.CharField(max_length=150, blank=True, help_text="Optional.")
    email = models.EmailField(blank=True, help_text="Optional; needed to send a reply.")
    reply_wanted = models.BooleanField(
        default=False, help_text="The reader asked us to reply by e-mail."
    )
    consent_given = models.BooleanField(
        default=False, help_text="The reader agreed that we keep their contact details to reply."
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_text_version = models.CharField(max_length=20, blank=True)
    client_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Salted hash of the sender's address."
    )
    # The Message-ID of the e-mail that brought the question: fetching it again finds it.
    mail_message_id = models.CharField(
        max_length=255, unique=True, null=True, blank=True, editable=False
    )
    had_attachments = models.BooleanField(
        default=False, editable=False, help_text="The e-mail had attachments; they were not kept."
    )
    # One per rendered form: a double-click or a resubmitted page creates one inquiry, not two.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "inquiries"
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("view_personal_data", "Can see readers' names and e-mail addresses"),
        ]
        indexes = [
            # Its status and id let the dashboard count a period's inquiries and find their
            # topic links from the index alone (an index-only scan on PostgreSQL).
            models.Index(fields=["-received_at", "status", "id"], name="inquiry_received"),
            models.Index(fields=["status", "-received_at"], name="inquiry_status_received"),
            models.Index(fields=["channel", "-received_at"], name="inquiry_channel_received"),
            # The triage list's order: urgent first, then newest.
            models.Index(fields=["-is_urgent", "-received_at"], name="inquiry_urgent_received"),
            # The dashboard's median wait, from the index alone.
            models.Index(
                fields=["answered_at", "received_at", "status"],
                name="inquiry_answered",
                condition=Q(answered_at__isnull=False),
            ),
            # The dashboard's "unanswered now": readers still waiting for the reply they asked for.
            models.Index(
                fields=["status"],
                name="inquiry_awaiting_reply",
                condition=Q(reply_wanted=True, answered_at__isnull=True),
            ),
        ]

    def __str__(self):
        text = " ".join(self.question.split())
        return text if len(text) <= 60 else text[:59] + "…"

    def save(self, *args, **kwargs):
        if self.status == Status.ANSWERED and self.answered_at is None:
            self.answered_at = timezone.now()
        if self._state.adding and not self.is_urgent and is_urgent(self.question):
            # Flag new messages only: staff who clear the flag after reading it decide.
            self.is_urgent = True
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:inquiries_inquiry_change", args=[self.pk])

    def clean(self):
        earliest, latest = plausible_dates()
        errors = {}
        for field in ("received_at", "answered_at"):
            value = getattr(self, field)
            if value is not None and not earliest <= value <= latest:
                errors[field] = (
                    f"Give a date between {EARLIEST_RECEIVED:%-d %B %Y} and today (check the year)."
                )
        if (
            "received_at" not in errors
            and self.answered_at
            and self.received_at
            and self.answered_at < self.received_at
        ):
            errors["answered_at"] = "A question cannot be answered before it was received."
        if errors:
            raise ValidationError(errors)


def _free_slug(title):
    base = slugify(title)[:180] or "draft"
    slug, number = base, 1
    while Article.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def latest_public_update(article):
    """The newest version readers see or saw with a public change note, or None."""
    if not article.live_version_id:
        return None
    return (
        ArticleVersion.objects.filter(
            article=article, note_is_public=True, number__lte=article.live_version.number
        )
        .exclude(change_note="")
        .order_by("-number")
        .first()
    )


class ArticleFeedbackQuerySet(models.QuerySet):
    def counts_by_version(self, article):
        """[{number, helpful, not_helpful}] for each version of `article` with feedback."""
        rows = (
            self.filter(version__article=article)
            .values("version__number")
            .annotate(
                yes=models.Count("pk", filter=Q(helpful=True)),
                no=models.Count("pk", filter=Q(helpful=False)),
            )
            .order_by("-version__number")
        )
        return [
            {"number": row["version__number"], "helpful": row["yes"], "not_helpful": row["no"]}
            for row in rows
        ]


class ArticleFeedback(models.Model):
    """One "Was this helpful?" answer on one version of an article. Nothing about the reader."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ArticleFeedbackQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "article feedback"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.version}: {'helpful' if self.helpful else 'not helpful'}"


class Direction(models.TextChoices):
    FROM_READER = "in", "From the reader"
    TO_READER = "out", "To the reader"


class InquiryMessageQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(direction=Direction.TO_READER, sent_at__isnull=True)


class InquiryMessage(models.Model):
    """One message of an inquiry's thread: a reader's e-mail or a staff reply.

    The reader's first question stays on the inquiry itself, as sent. A reply is stored
    before it is sent and marked sent only once the mail server has accepted it, so a failed
    send keeps its text and says why.
    """

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    body = models.TextField(max_length=QUESTION_MAX_LENGTH * 4)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who wrote a reply.",
    )
    # Our own Message-ID for a reply, the reader's for a message that came in: replies are
    # threaded by it, and a message fetched twice is recognised by it.
    message_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True)
    had_attachments = models.BooleanField(
        default=False, help_text="The e-mail had attachments; they were not kept."
    )
    cited_versions = models.ManyToManyField(
        ArticleVersion,
        blank=True,
        related_name="+",
        help_text="The article versions this reply links to.",
    )

    objects = InquiryMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_direction_display()} on inquiry {self.inquiry_id}"


class SavedReply(models.Model):
    """A reply staff can insert and edit before sending. Placeholders: {name} (the reader's
    name, or "there"), {article_link} (the address of the article the reader asked from)."""

    title = models.CharField(max_length=100, unique=True, help_text="For staff: when to use it.")
    body = models.TextField(
        help_text="The reply. {name} becomes the reader's name; {article_link} the address of "
        "the article they asked from."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["order", "title"]
        verbose_name_plural = "saved replies"

    def __str__(self):
        return self.title

    def fill(self, inquiry, site_url=""):
        """The body with its placeholders filled in for `inquiry`."""
        article = inquiry.source_article
        link = site_url + article.get_absolute_url() if article and article.slug else ""
        return self.body.replace("{name}", inquiry.name or "there").replace("{article_link}", link)


class ArticleSuggestionQuerySet(models.QuerySet):
    def record(self, article_ids, what, day=None):
        """Add one to `what` ("opened" or "sent_anyway") for each article, on `day`."""
        day = day or timezone.localdate()
        for article_id in set(article_ids):
            row, _ = self.get_or_create(day=day, article_id=article_id)
            self.filter(pk=row.pk).update(**{what: models.F(what) + 1})


class ArticleSuggestion(models.Model):
    """How readers used the articles suggested while they typed a question, per day: how often
    one was opened, and how often the question was sent anyway. Nothing about the reader."""

    day = models.DateField(default=timezone.localdate)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    opened = models.PositiveIntegerField(default=0)
    sent_anyway = models.PositiveIntegerField(default=0)

    objects = ArticleSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "article"]
        constraints = [
            models.UniqueConstraint(fields=["day", "article"], name="article_suggestion_day")
        ]

    def __str__(self):
        return f"{self.day} {self.article_id}: opened {self.opened}, sent {self.sent_anyway}"


class DemandReport(Inquiry):
    """Not data: the entry under which the demand dashboard appears in the admin index."""

    class Meta:
        proxy = True
        verbose_name = "demand dashboard"
        verbose_name_plural = "demand dashboard"
        default_permissions = ()
