"""The article form staff use in the admin."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.timezone import localtime

from articles.models import Article, Author
from articles.uploads import VerifiedImagesFormMixin, clean_uploaded_image


class UnlabelledHiddenInput(forms.HiddenInput):
    """The admin prints a label for every field in a fieldset; a label must not point at a
    hidden input (Nu Html Checker error), so this one names no element."""

    def id_for_label(self, id_):
        return None


class ArticleAdminForm(forms.ModelForm):
    """The working copy plus what the next version needs: a change note, and a guard
    against saving over someone else's newer version."""

    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What changed and why. Required when the article is live.",
    )
    note_is_public = forms.BooleanField(
        label="Show note to readers",
        required=False,
        help_text="Tick for a substantive update readers should see in the list of changes.",
    )
    based_on_version = forms.IntegerField(
        required=False,
        min_value=0,
        widget=UnlabelledHiddenInput,
        help_text="The version this form was opened on.",
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
        # Valid HTML (issue 17): the admin prints help text unescaped, so "<slug>" became an
        # element; and the hidden copy of a callable default must not carry aria-describedby.
        # (Both fields are absent from the read-only form of staff who may only view.)
        if "slug" in self.fields:
            self.fields["slug"].help_text = escape(self.fields["slug"].help_text)
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
    compare_url = reverse("admin:articles_article_compare", args=[article.pk])
    when = date_format(localtime(latest.created_at), "DATETIME_FORMAT")
    return format_html(
        "{who} saved version {number} of this article on {when}, after you opened it. "
        "Nothing you typed has been saved: your text is still in the form below. "
        '<a href="{url}?a={a}&amp;b={number}">Compare version {a} with version {number}</a> '
        "to see their changes, then reload the article to work on their version, or save "
        "this form again to make your text the newest version (theirs stays in the history).",
        who=who,
        number=latest.number,
        when=when,
        url=compare_url,
        a=based_on or 1,
    )


class AuthorAdminForm(VerifiedImagesFormMixin, forms.ModelForm):
    """Author photos get the article images' checks: metadata stripped, name not kept."""

    verified_image_fields = ("photo",)

    class Meta:
        model = Author
        fields = ["name", "slug", "credentials", "bio", "photo", "user"]
