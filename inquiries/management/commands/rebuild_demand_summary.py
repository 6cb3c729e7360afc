from django.core.management.base import BaseCommand, CommandError

from inquiries import summary


class Command(BaseCommand):
    help = (
        "Count every inquiry again into the demand summary behind the demand dashboard. Every "
        "write keeps it exact; run this after changing DJANGO_TIME_ZONE (or the first dashboard "
        "view does it) or after writing inquiries with raw SQL. --check only compares."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report whether the summary equals a fresh count, changing nothing.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            differences = summary.differences()
            if differences:
                tables = ", ".join(
                    f"{table} ({len(rows)} rows)" for table, rows in differences.items()
                )
                raise CommandError(f"The demand summary differs from a fresh count: {tables}.")
            self.stdout.write("The demand summary equals a fresh count.")
            return
        summary.rebuild()
        self.stdout.write("Demand summary rebuilt.")
