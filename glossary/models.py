"""Words readers may not know, explained in plain words (issue 17)."""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class TermQuerySet(models.QuerySet):
    def for_reader_pages(self):
        # Alphabetical whatever the case: "anti-dsDNA" between "ANA" and "Autoimmune".
        return self.order_by(Lower("term")).only("term", "slug", "definition", "synonyms")


class Term(models.Model):
    term = models.CharField(
        max_length=80,
        unique=True,
        help_text="The word or abbreviation as it appears in articles, e.g. “ANA”.",
    )
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Its address on the glossary page: /glossary/#<slug>.",
    )
    definition = models.TextField(
        help_text="What it means, in one or two short sentences a reader of 12 would follow. "
        "Plain text."
    )
    synonyms = models.CharField(
        max_length=300,
        blank=True,
        help_text="Other ways articles write it, separated by commas, e.g. “antinuclear "
        "antibody, antinuclear antibodies”. The first use of the term or any of these in an "
        "article gets the definition.",
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term

    def get_absolute_url(self):
        return f"{reverse('glossary:index')}#{self.slug}"

    @property
    def spellings(self):
        """The term and its synonyms, longest first, so "anti-dsDNA" wins over "DNA"."""
        names = [self.term] + [s.strip() for s in self.synonyms.split(",") if s.strip()]
        return sorted(set(names), key=len, reverse=True)
