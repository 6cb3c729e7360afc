"""The public question form and the small forms behind the admin's bulk actions."""

import time
import uuid

from django import forms
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.forms.renderers import Jinja2
from django.utils import timezone

from articles.models import Article, Topic
from inquiries.models import (
    QUESTION_MAX_LENGTH,
    ArticleFeedback,
    ArticleRole,
    Channel,
    Inquiry,
)

_SIGNER_SALT = "inquiries.ask-form"
# Django's own Jinja2 widget templates draw the question form (on every article page, a
# template per topic option) about twice as fast as the Django template engine. One instance,
# so its compiled templates are kept.
WIDGET_RENDERER = Jinja2()
_SUBMISSION_NAMESPACE = uuid.UUID("4f1b7e52-3f0c-4d7e-9a55-0d7c2b6a9e10")


def new_form_token():
    """A signed token naming this rendering of the form: when it was shown, and a one-time id."""
    payload = {"id": uuid.uuid4().hex, "t": time.time()}
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign_object(payload)


class AskForm(forms.Form):
    default_renderer = WIDGET_RENDERER

    question = forms.CharField(
        label="Your question",
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"Up to {QUESTION_MAX_LENGTH:,} characters. Please leave out details that "
        "identify you or others, such as full names of doctors or dates of birth.",
        error_messages={"required": "Please write your question."},
    )
    topic = forms.ModelChoiceField(
        label="Topic (optional)",
        queryset=Topic.objects.all(),
        required=False,
        empty_label="Not sure / other",
    )
    name = forms.CharField(label="Your name (optional)", max_length=150, required=False)
    reply_wanted = forms.BooleanField(label="I would like a reply by e-mail", required=False)
    email = forms.EmailField(
        label="Your e-mail address",
        required=False,
        help_text="Only needed if you want a reply.",
        error_messages={"invalid": "Please enter an e-mail address like name@example.org."},
    )
    consent = forms.BooleanField(
        label="I agree that you keep my name and e-mail address to reply to me",
        required=False,
        help_text="We use them only to answer this question and delete them after a year.",
    )
    article = forms.SlugField(required=False, widget=forms.HiddenInput)
    form_token = forms.CharField(widget=forms.HiddenInput)
    # Honeypot: hidden from people by CSS and from screen readers by aria-hidden; bots fill it.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        # Prefixed ids: the form also sits on article pages beside other forms.
        kwargs.setdefault("auto_id", "ask_%s")
        super().__init__(*args, **kwargs)
        self.token_payload = None
        self.is_bot = False

    @classmethod
    def for_article(cls, article=None):
        """An unbound form with a fresh token, prefilled for `article` (a live article) if given."""
        initial = {"form_token": new_form_token()}
        if article is not None:
            initial["article"] = article.live_version.slug if article.live_version else ""
            # The live snapshot lists the topics readers see, sorted by name: no query needed.
            topics = article.live_version.content.get("topics", []) if article.live_version else []
            initial["topic"] = topics[0]["id"] if topics else None
        return cls(initial=initial)

    def clean_website(self):
        if self.cleaned_data["website"]:
            self.is_bot = True
        return ""

    def clean_article(self):
        slug = self.cleaned_data["article"]
        if not slug:
            return None
        # A reader's own slug that no longer matches a live page is not worth an error.
        return (
            Article.objects.live().select_related("live_version").filter(live_version__slug=slug)
        ).first()

    def clean_form_token(self):
        signer = signing.TimestampSigner(salt=_SIGNER_SALT)
        try:
            payload = signer.unsign_object(
                self.cleaned_data["form_token"], max_age=settings.INQUIRY_MAX_FORM_AGE_SECONDS
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This form was open for a long time, so for your safety we need you to send it "
                "again. Your text is still here: please press “Send my question” once more.",
                code="expired",
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "Something went wrong with this form. Your text is still here: please press "
                "“Send my question” once more.",
                code="invalid",
            ) from None
        if time.time() - payload.get("t", 0) < settings.INQUIRY_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                "That was very quick. Please check your question, then press "
                "“Send my question” again.",
                code="too_fast",
            )
        self.token_payload = payload
        return self.cleaned_data["form_token"]

    def clean(self):
        data = super().clean()
        if data.get("reply_wanted"):
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "To get a reply, please give your e-mail address.")
            if not data.get("consent"):
                self.add_error(
                    "consent", "To get a reply, please agree that we keep your details for it."
                )
        return data

    def submission_id(self, client_hash):
        """The same for both clicks of a double-click, different for anyone else.

        The form's one-time id alone would do, unless a page holding the form is served from
        a cache to many readers; the sender and the text keep their questions apart.
        """
        key = f"{self.token_payload['id']}|{client_hash}|{self.cleaned_data['question'].strip()}"
        return uuid.uuid5(_SUBMISSION_NAMESPACE, key)

    def save(self, client_hash=""):
        """Create the inquiry; returns (inquiry, created). A repeated submission creates nothing."""
        data = self.cleaned_data
        submission_id = self.submission_id(client_hash)
        existing = Inquiry.objects.filter(submission_token=submission_id).first()
        if existing is not None:
            return existing, False
        article = data.get("article")
        reply = bool(data.get("reply_wanted"))
        inquiry = Inquiry(
            question=data["question"].strip(),
            channel=Channel.WEB,
            source_article=article,
            source_version=article.live_version if article else None,
            name=data.get("name", "").strip(),
            email=data.get("email", "") if reply else "",
            reply_wanted=reply,
            client_hash=client_hash,
            submission_token=submission_id,
        )
        if reply and data.get("consent"):
            inquiry.consent_given = True
            inquiry.consent_at = timezone.now()
            inquiry.consent_text_version = settings.INQUIRY_CONSENT_TEXT_VERSION
        try:
            with transaction.atomic():
                inquiry.save()
                if data.get("topic"):
                    inquiry.topics.add(data["topic"])
        except IntegrityError:
            # The other click of a double-click won the race and created it.
            return Inquiry.objects.get(submission_token=submission_id), False
        return inquiry, True


class AddTopicForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), help_text="Added to each one.")


class LinkArticleForm(forms.Form):
    article = forms.ModelChoiceField(
        queryset=Article.objects.not_trashed().order_by("title"),
        help_text="The article these questions relate to.",
    )
    role = forms.ChoiceField(
        label="relation", choices=ArticleRole.choices, initial=ArticleRole.ANSWERS
    )


FEEDBACK_REPORT_MAX_LENGTH = 2000


class FeedbackForm(forms.Form):
    """The "Was this helpful?" and "Report an error" forms. Nothing about the reader is kept."""

    HELPFUL = "yes"
    NOT_HELPFUL = "no"
    ERROR = "error"

    article = forms.SlugField()
    version = forms.IntegerField(min_value=1, required=False)
    kind = forms.ChoiceField(choices=[(HELPFUL, "Yes"), (NOT_HELPFUL, "No"), (ERROR, "Error")])
    report = forms.CharField(
        label="What is wrong?",
        max_length=FEEDBACK_REPORT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Tell us what is wrong or out of date. Please leave out your name and "
        "anything that identifies you.",
    )
    # Honeypot, as on the question form.
    website = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "feedback_%s")
        super().__init__(*args, **kwargs)

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))

    def clean_article(self):
        article = (
            Article.objects.live()
            .select_related("live_version")
            .filter(live_version__slug=self.cleaned_data["article"])
            .first()
        )
        if article is None:
            raise forms.ValidationError("That article is not on the site.")
        return article

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.ERROR and not data.get("report", "").strip():
            self.add_error("report", "Please tell us what is wrong.")
        return data

    def version_seen(self):
        """The version the reader was shown: the posted number if readers have seen it,
        otherwise the live version (a page cached before a publish may name an older one)."""
        article = self.cleaned_data["article"]
        number = self.cleaned_data.get("version")
        if number and number <= article.live_version.number:
            version = article.versions.filter(number=number).first()
            if version is not None:
                return version
        return article.live_version

    def save(self):
        """Store the feedback; returns the inquiry for an error report, otherwise None."""
        article = self.cleaned_data["article"]
        version = self.version_seen()
        if self.cleaned_data["kind"] == self.ERROR:
            return Inquiry.objects.create(
                question=self.cleaned_data["report"].strip(),
                channel=Channel.FEEDBACK,
                source_article=article,
                source_version=version,
            )
        ArticleFeedback.objects.create(
            version=version, helpful=self.cleaned_data["kind"] == self.HELPFUL
        )
        return None
