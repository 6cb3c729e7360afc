import json
import sys

from django.core.management.base import BaseCommand

from audit.models import Action, AuditEntry
from ldn_portal.content_backup import ContentEncoder, export_content


class Command(BaseCommand):
    help = (
        "Write all content (topics, authors, disclaimers, articles with every version, "
        "bylines, sources, reader questions) and the list of media files as JSON. "
        "It contains readers' names and e-mail addresses unless --without-personal-data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--without-personal-data",
            action="store_true",
            help="Blank readers' names, e-mail addresses and address hashes.",
        )

    def handle(self, *args, **options):
        document = export_content(personal_data=not options["without_personal_data"])
        AuditEntry.objects.record(
            Action.EXPORT,
            what="content export",
            rows=len(document["objects"]),
            personal_data=document["contains_personal_data"],
        )
        text = json.dumps(document, cls=ContentEncoder, ensure_ascii=False, indent=1)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            counts = {}
            for item in document["objects"]:
                counts[item["model"]] = counts.get(item["model"], 0) + 1
            summary = ", ".join(f"{count} {model}" for model, count in counts.items())
            self.stderr.write(f"Wrote {options['output']}: {summary or 'no content'}.")
            if document["contains_personal_data"]:
                self.stderr.write("It holds readers' personal data: store it like the database.")
        else:
            sys.stdout.write(text)
