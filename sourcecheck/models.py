"""The last check of each source link of live articles (issue 17, `check_source_links`).

Kept in its own app, keyed by address, not a column on articles.Source: sources are rewritten
with every save of an article, while an address's check stays true for every article citing it.
"""

from django.db import models
from django.utils import timezone

# Answers that mean the page is there, after redirects were followed.
OK_STATUSES = range(200, 300)


class SourceLinkCheckQuerySet(models.QuerySet):
    def broken(self):
        return self.filter(ok=False)


class SourceLinkCheck(models.Model):
    url = models.URLField(max_length=500, unique=True)
    status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The HTTP status of the last answer; empty if none came."
    )
    error = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why no answer came (a timeout, a refused connection).",
    )
    final_url = models.URLField(
        max_length=500, blank=True, help_text="Where redirects led, when they led elsewhere."
    )
    ok = models.BooleanField(default=False)
    checked_at = models.DateTimeField(default=timezone.now)

    objects = SourceLinkCheckQuerySet.as_manager()

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url

    @property
    def problem(self):
        """What is wrong with the link, in plain words."""
        if self.ok:
            return ""
        if self.status:
            return f"answered {self.status}"
        return self.error or "gave no answer"
