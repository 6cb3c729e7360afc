"""The article form staff use in the admin."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from articles.models import Article, ArticleVersion, Author, Topic
from articles.uploads import VerifiedImagesFormMixin, clean_uploaded_image

# The fields the publish checklist (ArticleVersion.publish_problems) asks for, marked on the form.
NEEDED_TO_PUBLISH = {
    "summary": "Needed to publish.",
    "disclaimer": "Needed to publish.",
    "last_reviewed": "Needed to publish.",
    "evidence_note": "Needed to publish an article on an off-label topic.",
    "image_alt": "Needed to publish with an image.",
    "image_credit": "Needed to publish with an image.",
}
# Text boxes sized to what they usually hold, so each tab of the form stays short.
TEXT_ROWS = {
    "summary": 3,
    "cautions": 4,
    "evidence_note": 3,
    "funding_statement": 2,
    "advertising_statement": 2,
    "editor_note": 3,
}
# Where each checklist problem is fixed: (words in the problem, id of the place, tab).
CHECKLIST_PLACES = [
    ("author", "article_authors-group", "people"),
    ("summary", "id_summary", "content"),
    ("source", "sources-group", "people"),
    ("disclaimer", "id_disclaimer", "review"),
    ("alt text", "id_image_alt", "image"),
    ("credit line", "id_image_credit", "image"),
    ("last-reviewed", "id_last_reviewed", "review"),
    ("evidence note", "id_evidence_note", "review"),
]


def checklist(problems):
    """The publish checklist's problems, each with the place on the form that fixes it."""
    items = []
    for problem in problems:
        place, tab = next(
            ((place, tab) for words, place, tab in CHECKLIST_PLACES if words in problem.lower()),
            ("", ""),
        )
        items.append({"problem": problem, "anchor": place, "tab": tab})
    return items


def draft_problems(data, article=None):
    """What the checklist would find in the form as posted (`data`), before anything is saved.

    Reads only what `publish_problems` reads, from the raw form data, so the checklist beside
    the form can follow the editor's typing without saving a version.
    """

    has_image = bool(data.get("image_present")) or bool(
        article is not None and article.image and not data.get("image-clear")
    )
    topic_ids = [pk for pk in data.getlist("topics") if str(pk).isdigit()]
    content = {
        "authors": posted_rows(data, "article_authors", "author"),
        "summary": data.get("summary", ""),
        "sources": posted_rows(data, "sources", "title"),
        "disclaimer": data.get("disclaimer") or None,
        "image": (
            {"alt": data.get("image_alt", ""), "credit": data.get("image_credit", "")}
            if has_image
            else None
        ),
        "last_reviewed": data.get("last_reviewed") or None,
        "evidence_note": data.get("evidence_note", ""),
        "topics": [
            {"name": topic.name, "off_label": topic.is_off_label}
            for topic in Topic.objects.filter(pk__in=topic_ids)
        ],
    }
    return ArticleVersion(content=content).publish_problems()


def posted_rows(data, prefix, field):
    """The non-empty values of `field` in an inline formset's posted rows, deleted rows left out."""
    try:
        total = max(0, min(int(data.get(f"{prefix}-TOTAL_FORMS") or 0), 1000))
    except ValueError:
        total = 0
    values = []
    for i in range(total):
        value = (data.get(f"{prefix}-{i}-{field}") or "").strip()
        if value and not data.get(f"{prefix}-{i}-DELETE"):
            values.append(value)
    return values


class UnlabelledHiddenInput(forms.HiddenInput):
    """The admin prints a label for every field in a fieldset; a label must not point at a
    hidden input (Nu Html Checker error), so this one names no element."""

    def id_for_label(self, id_):
        return None


class ArticleAdminForm(forms.ModelForm):
    """The working copy plus what the next version needs: a change note, and a guard
    against saving over someone else's newer version."""

    # These three are shown beside the form (form="article_form"), next to the buttons.
    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "form": "article_form"}),
        help_text="What changed and why. Required when the article is live.",
    )
    note_is_public = forms.BooleanField(
        label="Show note to readers",
        required=False,
        widget=forms.CheckboxInput(attrs={"form": "article_form"}),
        help_text="Tick for a substantive update readers should see in the list of changes.",
    )
    based_on_version = forms.IntegerField(
        required=False,
        min_value=0,
        widget=UnlabelledHiddenInput(attrs={"form": "article_form"}),
        help_text="The version this form was opened on.",
    )

    publish_at = forms.DateTimeField(
        label="Publish at",
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "form": "article_form", "step": 1},
            format="%Y-%m-%dT%H:%M:%S",
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text="Leave empty to publish now. Readers keep what they see until this moment.",
    )

    # Set by ArticleAdmin: errors found only while saving, shown when the form is shown again.
    save_errors = {}

    class Meta:
        model = Article
        fields = [
            "title", "slug", "subtitle", "summary", "body", "cautions", "evidence_note",
            "funding_statement", "advertising_statement", "editor_note", "topics",
            "medical_reviewer", "disclaimer", "last_reviewed",
            "next_review_due", "image", "image_alt", "image_caption", "image_credit",
            "image_rights_holder", "image_licence", "image_permission_contact",
            "image_link_back_required", "image_source_url", "featured",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.instance.latest_version if self.instance.pk else None
        self.fields["based_on_version"].initial = latest.number if latest else 0
        for name, rows in TEXT_ROWS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["rows"] = rows
        for field in self.fields.values():
            # The admin shows help text as HTML; plain text such as "/articles/<slug>/" must
            # show as written.
            if not isinstance(field.help_text, SafeString):
                field.help_text = escape(field.help_text)
        for name, note in NEEDED_TO_PUBLISH.items():
            if name in self.fields:
                field = self.fields[name]
                field.help_text = format_html(
                    '<strong class="needed-to-publish">{}</strong> {}', note, field.help_text
                )
        # The hidden copy of a callable default must not carry aria-describedby (issue 17).
        if "disclaimer" in self.fields:
            self.fields["disclaimer"].show_hidden_initial = False

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return clean_uploaded_image(image)
        return image

    def clean(self):
        cleaned_data = super().clean()
        self._check_not_stale(cleaned_data)
        for field, message in self.save_errors.items():
            self.add_error(field, message)
        if cleaned_data.get("image") and not cleaned_data.get("image_alt", "").strip():
            self.add_error("image_alt", "Describe the image for readers who cannot see it.")
        main_topic, topics = cleaned_data.get("main_topic"), cleaned_data.get("topics")
        if main_topic and topics is not None and main_topic not in topics:
            self.add_error("main_topic", "Choose the main topic among the article's topics.")
        return cleaned_data

    def _check_not_stale(self, cleaned_data):
        """Refuse to save over a version saved by someone else after this form was opened."""
        if not self.instance.pk:
            return
        current = Article.objects.select_related("latest_version__created_by").get(
            pk=self.instance.pk
        )
        latest = current.latest_version
        based_on = cleaned_data.get("based_on_version") or 0
        if latest is None or latest.number == based_on:
            return
        # Saving this form again means "keep my text anyway" (theirs stays in the history).
        self.data = self.data.copy()
        self.data[self.add_prefix("based_on_version")] = latest.number
        raise forms.ValidationError(stale_message(current, based_on, latest), code="stale")


def stale_message(article, based_on, latest):
    who = latest.created_by.get_username() if latest.created_by else "someone else"
    when = date_format(localtime(latest.created_at), "DATETIME_FORMAT")
    return format_html(
        "{who} saved version {number} of this article on {when}, after you opened it. "
        "Nothing you typed has been saved or lost: your text is in the form below, and their "
        "version is compared with it field by field. Choose per field, then save to make "
        "the result version {next} (theirs stays in the history).",
        who=who,
        number=latest.number,
        when=when,
        next=latest.number + 1,
    )


class AuthorAdminForm(VerifiedImagesFormMixin, forms.ModelForm):
    """Author photos get the article images' checks: metadata stripped, name not kept."""

    verified_image_fields = ("photo",)

    class Meta:
        model = Author
        fields = ["name", "slug", "credentials", "bio", "photo", "user"]
