"""Figures for the demand dashboard: which topics readers ask about, and what articles changed.

The counts come from the demand summary (inquiries/summary.py): per-day tables kept exact by
every write, so a year of a million questions is a few thousand rows to add up. Every figure is
a fixed number of queries whatever the data (no query per article or topic); Python only loops
over topics, months, articles and waiting-time bands. Spam never counts as demand.

The computed figures are also cached (when the cache is shared by every app process,
settings.DEMAND_CACHE) under a *generation* that every write to an inquiry, its topics, a
topic or an article replaces (`invalidate`, connected in inquiries.apps), and that also
expires when an article's "rate after" would change with the passing days or an article goes
live or expires.
"""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from articles.models import Article, SearchGap, Topic
from inquiries import summary
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


def topic_demand(period, totals=None):
    """Per topic: inquiries in the period, in the previous one, share of all, and the change.

    Returns (rows, total, untriaged); `totals` is summary.totals() for the period if known.
    """
    previous = period.previous
    current, before = summary.topic_counts(
        (period.start, period.end), (previous.start, previous.end)
    )
    totals = totals or summary.totals(period.start, period.end)
    total = totals["total"]
    # Most asked first, then by name in the database's own order (as the list always was).
    names = Topic.objects.filter(pk__in=current.keys() | before.keys()).order_by("name")
    ranked = sorted(names.values_list("pk", "name"), key=lambda topic: -current.get(topic[0], 0))
    result = []
    for topic_id, name in ranked:
        count, earlier = current.get(topic_id, 0), before.get(topic_id, 0)
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
    return result, total, totals["untriaged"]


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
    counts = summary.monthly_counts(_day_start(months[0]), period.end, topic_ids)
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


def backlog(totals):
    """Open and unanswered inquiries now, from summary.totals()."""
    return {"open": totals["open"], "unanswered": totals["unanswered"]}


def median_time_to_answer(period):
    """Median of (answered - received) for inquiries answered in the period, or None."""
    return summary.median_wait(period.start, period.end)


def content_gaps(period, minimum=None, asked=None):
    """Topics asked about at least `minimum` times in the period that no live article covers.

    `asked` is {topic id: inquiries in the period} if already counted (summary.topic_counts).
    """
    minimum = settings.INQUIRY_CONTENT_GAP_MIN if minimum is None else minimum
    if asked is None:
        (asked,) = summary.topic_counts((period.start, period.end))
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
    A fixed number of queries whatever the number of articles: the articles, the prompted
    counts, their topics, and the summary's counts of inquiries (not spam, each once) on each
    article's topics per window.
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
    topics = defaultdict(set)
    for article_id, topic_id in Article.topics.through.objects.filter(
        article_id__in=ids
    ).values_list("article_id", "topic_id"):
        topics[article_id].add(topic_id)
    windows = []
    for article in articles:
        live = article.first_published_at
        windows += [
            (topics[article.pk], live - window, live),
            (topics[article.pk], live, live + window),
            (topics[article.pk], live, None),
        ]
    asked = summary.counts_on_topics(windows)
    result = []
    for index, article in enumerate(articles):
        before, after, since = asked[3 * index : 3 * index + 3]
        days_after = min(RATE_WINDOW_DAYS, (now - article.first_published_at).days)
        result.append(
            {
                "article": article,
                "prompted": prompted.get(article.pk, 0),
                "since_live": since,
                "rate_before": round(before * 30 / RATE_WINDOW_DAYS, 1),
                "rate_after": round(after * 30 / days_after, 1) if days_after >= 1 else None,
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
    summary.ensure_current()
    totals = summary.totals(period.start, period.end)
    topics, total, untriaged = topic_demand(period, totals)
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
        "backlog": backlog(totals),
        "median_answer": median,
        "median_answer_days": round(median.total_seconds() / 86400, 1) if median else None,
        "gaps": content_gaps(period, asked={row["topic_id"]: row["count"] for row in topics}),
        "gap_minimum": settings.INQUIRY_CONTENT_GAP_MIN,
        "articles": article_impact(now=now),
        "rate_window_days": RATE_WINDOW_DAYS,
    }
