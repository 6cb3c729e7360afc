import json

from django.core.management.base import BaseCommand, CommandError

from ldn_portal.content_backup import ImportRefused, check_media, import_content


class Command(BaseCommand):
    help = (
        "Load a file written by export_content into a freshly migrated database (all or "
        "nothing), then check the media folder against the file's list of media files."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file written by export_content.")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        try:
            counts = import_content(document)
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        problems = check_media(document)
        for problem in problems:
            self.stderr.write(f"Media file {problem}")
        if problems:
            self.stderr.write("Copy the media folder from the backup (README, Backup and restore).")
        self.stdout.write(self.style.SUCCESS("Import complete."))
