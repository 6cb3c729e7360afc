"""For the benchmarks: save a never-published draft every few seconds, as an author would.

    python manage.py bench_save_drafts --every 2

Each save changes the draft's body and records a version, the way the admin does. Runs until
it is stopped (bench/run.py terminates it).
"""

import itertools
import time

from django.core.management.base import BaseCommand

from articles.models import Article, ArticleStatus


class Command(BaseCommand):
    help = "Save a draft article every few seconds (for bench/run.py)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=2.0, help="seconds between saves")

    def handle(self, *args, every, **options):
        draft = Article.objects.filter(status=ArticleStatus.DRAFT).order_by("pk").first()
        if draft is None:
            draft = Article.objects.create(
                title="Benchmark draft", slug="benchmark-draft", summary="Saved over and over."
            )
        for number in itertools.count(1):
            draft.body = f"<p>Draft text, save {number}.</p>"
            draft.save()
            draft.save_version()
            if number == 1:
                self.stdout.write("saving")
                self.stdout.flush()
            time.sleep(every)
