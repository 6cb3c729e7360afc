from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.models import Article
from sourcecheck.fetch import fetch
from sourcecheck.models import SourceLinkCheck


def live_source_urls():
    """Every distinct source link readers can see now, from live versions only."""
    urls = []
    for article in Article.objects.live().with_live_snapshot():
        for source in article.live_version.content.get("sources", []):
            if source.get("url") and source["url"] not in urls:
                urls.append(source["url"])
    return urls


class Command(BaseCommand):
    help = (
        "Check every source link of live articles (HEAD, then GET; redirects followed) and "
        "record the answer; broken ones show on the staff home and in the article's checklist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds per request.")
        parser.add_argument(
            "--workers", type=int, default=4, help="Links fetched at once (a few, to be polite)."
        )

    def handle(self, *args, timeout, workers, **options):
        urls = live_source_urls()
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            answers = list(pool.map(lambda url: fetch(url, timeout=timeout), urls))
        broken = 0
        for answer in answers:
            SourceLinkCheck.objects.update_or_create(
                url=answer.url,
                defaults={
                    "status": answer.status,
                    "error": answer.error,
                    "final_url": answer.final_url if answer.final_url != answer.url else "",
                    "ok": answer.ok,
                    "checked_at": timezone.now(),
                },
            )
            if not answer.ok:
                broken += 1
                problem = answer.status or answer.error
                self.stdout.write(f"Broken: {answer.url} ({problem})")
        self.stdout.write(f"Checked {len(urls)} link(s): {broken} broken.")
