from django.conf import settings
from django.core.management.base import BaseCommand

from audit.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Delete audit entries older than AUDIT_RETENTION_DAYS (the only way an entry is ever "
        "removed), and record that it ran. Safe to run again (daily from cron)."
    )

    def handle(self, *args, **options):
        count = AuditEntry.objects.purge_expired()
        days = settings.AUDIT_RETENTION_DAYS
        self.stdout.write(
            f"Deleted {count} audit entr{'y' if count == 1 else 'ies'} older than {days} days."
        )
