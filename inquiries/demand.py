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
# Okabe-Ito colours (safe for colour blindness) with a dash pattern each, so lines differ
# without colour too.
CHART_STYLES = [
    ("#0072b2", ""),
    ("#d55e00", "8 4"),
    ("#009e73", "2 4"),
    ("#cc79a7", "10 4 2 4"),
    ("#8a6d00", "4 4"),
    ("#56b4e9", "14 4"),
]


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


def _month_starts(start, end):
    month = timezone.localtime(start).date().replace(day=1)
    last = timezone.localtime(end - datetime.timedelta(microseconds=1)).date()
    months = []
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def trend_start(period):
    """The first day of the monthly trend: at least 12 months before the period's end."""
    return _day_start(_month_starts(min(period.start, period.end - YEAR), period.end)[0])


def monthly_trend(period, days, topic_ids):
    """Inquiries per month for each of `topic_ids`, from trend_start() to the period's end;
    `days` is daily_counts() over at least that."""
    months = _month_starts(trend_start(period), period.end)
    counts = Counter()
    for (topic_id, day), n in days.items():
        if day >= months[0]:
            counts[(topic_id, day.replace(day=1))] += n
    return months, {pk: [counts[(pk, m)] for m in months] for pk in topic_ids}


def trend_chart(months, series, width=720, height=300):
    """Coordinates for the SVG line chart: one line per topic, months along the bottom."""
    left, right, top, bottom = 48, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([max(s["values"]) for s in series if s["values"]] + [1])
    step = max(1, -(-peak // 4))
    y_max = step * 4

    def x(i):
        return left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2)

    def y(v):
        return top + plot_h * (1 - v / y_max)

    lines = []
    for index, s in enumerate(series):
        colour, dash = CHART_STYLES[index % len(CHART_STYLES)]
        points = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(s["values"])]
        lines.append(
            {
                "name": s["name"],
                "colour": colour,
                "dash": dash,
                "points": " ".join(f"{px},{py}" for px, py in points),
                "dots": points,
            }
        )
    label_every = max(1, -(-len(months) // 12))
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_edge": width - right,
        "baseline": top + plot_h,
        "y_ticks": [{"value": v, "y": round(y(v), 1)} for v in range(0, y_max + 1, step)],
        "x_labels": [
            {"label": m.strftime("%b %y"), "x": round(x(i), 1)}
            for i, m in enumerate(months)
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
    covered = Exists(Article.objects.live().filter(topics=OuterRef("pk")))
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
    start = min(period.previous.start, trend_start(period))
    counted_at = view_counted_at()
    days = daily_counts(start, period.end, counted_at)
    topics, total, untriaged = topic_demand(period, days)
    charted = [row for row in topics if row["count"]][:CHART_TOPICS]
    months, values = monthly_trend(period, days, [row["topic_id"] for row in charted])
    series = [{"name": row["name"], "values": values[row["topic_id"]]} for row in charted]
    median = median_time_to_answer(period)
    return {
        "as_of": now,
        "period": period,
        "topics": topics,
        "total": total,
        "untriaged": untriaged,
        "view_counted_at": counted_at,
        "months": months,
        "series": series,
        "trend_rows": [
            {"month": month, "values": [s["values"][i] for s in series]}
            for i, month in enumerate(months)
        ],
        "chart": trend_chart(months, series) if series else None,
        "backlog": backlog(),
        "median_answer": median,
        "median_answer_days": round(median.total_seconds() / 86400, 1) if median else None,
        "gaps": content_gaps({row["topic_id"]: row["count"] for row in topics}),
        "gap_minimum": settings.INQUIRY_CONTENT_GAP_MIN,
        "articles": article_impact(now=now),
        "rate_window_days": RATE_WINDOW_DAYS,
    }
