import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

# The view as its migration defines it (frozen there), to recreate it in another time zone.
VIEW = importlib.import_module("inquiries.migrations.0006_demand_day_view")


class Command(BaseCommand):
    help = (
        "PostgreSQL: count the demand dashboard's day view again without blocking readers or "
        "writers (cron, e.g. hourly); after a change of TIME_ZONE, make it again in the new zone."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to do: the dashboard counts directly on this database.")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT time_zone FROM inquiries_demand_day LIMIT 1")
            if cursor.fetchone() in (None, (settings.TIME_ZONE,)):  # empty, or in this zone
                cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY inquiries_demand_day")
            else:
                cursor.execute("DROP MATERIALIZED VIEW inquiries_demand_day")
                for statement in VIEW.CREATE:
                    cursor.execute(statement, {"zone": settings.TIME_ZONE})
        self.stdout.write("Demand day view counted again.")
