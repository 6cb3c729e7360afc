from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo as articles_demo
from glossary import demo as glossary_demo
from inquiries import demo as inquiries_demo


class Command(BaseCommand):
    help = (
        "Load the demo content (articles, reader questions, glossary terms). "
        "A second run changes nothing."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            articles_demo.load(stdout=self.stdout)
            inquiries_demo.load(stdout=self.stdout)
            glossary_demo.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is up to date."))
