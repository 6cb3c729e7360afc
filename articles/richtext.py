"""The rich-text field and its editor, kept in one place so the editor can be swapped.

The model field is a plain TextField that sanitizes on every save; only the form field
knows about CKEditor. Replacing the editor means editing this module alone.
"""

from ckeditor_uploader.fields import RichTextUploadingFormField
from django.db import models

from articles.sanitize import clean_html


class SanitizedHTMLFormField(RichTextUploadingFormField):
    def clean(self, value):
        return clean_html(super().clean(value))


class RichTextField(models.TextField):
    """HTML written by staff: sanitized before it is stored, edited with CKEditor."""

    def pre_save(self, model_instance, add):
        value = clean_html(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SanitizedHTMLFormField, **kwargs})
