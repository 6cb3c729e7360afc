"""Figures for the demand dashboard: which topics readers ask about, and what articles changed.

Every figure is a plain aggregate query over the inquiries and their topic links, so it equals a
direct count whatever wrote the rows (the admin, the ORM, raw SQL, an import). Each figure is a
fixed number of queries whatever the data (no query per article or topic). Spam never counts as
demand.

With a cache every app process shares (settings.DEMAND_CACHE), the figures of a period are kept
for settings.DEMAND_CACHE_SECONDS; the page says when they were counted and links to a recount.
"""

import datetime
import logging
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.models import Article, SearchGap, Topic
from inquiries.models import OPEN_STATUSES, ArticleRole, Inquiry, Status

logger = logging.getLogger(__name__)

PERIOD_CHOICES = (30, 90, 365)
DEFAULT_DAYS = 90
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
# Articles' before/after comparison: this many days on each side of going live.
RATE_WINDOW_DAYS = 90
YEAR = datetime.timedelta(days=365)
# Review queue: articles due for review within this many days (or overdue), ranked by the
# questions on their topics over the last REVIEW_DEMAND_DAYS.
REVIEW_DUE_WITHIN_DAYS = 30
REVIEW_DEMAND_DAYS = 90
CHART_TOPICS = 6
# Okabe-Ito colours (safe for colour blindness); after every colour, the same colours again
# with a dash pattern, so lines differ without colour too.
CHART_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9"]
CHART_DASHES = ["", "8 4", "2 4"]


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime
    days: int | None  # None for a custom range

    @property
    def length(self):
        return self.end - self.start

    @property
    def previous(self):
        return Period(self.start - self.length, self.start, self.days)

    @property
    def last_day(self):
        return timezone.localtime(self.end - datetime.timedelta(microseconds=1)).date()

    @property
    def first_day(self):
        return timezone.localtime(self.start).date()


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_from_params(params, now=None):
    """The period asked for in the query string, and an error message if it was unusable.

    ``?days=30|90|365`` counts back from the end of today; ``?start=YYYY-MM-DD&end=YYYY-MM-DD``
    is a custom range, both days included.
    """
    now = now or timezone.now()
    end_of_today = _day_start(timezone.localtime(now).date() + datetime.timedelta(days=1))
    if params.get("start") or params.get("end"):
        try:
            first = datetime.date.fromisoformat(params.get("start", ""))
            last = datetime.date.fromisoformat(params.get("end", ""))
        except ValueError:
            return _days_back(DEFAULT_DAYS, end_of_today), "Give both dates as YYYY-MM-DD."
        if first > last:
            return _days_back(DEFAULT_DAYS, end_of_today), "The start must be before the end."
        if (last - first).days > 10 * 366:
            return _days_back(DEFAULT_DAYS, end_of_today), "Choose a range of ten years or less."
        if first.year < EARLIEST_YEAR or last.year > LATEST_YEAR:
            # Day 1 or 9999-12-31 would overflow the date arithmetic below (a 500).
            return _days_back(DEFAULT_DAYS, end_of_today), (
                f"Choose dates between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        return Period(_day_start(first), _day_start(last + datetime.timedelta(days=1)), None), ""
    try:
        days = int(params.get("days", DEFAULT_DAYS))
    except ValueError:
        days = 0
    if days not in PERIOD_CHOICES:
        return _days_back(DEFAULT_DAYS, end_of_today), "Choose 30, 90 or 365 days."
    return _days_back(days, end_of_today), ""


def _days_back(days, end):
    return Period(end - datetime.timedelta(days=days), end, days)


def _links():
    """Inquiry–topic links of inquiries that are not spam."""
    return Inquiry.topics.through.objects.exclude(inquiry__status=Status.SPAM)


# In daily_counts, besides topic ids: every inquiry, and those without a topic yet.
ALL, UNTAGGED = -1, 0
# PostgreSQL: daily_counts() as a materialized view, refreshed concurrently by
# `manage.py refresh_demand_counts` (cron); it answers the days before the day of its refresh.
DAY_VIEW_SQL = (
    """CREATE MATERIALIZED VIEW inquiries_demand_day AS
    SELECT day, CASE WHEN GROUPING(topic) = 1 THEN -1 ELSE COALESCE(topic, 0) END AS topic_id,
        COUNT(DISTINCT id) AS inquiries, now() AS counted_at, %(zone)s::text AS time_zone
    FROM (
        SELECT (i.received_at AT TIME ZONE %(zone)s)::date AS day, i.id, l.topic_id AS topic
        FROM inquiries_inquiry i LEFT JOIN inquiries_inquiry_topics l ON l.inquiry_id = i.id
        WHERE i.status <> 'spam'
    ) AS counted
    GROUP BY GROUPING SETS ((day, topic), (day))""",
    "CREATE UNIQUE INDEX inquiries_demand_day_key ON inquiries_demand_day (day, topic_id)",
)


def view_counted_at():
    """When the day view was last refreshed, or None if it cannot be used here (SQLite, never
    filled, counted in another time zone)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT counted_at, time_zone FROM inquiries_demand_day LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row and row[1] == settings.TIME_ZONE else None


def daily_counts(start, end, counted_at):
    """Counter {(topic id, ALL or UNTAGGED, day): inquiries (not spam) received that day} for
    the days in [start, end) (settings.TIME_ZONE; periods start and end at midnight): from the
    day view (refreshed at `counted_at`, or None) for the days it answers, the rest counted
    directly in two queries."""
    counts = Counter()
    if counted_at is not None and start < _day_start(timezone.localdate(counted_at)):
        cut = min(_day_start(timezone.localdate(counted_at)), end)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT topic_id, day, inquiries FROM inquiries_demand_day "
                "WHERE day >= %s AND day < %s",
                [timezone.localdate(start), timezone.localdate(cut)],
            )
            counts.update({(topic, day): n for topic, day, n in cursor.fetchall()})
        start = cut
    if start >= end:
        return counts
    received = {"inquiry__received_at__gte": start, "inquiry__received_at__lt": end}
    for row in (
        _links()
        .filter(**received)
        .values("topic_id", day=TruncDate("inquiry__received_at"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(row["topic_id"], row["day"])] = row["n"]
    has_topic = Inquiry.topics.through.objects.filter(inquiry_id=OuterRef("pk"))
    for row in (
        Inquiry.objects.not_spam()
        .received_between(start, end)
        .values(day=TruncDate("received_at"))
        .annotate(n=Count("pk"), untagged=Count("pk", filter=~Exists(has_topic)))
        .order_by()
    ):
        counts[(ALL, row["day"])], counts[(UNTAGGED, row["day"])] = row["n"], row["untagged"]
    return counts


def topic_demand(period, days):
    """Per topic: inquiries in the period, in the previous one, share of all, and the change;
    with the period's total and untagged inquiries. `days` is daily_counts() over both periods.
    """
    first, previous_first = period.first_day, period.previous.first_day
    current, before = Counter(), Counter()
    for (topic_id, day), n in days.items():
        if day >= first:
            current[topic_id] += n
        elif day >= previous_first:
            before[topic_id] += n
    total, untagged = current.pop(ALL, 0), current.pop(UNTAGGED, 0)
    # Most asked first, then by name in the database's own order (as the list always was).
    topic_ids = (current.keys() | before.keys()) - {ALL, UNTAGGED}
    names = Topic.objects.filter(pk__in=topic_ids).order_by("name")
    result = []
    for topic_id, name in sorted(names.values_list("pk", "name"), key=lambda t: -current[t[0]]):
        count, earlier = current[topic_id], before[topic_id]
        change = count - earlier
        result.append(
            {
                "topic_id": topic_id,
                "name": name,
                "count": count,
                "previous": earlier,
                "share": round(100 * count / total, 1) if total else 0.0,
                "change": change,
                "change_percent": round(100 * change / earlier) if earlier else None,
            }
        )
    return result, total, untagged


# The trend follows the period: per day up to this many days, per week up to TREND_WEEKS_UP_TO,
# per month beyond.
TREND_DAYS_UP_TO = 45
TREND_WEEKS_UP_TO = 200


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
        if self.unit == "day":
            return self.start.strftime("%-d %b")
        if self.unit == "week":
            return self.start.strftime("%-d %b")
        return self.start.strftime("%b %y")

    @property
    def long_label(self):
        if self.unit == "day":
            text = self.start.strftime("%A %-d %B %Y")
        elif self.unit == "week":
            text = "Week of " + self.start.strftime("%-d %B %Y")
        else:
            text = self.start.strftime("%B %Y")
        return text + (" (part of it)" if self.partial else "")


def _next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def trend_buckets(period):
    """The trend's points for `period`: its days, weeks (from Monday) or months, in order."""
    first = timezone.localtime(period.start).date()
    last = timezone.localtime(period.end - datetime.timedelta(microseconds=1)).date()
    length = (last - first).days + 1
    if length <= TREND_DAYS_UP_TO:
        unit, start = "day", first
    elif length <= TREND_WEEKS_UP_TO:
        unit, start = "week", first - datetime.timedelta(days=first.weekday())
    else:
        unit, start = "month", first.replace(day=1)
    buckets = []
    while start <= last:
        if unit == "day":
            end = start + datetime.timedelta(days=1)
        elif unit == "week":
            end = start + datetime.timedelta(days=7)
        else:
            end = _next_month(start)
        partial = start < first or end > last + datetime.timedelta(days=1)
        buckets.append(Bucket(start, end, unit, partial))
        start = end
    return buckets


def trend(period, days, topic_ids):
    """Inquiries per bucket (trend_buckets) for each of `topic_ids`, counting only the days in
    the period; `days` is daily_counts() over at least the period."""
    buckets = trend_buckets(period)
    first = timezone.localtime(period.start).date()
    last = timezone.localtime(period.end - datetime.timedelta(microseconds=1)).date()
    starts = [bucket.start for bucket in buckets]
    counts = Counter()
    for (topic_id, day), n in days.items():
        if first <= day <= last:
            counts[(topic_id, bisect_right(starts, day) - 1)] += n
    return buckets, {pk: [counts[(pk, i)] for i in range(len(buckets))] for pk in topic_ids}


def chart_styles(topic_ids):
    """One colour and line style per topic, the same in every view whatever its rank."""
    order = {
        pk: i for i, pk in enumerate(Topic.objects.order_by("pk").values_list("pk", flat=True))
    }
    return {
        pk: (
            CHART_COLOURS[order.get(pk, 0) % len(CHART_COLOURS)],
            CHART_DASHES[(order.get(pk, 0) // len(CHART_COLOURS)) % len(CHART_DASHES)],
        )
        for pk in topic_ids
    }


def trend_chart(buckets, series, width=720, height=300):
    """Coordinates for the SVG line chart: one line per topic, the buckets along the bottom."""
    left, right, top, bottom = 48, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([max(s["values"]) for s in series if s["values"]] + [1])
    step = max(1, -(-peak // 4))
    y_max = step * 4

    def x(i):
        return left + (plot_w * i / (len(buckets) - 1) if len(buckets) > 1 else plot_w / 2)

    def y(v):
        return top + plot_h * (1 - v / y_max)

    lines = []
    for s in series:
        points = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(s["values"])]
        lines.append(
            {
                "name": s["name"],
                "colour": s["colour"],
                "dash": s["dash"],
                "points": " ".join(f"{px},{py}" for px, py in points),
                "dots": [
                    (px, py, bucket.partial)
                    for (px, py), bucket in zip(points, buckets, strict=True)
                ],
            }
        )
    label_every = max(1, -(-len(buckets) // 12))
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_edge": width - right,
        "baseline": top + plot_h,
        "y_ticks": [{"value": v, "y": round(y(v), 1)} for v in range(0, y_max + 1, step)],
        "x_labels": [
            {"label": bucket.label, "x": round(x(i), 1)}
            for i, bucket in enumerate(buckets)
            if i % label_every == 0
        ],
        "lines": lines,
    }


def backlog():
    """Open (new or triaged) and unanswered (reply wanted, none yet) inquiries now. One query."""
    awaiting = Q(reply_wanted=True, answered_at__isnull=True) & ~Q(
        status__in=[Status.CLOSED, Status.SPAM]
    )
    return Inquiry.objects.filter(Q(status__in=OPEN_STATUSES) | awaiting).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        unanswered=Count("pk", filter=awaiting),
    )


def median_time_to_answer(period):
    """Median of (answered - received) for inquiries answered in the period, or None."""
    answered = Inquiry.objects.not_spam().filter(
        answered_at__gte=period.start, answered_at__lt=period.end
    )
    count = answered.count()
    if not count:
        return None
    wait = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    # The middle one, or the middle two of an even number.
    middle = list(
        answered.annotate(wait=wait)
        .order_by("wait")
        .values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    return sum(middle, datetime.timedelta()) / len(middle)


def content_gaps(asked, minimum=None):
    """Topics asked about at least `minimum` times that no live article covers; `asked` is
    {topic id: inquiries in the period}."""
    minimum = settings.INQUIRY_CONTENT_GAP_MIN if minimum is None else minimum
    # Per topic, one probe for a live article on it (not a scan of every live article).
    # The topics readers see: the live version's, not an unpublished edit's.
    covered = Exists(Article.objects.live().filter(live_version__topics=OuterRef("pk")))
    gaps = []
    for topic in Topic.objects.exclude(covered).order_by("name"):
        topic.asked = asked.get(topic.pk, 0)
        if topic.asked >= minimum:
            gaps.append(topic)
    # Stable: equal counts keep the database's order of names.
    return sorted(gaps, key=lambda topic: -topic.asked)


def search_gaps(period, limit=20):
    """Searches that found no article in the period, most frequent first (a gap signal)."""
    return SearchGap.objects.top(period.first_day, period.last_day, limit=limit)


def review_queue(now=None):
    """Articles due for review within REVIEW_DUE_WITHIN_DAYS (or overdue), the most asked-about
    first: questions (not spam) on their topics in the last REVIEW_DEMAND_DAYS, one query."""
    now = now or timezone.now()
    due_by = timezone.localtime(now).date() + datetime.timedelta(days=REVIEW_DUE_WITHIN_DAYS)
    recent = Q(topics__inquiries__received_at__gte=now - datetime.timedelta(REVIEW_DEMAND_DAYS))
    return (
        Article.objects.not_trashed()
        .filter(next_review_due__lte=due_by)
        .annotate(
            demand=Count(
                "topics__inquiries",
                filter=recent & ~Q(topics__inquiries__status=Status.SPAM),
                distinct=True,
            )
        )
        .order_by("-demand", "next_review_due", "pk")
    )


def gap_questions(topic, limit=100):
    """Questions on `topic` not yet linked to an article, newest first: material for a draft."""
    return (
        Inquiry.objects.not_spam()
        .filter(topics=topic, related_article__isnull=True)
        .order_by("-received_at", "-pk")[:limit]
    )


def article_impact(now=None, limit=50):
    """For each live article: prompted by, asked since it went live, topic rate before/after.

    Rates are inquiries on the article's topics per 30 days, over the RATE_WINDOW_DAYS before
    it went live and the RATE_WINDOW_DAYS after (or the days since, when fewer have passed).
    Three queries whatever the number of articles: the articles, the prompted counts, and the
    inquiries (not spam, each once however many of the article's topics it has) per window.
    """
    now = now or timezone.now()
    window = datetime.timedelta(days=RATE_WINDOW_DAYS)
    articles = list(
        Article.objects.live(at=now)
        .filter(first_published_at__isnull=False)
        .only("slug", "title", "first_published_at")
        .order_by("-first_published_at")[:limit]
    )
    if not articles:
        return []
    ids = [article.pk for article in articles]
    prompted = dict(
        Inquiry.objects.filter(related_article__in=ids, related_article_role=ArticleRole.PROMPTED)
        .values_list("related_article")
        .annotate(n=Count("pk"))
        .order_by()
    )
    live, received = F("first_published_at"), "topics__inquiries__received_at"
    asked = (
        Article.objects.filter(pk__in=ids)
        # Only the inquiries the windows count (one filter: the same join as the counts); the
        # bound of the earliest window lets the received index serve it.
        .filter(
            Q(**{f"{received}__gte": live - window}),
            Q(**{f"{received}__gte": min(a.first_published_at for a in articles) - window}),
            topics__inquiries__status__in=[s for s in Status.values if s != Status.SPAM],
        )
        .values("pk")
        .annotate(
            before=_distinct_inquiries(Q(**{f"{received}__lt": live})),
            after=_distinct_inquiries(
                Q(**{f"{received}__gte": live, f"{received}__lt": live + window})
            ),
            since=_distinct_inquiries(Q(**{f"{received}__gte": live})),
        )
        .order_by()
    )
    asked = {row["pk"]: row for row in asked}
    result = []
    for article in articles:
        counts = asked.get(article.pk, {"before": 0, "after": 0, "since": 0})
        days_after = min(RATE_WINDOW_DAYS, (now - article.first_published_at).days)
        result.append(
            {
                "article": article,
                "prompted": prompted.get(article.pk, 0),
                "since_live": counts["since"],
                "rate_before": round(counts["before"] * 30 / RATE_WINDOW_DAYS, 1),
                "rate_after": (
                    round(counts["after"] * 30 / days_after, 1) if days_after >= 1 else None
                ),
            }
        )
    return result


def _distinct_inquiries(condition):
    return Count("topics__inquiries", filter=condition, distinct=True)


def dashboard(period, now=None, refresh=False):
    """Everything the dashboard shows, for the template: the figures (from the cache unless
    `refresh`, when DEMAND_CACHE is on) plus search gaps, read fresh each time."""
    now = now or timezone.now()
    key = f"demand:figures:{period.start.isoformat()}:{period.end.isoformat()}"
    figures = None if refresh or not settings.DEMAND_CACHE else _cached(cache.get, key)
    if figures is None:
        figures = compute_figures(period, now)
        if settings.DEMAND_CACHE:
            _cached(cache.set, key, figures, settings.DEMAND_CACHE_SECONDS)
    return {**figures, "search_gaps": search_gaps(period)}


def _cached(operation, *args):
    """A cache read or write that cannot break the page: an unreachable cache counts afresh."""
    try:
        return operation(*args)
    except Exception:
        logger.warning("Demand dashboard cache unavailable: figures counted afresh", exc_info=True)
        return None


def compute_figures(period, now):
    """Every figure that comes from inquiries, topics and articles (uncached)."""
    start = min(period.previous.start, _day_start(trend_buckets(period)[0].start))
    counted_at = view_counted_at()
    days = daily_counts(start, period.end, counted_at)
    topics, total, untriaged = topic_demand(period, days)
    charted = [row for row in topics if row["count"]][:CHART_TOPICS]
    buckets, values = trend(period, days, [row["topic_id"] for row in charted])
    styles = chart_styles([row["topic_id"] for row in charted])
    series = [
        {
            "name": row["name"],
            "values": values[row["topic_id"]],
            "colour": styles[row["topic_id"]][0],
            "dash": styles[row["topic_id"]][1],
        }
        for row in charted
    ]
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
        "backlog": backlog(),
        "median_answer": median,
        "median_answer_days": round(median.total_seconds() / 86400, 1) if median else None,
        "gaps": content_gaps({row["topic_id"]: row["count"] for row in topics}),
        "gap_minimum": settings.INQUIRY_CONTENT_GAP_MIN,
        "articles": article_impact(now=now),
        "rate_window_days": RATE_WINDOW_DAYS,
    }
