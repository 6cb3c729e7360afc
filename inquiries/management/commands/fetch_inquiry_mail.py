from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from imapclient.exceptions import IMAPClientError

from inquiries.mailbox import Mailbox, fetch


class Command(BaseCommand):
    help = (
        "Read new e-mail from the questions mailbox (LDN_INQUIRY_IMAP_URL): each new message "
        "becomes an inquiry, each reply joins its thread. Safe to run every few minutes."
    )

    def handle(self, *args, **options):
        if not settings.INQUIRY_IMAP_URL:
            raise CommandError("Set LDN_INQUIRY_IMAP_URL to the questions mailbox first.")
        try:
            mailbox = Mailbox.from_url(settings.INQUIRY_IMAP_URL)
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            result = fetch(mailbox)
        except (OSError, IMAPClientError) as error:
            # Nothing is lost: what was not marked seen is read on the next run.
            reason = type(error).__name__
            raise CommandError(f"The mailbox could not be read ({reason}).") from error
        self.stdout.write(
            f"{result.new_questions} new questions, {result.thread_messages} replies added to "
            f"their threads, {result.already_taken} taken before."
        )
