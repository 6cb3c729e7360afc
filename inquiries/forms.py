"""The public question form and the small forms behind the admin's bulk actions."""

import re
import time
import uuid

from django import forms
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.forms.models import ModelChoiceIterator
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


def new_form_token(shared=False):
    """A signed token saying the last moment this form can have been shown to a reader.

    A shared token (`shared=True`) goes into pages served to many readers from caches: it is
    the same for everyone within one time bucket and names the bucket's end, and such pages are
    cached no longer than that (`served_until`), so the minimum fill time counts from the
    latest moment any reader can have been given the page. Otherwise it names this moment
    (pages that are never cached: /ask/ and a form shown again).
    """
    return signing.Signer(salt=_SIGNER_SALT).sign_object({"s": served_until(shared)})


def served_until(shared=True):
    """The end of the current time bucket (shared) or now, in whole seconds."""
    now = time.time()
    if not shared:
        return int(now)
    bucket = settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS
    return int(now // bucket * bucket + bucket)


class TopicChoiceIterator(ModelChoiceIterator):
    """The topics in one plain query: Django's iterator() opens a server-side cursor on
    PostgreSQL (three round trips) to read a few dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for topic in self.queryset:
            yield self.choice(topic)


class TopicChoiceField(forms.ModelChoiceField):
    iterator = TopicChoiceIterator


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
    topic = TopicChoiceField(
        label="Topic (optional)",
        queryset=Topic.objects.only("pk", "name"),
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
    # Filled by ask.js with the ids of the articles it suggested, to count questions sent anyway.
    suggested = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    form_token = forms.CharField(widget=forms.HiddenInput)
    # Filled in by the page's script with a random value once per page view, so a double click
    # is recognised without any per-reader value in the (cached) page. Empty without script.
    nonce = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-nonce": ""})
    )
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
    def for_article(cls, article=None, shared=False):
        """An unbound form with a fresh token, prefilled for `article` (a live article) if given.

        `shared`: the form goes into a page served to many readers (see new_form_token).
        """
        initial = {"form_token": new_form_token(shared)}
        if article is not None:
            initial["article"] = article.live_version.slug if article.live_version else ""
            # The live snapshot names the article's main topic (else its topics, sorted by
            # name): no query needed.
            content = article.live_version.content if article.live_version else {}
            main = content.get("main_topic") or (content.get("topics") or [None])[0]
            initial["topic"] = main["id"] if main else None
        return cls(initial=initial)

    def clean_website(self):
        if self.cleaned_data["website"]:
            self.is_bot = True
        return ""

    def clean_suggested(self):
        ids = [part for part in self.cleaned_data["suggested"].split(",") if part.isdigit()]
        return list(Article.objects.live().filter(pk__in=ids[:5]).values_list("pk", flat=True))

    def clean_article(self):
        slug = self.cleaned_data["article"]
        if not slug:
            return None
        # A reader's own slug that no longer matches a live page is not worth an error.
        return (
            Article.objects.live().select_related("live_version").filter(live_version__slug=slug)
        ).first()

    def clean_form_token(self):
        try:
            payload = signing.Signer(salt=_SIGNER_SALT).unsign_object(
                self.cleaned_data["form_token"]
            )
            shown = float(payload["s"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(
                "Something went wrong with this form. Your text is still here: please press "
                "“Send my question” once more.",
                code="invalid",
            ) from None
        waited = time.time() - shown
        if waited > settings.INQUIRY_MAX_FORM_AGE_SECONDS:
            raise forms.ValidationError(
                "This form was open for a long time, so for your safety we need you to send it "
                "again. Your text is still here: please press “Send my question” once more.",
                code="expired",
            )
        # No minimum (0, as in tests) also accepts a shared token before its bucket ends.
        if settings.INQUIRY_MIN_FILL_SECONDS and waited < settings.INQUIRY_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                "That was very quick. Please check your question, then press "
                "“Send my question” again.",
                code="too_fast",
            )
        self.token_payload = payload
        return self.cleaned_data["form_token"]

    def clean_nonce(self):
        # Only letters, digits and dashes: anything else is ignored, not refused.
        nonce = self.cleaned_data["nonce"].strip()
        return nonce if re.fullmatch(r"[A-Za-z0-9-]{16,64}", nonce) else ""

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

        The page's script gives each page view its own nonce, so two readers behind one
        address sending the same text from one cached page are both stored. Without script
        the token (one per time bucket), the sender and the text tell them apart: two such
        readers at one address sending the same words in the same bucket count as one.
        """
        once = self.cleaned_data.get("nonce") or self.token_payload["s"]
        key = f"{once}|{client_hash}|{self.cleaned_data['question'].strip()}"
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


class ReplyForm(forms.Form):
    """Staff's reply to a reader, sent by e-mail from the inquiry page."""

    body = forms.CharField(
        label="Your reply",
        max_length=QUESTION_MAX_LENGTH * 4,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text="Sent by e-mail to the reader, from the organization's address. Links to "
        "the articles you cite are added at the end if the text does not already have them.",
    )
    cite = forms.ModelMultipleChoiceField(
        label="Cite these articles",
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cite"].queryset = Article.objects.live().filter(
            pk__in=[article.pk for article in suggestions]
        )

    def text_with_links(self, absolute_url):
        """The reply body, with a link to each cited article it does not already contain."""
        body = self.cleaned_data["body"].rstrip()
        links = [absolute_url(article.get_absolute_url()) for article in self.cleaned_data["cite"]]
        missing = [link for link in links if link not in body]
        if missing:
            body += "\n\n" + "\n".join(f"Read more: {link}" for link in missing)
        return body


class ReaderDataForm(forms.Form):
    email = forms.EmailField(
        label="The reader's e-mail address",
        help_text="Every question and message from this address is found, whatever its case.",
    )
    confirm_erase = forms.BooleanField(
        label="I have checked that this request comes from this reader. Erase their data.",
        required=False,
    )
