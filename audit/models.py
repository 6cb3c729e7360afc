import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, transaction
from django.utils import timezone

from audit.context import current_request

# Details are for ids, counts and staff names only: these keys would invite a reader's
# personal data into an entry that is kept for years, so record() refuses them.
FORBIDDEN_DETAIL_KEYS = frozenset({"email", "name", "question", "password", "token", "code"})

# Objects from these apps are labelled with str(obj) (article titles, staff user names, role
# names); any other object only by its kind and id, so an entry about an inquiry never holds
# a reader's words.
LABELLED_APPS = frozenset({"articles", "auth"})


class AppendOnly(Exception):
    """Audit entries are never changed or deleted, except by the retention purge."""


class Action(models.TextChoices):
    SIGN_IN = "sign_in", "signed in (password)"
    SIGN_IN_FAILED = "sign_in_failed", "sign-in failed"
    LOCKOUT = "lockout", "locked out after failed sign-ins"
    SIGN_OUT = "sign_out", "signed out"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "enrolled an authenticator app"
    TWO_FACTOR_VERIFIED = "two_factor_verified", "passed the second factor"
    TWO_FACTOR_FAILED = "two_factor_failed", "second factor refused"
    RECOVERY_CODE_USED = "recovery_code_used", "signed in with a recovery code"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", "made new recovery codes"
    TWO_FACTOR_RESET = "two_factor_reset", "second factor reset"
    ACCOUNT_CREATED = "account_created", "account created"
    ACCOUNT_FLAGS_CHANGED = "account_flags_changed", "staff, superuser or active status changed"
    ROLES_CHANGED = "roles_changed", "roles changed"
    USER_PERMISSIONS_CHANGED = "user_permissions_changed", "user's own permissions changed"
    ROLE_PERMISSIONS_CHANGED = "role_permissions_changed", "role's permissions changed"
    ARTICLE_PUBLISH = "article_publish", "article published"
    ARTICLE_SCHEDULE = "article_schedule", "article scheduled"
    ARTICLE_CANCEL_SCHEDULE = "article_cancel_schedule", "article schedule cancelled"
    ARTICLE_UNPUBLISH = "article_unpublish", "article unpublished"
    ARTICLE_SCHEDULE_UNPUBLISH = "article_schedule_unpublish", "article unpublish scheduled"
    ARTICLE_ARCHIVE = "article_archive", "article archived"
    ARTICLE_RESTORE = "article_restore", "article version restored"
    ARTICLE_TRASH = "article_trash", "article moved to the trash"
    ARTICLE_RESTORE_FROM_TRASH = "article_restore_from_trash", "article restored from the trash"
    ARTICLE_EMPTY_TRASH = "article_empty_trash", "trash emptied"
    ARTICLE_SUBMIT_FOR_REVIEW = "article_submit_for_review", "article submitted for review"
    PERSONAL_DATA_VIEWED = "personal_data_viewed", "reader's personal data viewed"
    EXPORT = "export", "export"
    PURGE = "purge", "personal data purged"
    ERASURE = "erasure", "reader's question deleted"
    AUDIT_PURGE = "audit_purge", "old audit entries purged"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit entries are removed only by purge_audit_log.")

    delete.queryset_only = True

    def expired(self, now=None):
        """Entries older than settings.AUDIT_RETENTION_DAYS."""
        now = now or timezone.now()
        return self.filter(at__lt=now - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS))

    def purge_expired(self, now=None):
        """Delete expired entries (the one deletion allowed) and record that it happened."""
        with transaction.atomic(using=self.db):
            connection = connections[self.db]
            if connection.vendor == "postgresql":
                # The table's trigger lets only this transaction delete (migration 0002).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL ldn.audit_purge = 'on'")
            count = models.QuerySet.delete(self.expired(now))[0]
        self.model.objects.record(
            Action.AUDIT_PURGE, deleted=count, retention_days=settings.AUDIT_RETENTION_DAYS
        )
        return count

    def record(self, action, by=None, obj=None, request=None, **details):
        """Append one entry: `action` (an Action) done by `by` to `obj`, with `details`.

        Without `by`, the signed-in user of `request` (or of the request being served) is
        taken; pass an AnonymousUser for "nobody signed in" (a failed sign-in). Details must
        be JSON-serialisable ids, counts and flags, never a reader's data.
        """
        if action not in Action.values:
            raise ValueError(f"Unknown audit action {action!r}; add it to audit.models.Action.")
        forbidden = FORBIDDEN_DETAIL_KEYS.intersection(details)
        if forbidden:
            raise ValueError(f"Audit details may not hold {sorted(forbidden)}.")
        request = request or current_request.get()
        if by is None and request is not None:
            by = getattr(request, "user", None)
        entry = self.model(action=action, details=details)
        if by is not None and by.is_authenticated:
            entry.by_id = by.pk
            entry.by_username = by.get_username()
        if obj is not None:
            entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
            entry.object_id = str(obj.pk)
            entry.object_label = object_label(obj)
        if request is not None:
            from ldn_portal.security import client_ip_address

            entry.ip_address = client_ip_address(request) or None
        entry.save()
        return entry


def object_label(obj):
    if obj._meta.app_label in LABELLED_APPS:
        return str(obj)[:200]
    return f"{obj._meta.verbose_name} {obj.pk}"


class AuditEntry(models.Model):
    """One thing someone did that the organization must be able to account for. Append-only."""

    at = models.DateTimeField("date", default=timezone.now, db_index=True, editable=False)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    # No database constraint, so deleting a staff account keeps its entries (and their
    # user name) instead of changing or removing them.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who did it (empty: the system or an unknown user name).",
    )
    by_username = models.CharField(
        "by (user name)", max_length=150, blank=True, help_text="Kept if the account goes."
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name="kind of object",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_label = models.CharField(
        max_length=200, blank=True, help_text="An article's title, a user name, or kind and id."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object_at"),
            models.Index(fields=["by", "at"], name="audit_by_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.by_username or 'system'}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit entries are removed only by purge_audit_log.")
