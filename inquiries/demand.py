"""Figures for the demand dashboard: which topics readers ask about, and what articles changed.

Every figure is one aggregate query in the database (grouped counts, TruncMonth), a fixed
number of them whatever the data (no query per article or topic); Python only loops over
topics, months and articles. Spam never counts as demand.

Even so, a year of a million questions takes seconds to count, so the computed figures are
cached (when the cache is shared by every app process, settings.DEMAND_CACHE) under a
*generation* that every write to an inquiry, its topics, a topic or an article replaces
(`invalidate`, connected in inquiries.apps), and that also expires when an article's
"rate after" would change with the passing days or an article goes live or expires.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from articles.models import Article, SearchGap, Topic
from inquiries.models import ArticleRole, Inquiry, Status

PERIOD_CHOICES = (30, 90, 365)
DEFAULT_DAYS = 90
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
# Articles' before/after comparison: this many days on each side of going live.
RATE_WINDOW_DAYS = 90
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


def _topic_links():
    return Inquiry.topics.through.objects.exclude(inquiry__status=Status.SPAM)


def topic_demand(period):
    """Per topic: inquiries in the period, in the previous one, share of all, and the change."""
    previous = period.previous
    rows = (
        _topic_links()
        .filter(inquiry__received_at__gte=previous.start, inquiry__received_at__lt=period.end)
        .values("topic_id", "topic__name")
        .annotate(
            current=Count("inquiry_id", filter=Q(inquiry__received_at__gte=period.start)),
            before=Count("inquiry_id", filter=Q(inquiry__received_at__lt=period.start)),
        )
        .order_by("-current", "topic__name")
    )
    total, untriaged = _totals(period)
    result = []
    for row in rows:
        change = row["current"] - row["before"]
        result.append(
            {
                "topic_id": row["topic_id"],
                "name": row["topic__name"],
                "count": row["current"],
                "previous": row["before"],
                "share": round(100 * row["current"] / total, 1) if total else 0.0,
                "change": change,
                "change_percent": round(100 * change / row["before"]) if row["before"] else None,
            }
        )
    return result, total, untriaged


def _totals(period):
    """Inquiries (not spam) received in the period, and how many of them have no topic."""
    has_topic = Inquiry.topics.through.objects.filter(inquiry_id=OuterRef("pk"))
    figures = (
        Inquiry.objects.not_spam()
        .received_between(period.start, period.end)
        .aggregate(total=Count("pk"), untriaged=Count("pk", filter=~Exists(has_topic)))
    )
    return figures["total"], figures["untriaged"]


def _month_starts(start, end):
    month = timezone.localtime(start).date().replace(day=1)
    last = timezone.localtime(end - datetime.timedelta(microseconds=1)).date()
    months = []
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def monthly_trend(period, topic_ids):
    """Inquiries per month for each of `topic_ids`, over the period (at least 12 months)."""
    start = min(period.start, period.end - datetime.timedelta(days=365))
    months = _month_starts(start, period.end)
    trend_start = _day_start(months[0])
    counts = {}
    rows = (
        _topic_links()
        .filter(
            topic_id__in=topic_ids,
            inquiry__received_at__gte=trend_start,
            inquiry__received_at__lt=period.end,
        )
        .annotate(month=TruncMonth("inquiry__received_at"))
        .values("month", "topic_id")
        .annotate(n=Count("inquiry_id"))
        .order_by()
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[(row["topic_id"], month)] = row["n"]
    return months, {pk: [counts.get((pk, m), 0) for m in months] for pk in topic_ids}


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
    return {
        "open": Inquiry.objects.open().count(),
        "unanswered": Inquiry.objects.unanswered().count(),
    }


def median_time_to_answer(period):
    """Median of (answered - received) for inquiries answered in the period, or None."""
    answered = (
        Inquiry.objects.not_spam()
        .filter(answered_at__gte=period.start, answered_at__lt=period.end)
        .annotate(
            wait=ExpressionWrapper(
                F("answered_at") - F("received_at"), output_field=DurationField()
            )
        )
        .order_by("wait")
    )
    count = answered.count()
    if not count:
        return None
    middle = list(answered.values_list("wait", flat=True)[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, datetime.timedelta()) / len(middle)


def content_gaps(period, minimum=None):
    """Topics asked about at least `minimum` times in the period that no live article covers."""
    minimum = settings.INQUIRY_CONTENT_GAP_MIN if minimum is None else minimum
    covered = Article.objects.live().filter(topics__isnull=False).values("topics")
    in_period = Q(
        inquiries__received_at__gte=period.start, inquiries__received_at__lt=period.end
    ) & ~Q(inquiries__status=Status.SPAM)
    return list(
        Topic.objects.exclude(pk__in=covered)
        .annotate(asked=Count("inquiries", filter=in_period))
        .filter(asked__gte=minimum)
        .order_by("-asked", "name")
    )


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
    Three queries whatever the number of articles: the articles, the prompted counts, and
    one grouped count of distinct inquiries (not spam) on each article's topics per window.
    """
    now = now or timezone.now()
    window = datetime.timedelta(days=RATE_WINDOW_DAYS)
    articles = list(
        Article.objects.live(at=now)
        .filter(first_published_at__isnull=False)
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
    live = F("first_published_at")
    received = "topics__inquiries__received_at"

    def asked(**bounds):
        return Count(
            "topics__inquiries",
            filter=Q(**bounds) & ~Q(topics__inquiries__status=Status.SPAM),
            distinct=True,
        )

    counts = {
        row["pk"]: row
        for row in Article.objects.filter(
            pk__in=ids,
            **{f"{received}__gte": min(a.first_published_at for a in articles) - window},
        )
        .values("pk")
        .annotate(
            before=asked(**{f"{received}__gte": live - window, f"{received}__lt": live}),
            after=asked(**{f"{received}__gte": live, f"{received}__lt": live + window}),
            since=asked(**{f"{received}__gte": live}),
        )
        .order_by()
    }
    result = []
    for article in articles:
        row = counts.get(article.pk, {"before": 0, "after": 0, "since": 0})
        days_after = min(RATE_WINDOW_DAYS, (now - article.first_published_at).days)
        result.append(
            {
                "article": article,
                "prompted": prompted.get(article.pk, 0),
                "since_live": row["since"],
                "rate_before": round(row["before"] * 30 / RATE_WINDOW_DAYS, 1),
                "rate_after": round(row["after"] * 30 / days_after, 1) if days_after >= 1 else None,
            }
        )
    return result


def _seconds_until_rates_change(articles, now):
    """When the next article's "days since live" grows by one (its after-rate changes)."""
    ticks = []
    for row in articles:
        age = now - row["article"].first_published_at
        if age.days < RATE_WINDOW_DAYS:
            ticks.append(datetime.timedelta(days=age.days + 1) - age)
    return max(1, int(min(ticks).total_seconds()) + 1) if ticks else None


GENERATION_KEY = "demand:generation"
# An entry lives at most this long even if nothing changes (the period moves daily anyway).
CACHE_SECONDS = 24 * 3600


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.set(GENERATION_KEY, generation, None)
    return generation


def invalidate(**kwargs):
    """Forget every cached dashboard: now, and again when the current transaction commits (so a
    view computed between the write and the commit is not kept). Also a signal receiver."""
    cache.delete(GENERATION_KEY)
    transaction.on_commit(lambda: cache.delete(GENERATION_KEY))


def dashboard(period, now=None):
    """Everything the dashboard shows, for the template: cached figures plus search gaps.

    Search gaps are read fresh each time (a small table that changes with every search).
    """
    now = now or timezone.now()
    if not settings.DEMAND_CACHE:
        figures = compute_figures(period, now)
    else:
        from articles.cache import current_state

        key = "demand:{}:{}:{}:{}:{}".format(
            _generation(),
            current_state()["generation"],  # replaced when articles change or go live/expire
            period.start.isoformat(),
            period.end.isoformat(),
            timezone.localdate(now).isoformat(),
        )
        figures = cache.get(key)
        if figures is None:
            figures = compute_figures(period, now)
            timeout = _seconds_until_rates_change(figures["articles"], now)
            cache.set(key, figures, min(timeout or CACHE_SECONDS, CACHE_SECONDS))
    return {**figures, "search_gaps": search_gaps(period)}


def compute_figures(period, now):
    """Every figure that comes from inquiries, topics and articles (uncached)."""
    topics, total, untriaged = topic_demand(period)
    charted = [row for row in topics if row["count"]][:CHART_TOPICS]
    months, values = monthly_trend(period, [row["topic_id"] for row in charted])
    series = [{"name": row["name"], "values": values[row["topic_id"]]} for row in charted]
    median = median_time_to_answer(period)
    return {
        "period": period,
        "topics": topics,
        "total": total,
        "untriaged": untriaged,
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
        "gaps": content_gaps(period),
        "gap_minimum": settings.INQUIRY_CONTENT_GAP_MIN,
        "articles": article_impact(now=now),
        "rate_window_days": RATE_WINDOW_DAYS,
    }
