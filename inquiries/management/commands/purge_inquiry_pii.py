from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.models import Action, AuditEntry
from inquiries.models import Inquiry

SPAM_RETENTION_DAYS = 30


class Command(BaseCommand):
    help = (
        "Blank the name, e-mail and client hash of closed inquiries older than --older-than days "
        "(default INQUIRY_PII_RETENTION_DAYS), keeping the question and the counts, and delete "
        f"spam older than {SPAM_RETENTION_DAYS} days. Safe to run again (daily from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="DAYS",
            help="Age in days after which a closed inquiry loses its personal data.",
        )

    def handle(self, *args, older_than=None, **options):
        days = settings.INQUIRY_PII_RETENTION_DAYS if older_than is None else older_than
        if days < 0:
            raise CommandError("--older-than must be zero or more days.")
        blanked, deleted = Inquiry.objects.purge_personal_data(
            older_than_days=days, spam_days=SPAM_RETENTION_DAYS
        )
        AuditEntry.objects.record(
            Action.PURGE,
            what="inquiry personal data",
            blanked=blanked,
            spam_deleted=deleted,
            older_than_days=days,
        )
        self.stdout.write(
            f"Personal data removed from {blanked} closed inquir{'y' if blanked == 1 else 'ies'} "
            f"older than {days} days; {deleted} spam inquir{'y' if deleted == 1 else 'ies'} "
            f"older than {SPAM_RETENTION_DAYS} days deleted."
        )
