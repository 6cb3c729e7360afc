"""The dashboard's figures counted straight from the inquiries, each in the plainest way: the
reference the dashboard's figures must equal, number for number."""

import datetime
import io

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from articles.models import Article, Topic
from inquiries import demand
from inquiries.models import Inquiry, Status


def _links():
    return Inquiry.topics.through.objects.exclude(inquiry__status=Status.SPAM)


def topic_rows(period):
    previous = period.previous
    return [
        (row["topic_id"], row["topic__name"], row["current"], row["before"])
        for row in _links()
        .filter(inquiry__received_at__gte=previous.start, inquiry__received_at__lt=period.end)
        .values("topic_id", "topic__name")
        .annotate(
            current=Count("inquiry_id", filter=Q(inquiry__received_at__gte=period.start)),
            before=Count("inquiry_id", filter=Q(inquiry__received_at__lt=period.start)),
        )
        .order_by("-current", "topic__name")
    ]


def totals(period):
    has_topic = Inquiry.topics.through.objects.filter(inquiry_id=OuterRef("pk"))
    figures = (
        Inquiry.objects.not_spam()
        .received_between(period.start, period.end)
        .aggregate(total=Count("pk"), untriaged=Count("pk", filter=~Exists(has_topic)))
    )
    return figures["total"], figures["untriaged"]


def trend(period, topic_ids):
    """Questions per trend bucket (day, week or month) for each topic, counted directly."""
    buckets = demand.trend_buckets(period)
    counts = {}
    for index, bucket in enumerate(buckets):
        start = max(demand._day_start(bucket.start), period.start)
        end = min(demand._day_start(bucket.end), period.end)
        for row in (
            _links()
            .filter(
                topic_id__in=topic_ids,
                inquiry__received_at__gte=start,
                inquiry__received_at__lt=end,
            )
            .values("topic_id")
            .annotate(n=Count("inquiry_id"))
            .order_by()
        ):
            counts[(row["topic_id"], index)] = row["n"]
    return {pk: [counts.get((pk, i), 0) for i in range(len(buckets))] for pk in topic_ids}


def backlog():
    return {
        "open": Inquiry.objects.open().count(),
        "unanswered": Inquiry.objects.unanswered().count(),
    }


def median(period):
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


def gaps(period):
    # Readers see the live version's topics, not an unpublished edit's.
    covered = [
        topic.pk
        for article in Article.objects.live()
        for topic in article.live_version.topics.all()
    ]
    in_period = Q(
        inquiries__received_at__gte=period.start, inquiries__received_at__lt=period.end
    ) & ~Q(inquiries__status=Status.SPAM)
    return [
        (topic.name, topic.asked)
        for topic in Topic.objects.exclude(pk__in=covered)
        .annotate(asked=Count("inquiries", filter=in_period))
        .filter(asked__gte=settings.INQUIRY_CONTENT_GAP_MIN)
        .order_by("-asked", "name")
    ]


def article_counts(article, windows):
    """Distinct inquiries (not spam) on the topics of the article's live version received in each
    [start, end)."""
    on_topics = Inquiry.objects.not_spam().filter(topics__in=article.live_version.topics.all())
    counts = []
    for start, end in windows:
        inquiries = on_topics.filter(received_at__gte=start)
        if end is not None:
            inquiries = inquiries.filter(received_at__lt=end)
        counts.append(inquiries.distinct().count())
    return counts


def figures(period, now):
    """The figures compute_figures shows, counted directly, in the shape of `shown`."""
    rows = topic_rows(period)
    total, untriaged = totals(period)
    charted = [(pk, name) for pk, name, count, _ in rows if count][: demand.CHART_TOPICS]
    series = trend(period, [pk for pk, _ in charted])
    window = datetime.timedelta(days=demand.RATE_WINDOW_DAYS)
    articles = []
    for row in demand.article_impact(now=now):
        article, live = row["article"], row["article"].first_published_at
        before, after, since = article_counts(
            article, [(live - window, live), (live, live + window), (live, None)]
        )
        days_after = min(demand.RATE_WINDOW_DAYS, (now - live).days)
        rate_after = round(after * 30 / days_after, 1) if days_after >= 1 else None
        articles.append(
            (article.slug, since, round(before * 30 / demand.RATE_WINDOW_DAYS, 1), rate_after)
        )
    return {
        "topics": [
            (name, count, before, round(100 * count / total, 1) if total else 0.0)
            for _, name, count, before in rows
        ],
        "total": total,
        "untriaged": untriaged,
        "series": [{"name": name, "values": series[pk]} for pk, name in charted],
        "backlog": backlog(),
        "median": median(period),
        "gaps": gaps(period),
        "articles": articles,
    }


def shown(figures_):
    """The same numbers from compute_figures' result."""
    return {
        "topics": [(r["name"], r["count"], r["previous"], r["share"]) for r in figures_["topics"]],
        "total": figures_["total"],
        "untriaged": figures_["untriaged"],
        "series": [{"name": s["name"], "values": s["values"]} for s in figures_["series"]],
        "backlog": figures_["backlog"],
        "median": figures_["median_answer"],
        "gaps": [(topic.name, topic.asked) for topic in figures_["gaps"]],
        "articles": [
            (r["article"].slug, r["since_live"], r["rate_before"], r["rate_after"])
            for r in figures_["articles"]
        ],
    }


def assert_page_exact(client):
    """The dashboard page shows the direct counts for every period (on PostgreSQL after the day
    view's refresh, which the page counts from up to the day of that refresh)."""
    if connection.vendor == "postgresql":
        call_command("refresh_demand_counts", stdout=io.StringIO())
    now = timezone.now()
    for days in (30, 90, 365):
        response = client.get("/admin/inquiries/demandreport/", {"days": days})
        assert response.status_code == 200
        assert shown(response.context) == figures(response.context["period"], now), days
