"""Figures for the demand dashboard: which topics readers ask about, and what articles changed.

Plain aggregate queries over the inquiries and their topic links (spam never counts), a fixed
number whatever the data, kept in a shared cache for a few minutes (dashboard()).
"""

import datetime
import logging
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.models import Article, ArticleVersion, SearchGap, Topic
from inquiries.models import ArticleRole, Inquiry, Status

logger = logging.getLogger(__name__)

DAY = datetime.timedelta(days=1)
PERIOD_CHOICES = (30, 90, 365)
DEFAULT_DAYS = 90
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
RATE_WINDOW_DAYS = 90  # article_impact()
REVIEW_DUE_WITHIN_DAYS, REVIEW_DEMAND_DAYS = 30, 90  # review_queue()
CHART_TOPICS = 6
# The trend follows the period: per day up to TREND_DAYS_UP_TO days, per week up to
# TREND_WEEKS_UP_TO, per month beyond.
TREND_DAYS_UP_TO, TREND_WEEKS_UP_TO = 45, 200
# Okabe-Ito colours (safe for colour blindness); after every colour, the same colours again
# with a dash pattern, so lines differ without colour too.
CHART_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9"]
CHART_DASHES = ["", "8 4", "2 4"]
# The chart's frame: the plot from `left` to `right_edge`, from 16 down to `baseline`.
CHART = {"width": 720, "height": 300, "left": 48, "right_edge": 704, "baseline": 252}
# In the day counts, besides topic ids: every inquiry, and those without a topic yet.
ALL, UNTAGGED = -1, 0


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime
    days: int | None  # None for a custom range

    @property
    def previous(self):
        return Period(self.start - (self.end - self.start), self.start, self.days)

    @property
    def first_day(self):
        return timezone.localtime(self.start).date()

    @property
    def last_day(self):
        return timezone.localtime(self.end - datetime.timedelta(microseconds=1)).date()


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_from_params(params, now=None):
    """The period asked for in the query string, and an error message if it was unusable.

    ``?days=30|90|365`` counts back from the end of today; ``?start=YYYY-MM-DD&end=YYYY-MM-DD``
    is a custom range, both days included.
    """
    end = _day_start(timezone.localdate(now) + DAY)
    default = Period(end - DEFAULT_DAYS * DAY, end, DEFAULT_DAYS)
    if not (params.get("start") or params.get("end")):
        days = params.get("days", str(DEFAULT_DAYS))
        if not days.isdigit() or int(days) not in PERIOD_CHOICES:
            return default, "Choose 30, 90 or 365 days."
        return Period(end - int(days) * DAY, end, int(days)), ""
    try:
        first, last = (datetime.date.fromisoformat(params.get(key, "")) for key in ("start", "end"))
    except ValueError:
        return default, "Give both dates as YYYY-MM-DD."
    if first > last:
        return default, "The start must be before the end."
    # Day 1 or 9999-12-31 would overflow the date arithmetic below (a 500).
    if (last - first).days > 10 * 366 or first.year < EARLIEST_YEAR or last.year > LATEST_YEAR:
        return default, f"Choose at most ten years between {EARLIEST_YEAR} and {LATEST_YEAR}."
    return Period(_day_start(first), _day_start(last + DAY), None), ""


def daily_counts(start, end):
    """(Counter {(topic id, ALL or UNTAGGED; day): inquiries received that day} for the days in
    [start, end), when the day view was refreshed or None). On PostgreSQL the days before the
    day of the view's refresh come from it (if counted in this time zone)."""
    counts, counted_at, cut = Counter(), None, start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Whole days before the view's refresh, each row saying when that was: one statement.
            cursor.execute(
                "SELECT topic_id, day, inquiries, counted_at FROM inquiries_demand_day "
                "WHERE time_zone = %s AND day >= %s AND day < %s "
                "AND day < (counted_at AT TIME ZONE time_zone)::date",
                [settings.TIME_ZONE, timezone.localdate(start), timezone.localdate(end)],
            )
            rows = cursor.fetchall()
        counts.update({(topic, day): n for topic, day, n, _ in rows})
        if rows:  # else none of these days was counted whole: all are counted directly
            counted_at = rows[0][3]
            cut = max(start, _day_start(timezone.localdate(counted_at)))
    received = Inquiry.objects.not_spam().received_between(cut, end).order_by()
    day = TruncDate("received_at")
    # Through the topic links (an outer join): no topic is an untagged inquiry.
    for row in received.values("topics", day=day).annotate(n=Count("pk")):
        counts[(row["topics"] or UNTAGGED, row["day"])] = row["n"]
    for row in received.values(day=day).annotate(n=Count("pk")):
        counts[(ALL, row["day"])] = row["n"]
    return counts, counted_at


def topic_demand(period, days):
    """Per topic, most asked first: inquiries in the period and the previous one, the share of
    all and the change; with the period's total and untagged inquiries."""
    current, before = Counter(), Counter()
    first, previous_first = period.first_day, period.previous.first_day  # once: not per day
    for (topic_id, day), n in days.items():
        if day >= previous_first:
            (current if day >= first else before)[topic_id] += n
    total, untagged = current.pop(ALL, 0), current.pop(UNTAGGED, 0)
    names = Topic.objects.filter(pk__in=current | before).order_by("name")
    rows = []
    # Equal counts keep the database's order of names.
    for pk, name in sorted(names.values_list("pk", "name"), key=lambda t: -current[t[0]]):
        count, earlier = current[pk], before[pk]
        rows.append(
            {
                "topic_id": pk,
                "name": name,
                "count": count,
                "previous": earlier,
                "share": round(100 * count / total, 1) if total else 0.0,
                "change": count - earlier,
                "change_percent": round(100 * (count - earlier) / earlier) if earlier else None,
            }
        )
    return rows, total, untagged


@dataclass(frozen=True)
class Bucket:
    """One point of the trend: the days from `start` to `end` (excluded)."""

    start: datetime.date
    end: datetime.date
    unit: str  # "day", "week" or "month"
    # The bucket reaches past the period (the current week or month, not over yet; or one
    # that began before the period): its count covers only the days inside the period.
    partial: bool

    @property
    def label(self):
        return self.start.strftime("%b %y" if self.unit == "month" else "%-d %b")

    @property
    def long_label(self):
        text = {"day": "%A %-d %B %Y", "week": "Week of %-d %B %Y", "month": "%B %Y"}[self.unit]
        return self.start.strftime(text) + (" (part of it)" if self.partial else "")


def trend_buckets(period):
    """The trend's points for `period`: its days, weeks (from Monday) or months, in order."""
    first, last = period.first_day, period.last_day
    if (last - first).days < TREND_DAYS_UP_TO:
        unit, start, step = "day", first, DAY
    elif (last - first).days < TREND_WEEKS_UP_TO:
        unit, start, step = "week", first - first.weekday() * DAY, 7 * DAY
    else:
        unit, start, step = "month", first.replace(day=1), None
    buckets = []
    while start <= last:
        end = start + step if step else (start + 32 * DAY).replace(day=1)
        buckets.append(Bucket(start, end, unit, start < first or end > last + DAY))
        start = end
    return buckets


def trend_series(period, buckets, days, topics):
    """One line per topic row in `topics`: its inquiries per bucket (days in the period only),
    and a colour and line style that stay the same in every view whatever its rank."""
    starts = [bucket.start for bucket in buckets]
    counts, first, last = Counter(), period.first_day, period.last_day
    for (topic_id, day), n in days.items():
        if first <= day <= last:
            counts[(topic_id, bisect_right(starts, day) - 1)] += n
    order = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    series = []
    for row in topics:
        i = order.index(row["topic_id"])
        series.append(
            {
                "name": row["name"],
                "values": [counts[(row["topic_id"], b)] for b in range(len(buckets))],
                "colour": CHART_COLOURS[i % len(CHART_COLOURS)],
                "dash": CHART_DASHES[(i // len(CHART_COLOURS)) % len(CHART_DASHES)],
            }
        )
    return series


def trend_chart(buckets, series):
    """Coordinates for the SVG line chart: one line per topic, the buckets along the bottom."""
    left, top = CHART["left"], 16
    plot_w, plot_h = CHART["right_edge"] - left, CHART["baseline"] - top
    step = max(1, -(-max(max(s["values"]) for s in series) // 4))
    n = len(buckets)  # a single bucket stands in the middle
    x = [round(left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1) for i in range(n)]

    def y(v):
        return round(top + plot_h * (1 - v / (4 * step)), 1)

    lines = []
    for s in series:
        dots = [(x[i], y(v), buckets[i].partial) for i, v in enumerate(s["values"])]
        lines.append({**s, "points": " ".join(f"{px},{py}" for px, py, _ in dots), "dots": dots})
    label_every = -(-n // 12)
    return {
        **CHART,
        "y_ticks": [{"value": v, "y": y(v)} for v in range(0, 4 * step + 1, step)],
        "x_labels": [
            {"label": b.label, "x": x[i]} for i, b in enumerate(buckets) if i % label_every == 0
        ],
        "lines": lines,
    }


def median_time_to_answer(period):
    """Median of (answered - received) for inquiries answered in the period, or None."""
    answered = Inquiry.objects.not_spam().filter(
        answered_at__gte=period.start, answered_at__lt=period.end
    )
    count = answered.count()
    wait = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    # The middle one, or the middle two of an even number.
    middle = answered.annotate(wait=wait).order_by("wait").values_list("wait", flat=True)
    middle = list(middle[(count - 1) // 2 : count // 2 + 1]) if count else []
    return sum(middle, datetime.timedelta()) / len(middle) if middle else None


def content_gaps(asked):
    """Topics asked about at least INQUIRY_CONTENT_GAP_MIN times that no live article covers;
    `asked` is {topic id: inquiries in the period}."""
    # The topics readers see: the live version's, not an unpublished edit's.
    live = Article.objects.live().values("live_version")
    gaps = Topic.objects.exclude(article_versions__in=live).order_by("name")
    for topic in gaps:
        topic.asked = asked.get(topic.pk, 0)
    # Stable: equal counts keep the database's order of names.
    minimum = settings.INQUIRY_CONTENT_GAP_MIN
    return sorted((t for t in gaps if t.asked >= minimum), key=lambda topic: -topic.asked)


def review_queue(now=None):
    """Articles due for review within REVIEW_DUE_WITHIN_DAYS (or overdue), the most asked-about
    first: questions (not spam) on their topics in the last REVIEW_DEMAND_DAYS, one query."""
    now = now or timezone.now()
    recent = Q(topics__inquiries__received_at__gte=now - REVIEW_DEMAND_DAYS * DAY) & ~Q(
        topics__inquiries__status=Status.SPAM
    )
    return (
        Article.objects.not_trashed()
        .filter(next_review_due__lte=timezone.localdate(now) + REVIEW_DUE_WITHIN_DAYS * DAY)
        .annotate(demand=Count("topics__inquiries", filter=recent, distinct=True))
        .order_by("-demand", "next_review_due", "pk")
    )


def article_impact(now=None, limit=50):
    """The newest live articles: questions that prompted them, questions on their topics since
    they went live, and those topics' rate per 30 days over the RATE_WINDOW_DAYS before and after
    (or the days since, when fewer). The topics are the live version's, as readers see them; each
    question counts once however many of them it has. Three queries whatever the articles."""
    now = now or timezone.now()
    window, went_live = RATE_WINDOW_DAYS * DAY, F("article__first_published_at")
    articles = list(
        Article.objects.live(at=now)
        .filter(first_published_at__isnull=False)
        .annotate(version=F("live_version__pk"))
        .only("slug", "title", "first_published_at")
        .order_by("-first_published_at")[:limit]
    )
    prompted = Inquiry.objects.filter(
        related_article__in=articles, related_article_role=ArticleRole.PROMPTED
    )
    prompted = Counter(prompted.values_list("related_article", flat=True))

    since = Q(topics__inquiries__received_at__gte=went_live)
    within = Q(topics__inquiries__received_at__lt=went_live + window)
    earliest = min([article.first_published_at for article in articles], default=now)
    counts = (
        # One filter, so that the counts use its join: each row is from went_live - window on;
        # the earliest window's bound lets the received index serve it.
        ArticleVersion.objects.filter(
            Q(topics__inquiries__received_at__gte=went_live - window),
            Q(topics__inquiries__received_at__gte=earliest - window),
            pk__in=[article.version for article in articles],
            topics__inquiries__status__in=[s for s in Status if s != Status.SPAM],
        )
        .values("pk")
        .annotate(
            before=Count("topics__inquiries", filter=~since, distinct=True),
            after=Count("topics__inquiries", filter=since & within, distinct=True),
            since=Count("topics__inquiries", filter=since, distinct=True),
        )
        .order_by()
    )
    counts = {row.pop("pk"): row for row in counts}
    result = []
    for article in articles:
        row = counts.get(article.version, {"before": 0, "after": 0, "since": 0})
        days_after = min(RATE_WINDOW_DAYS, (now - article.first_published_at).days)
        result.append(
            {
                "article": article,
                "prompted": prompted[article.pk],
                "since_live": row["since"],
                "rate_before": round(row["before"] * 30 / RATE_WINDOW_DAYS, 1),
                "rate_after": round(row["after"] * 30 / days_after, 1) if days_after > 0 else None,
            }
        )
    return result


def dashboard(period, now=None, refresh=False):
    """Everything the dashboard shows, for the template: the figures (with a shared cache,
    DEMAND_CACHE, kept DEMAND_CACHE_SECONDS unless `refresh`) plus search gaps, read fresh."""
    key = f"demand:figures:{period.start.isoformat()}:{period.end.isoformat()}"
    figures = None if refresh or not settings.DEMAND_CACHE else _cached(cache.get, key)
    if figures is None:
        figures = compute_figures(period, now or timezone.now())
        if settings.DEMAND_CACHE:
            _cached(cache.set, key, figures, settings.DEMAND_CACHE_SECONDS)
    gaps = SearchGap.objects.top(period.first_day, period.last_day, limit=20)
    return {**figures, "search_gaps": gaps}


def _cached(operation, *args):
    """A cache read or write that cannot break the page: an unreachable cache counts afresh."""
    try:
        return operation(*args)
    except Exception:
        logger.warning("Demand dashboard cache unavailable: figures counted afresh", exc_info=True)


def compute_figures(period, now):
    """Every figure that comes from inquiries, topics and articles (uncached)."""
    buckets = trend_buckets(period)
    first = min(period.previous.start, _day_start(buckets[0].start))
    days, counted_at = daily_counts(first, period.end)
    topics, total, untriaged = topic_demand(period, days)
    series = trend_series(period, buckets, days, [r for r in topics if r["count"]][:CHART_TOPICS])
    median = median_time_to_answer(period)
    return {
        "as_of": now,
        "period": period,
        "topics": topics,
        "total": total,
        "untriaged": untriaged,
        "view_counted_at": counted_at,
        "buckets": buckets,
        "trend_unit": buckets[0].unit,
        "trend_partial": any(bucket.partial for bucket in buckets),
        "series": series,
        "trend_rows": [
            {"bucket": bucket, "values": [s["values"][i] for s in series]}
            for i, bucket in enumerate(buckets)
        ],
        "chart": trend_chart(buckets, series) if series else None,
        "backlog": {
            "open": Inquiry.objects.open().count(),
            "unanswered": Inquiry.objects.unanswered().count(),
        },
        "median_answer": median,
        "median_answer_days": round(median.total_seconds() / 86400, 1) if median else None,
        "gaps": content_gaps({row["topic_id"]: row["count"] for row in topics}),
        "gap_minimum": settings.INQUIRY_CONTENT_GAP_MIN,
        "articles": article_impact(now=now),
        "rate_window_days": RATE_WINDOW_DAYS,
    }
