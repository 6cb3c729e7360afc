from django.db import models


class CacheClear(models.Model):
    """How many times a cache key had to be cleared while the shared cache could not take the
    delete (ldn_portal/resilient_cache.py, DurableClear). Kept in the database, in the same
    transaction as the change that made the clear, so it is exactly as durable as that change
    and every app server sees it."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.count}"
