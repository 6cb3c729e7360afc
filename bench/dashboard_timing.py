"""Time the demand dashboard's figures for each period: from nothing with the day view, from
nothing with plain queries only, and served from the cache.

    N=5 .venv/bin/python manage.py shell < bench/dashboard_timing.py

Uses the database and cache of the environment (DATABASE_URL, REDIS_URL): see
docs/performance.md, "Demand dashboard". The plain-queries column runs with TIME_ZONE named
differently (Etc/UTC for UTC, the same days): the dashboard then leaves the view aside, as it does
for a view counted in another zone, and counts every day directly.
"""

import os
import statistics
import time

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from inquiries import demand
from inquiries.models import Inquiry


def timed(repeat, function, *args):
    """(median, best) milliseconds of `repeat` calls of function(*args)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def main(repeat):
    print(
        f"{Inquiry.objects.count():,} inquiries, load average {os.getloadavg()[0]:.1f}, "
        f"DEMAND_CACHE={settings.DEMAND_CACHE}"
    )
    same_days = {"UTC": "Etc/UTC"}.get(settings.TIME_ZONE)
    for days in demand.PERIOD_CHOICES:
        period, _ = demand.period_from_params({"days": str(days)})
        now = timezone.now()
        view = timed(repeat, demand.compute_figures, period, now)
        plain = None
        if same_days and os.environ.get("PLAIN", "1") == "1":
            with override_settings(TIME_ZONE=same_days):
                plain = timed(repeat, demand.compute_figures, period, now)
        demand.dashboard(period, now, refresh=True)
        cached = timed(repeat, demand.dashboard, period, now)
        print(
            f"{days:>3} days: from nothing with the day view {view[0]:.0f} ms (best {view[1]:.0f});"
            + (f" plain queries {plain[0]:.0f} ms (best {plain[1]:.0f});" if plain else "")
            + f" cached {cached[0]:.1f} ms (best {cached[1]:.1f})"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


main(int(os.environ.get("N", "5")))
