"""The demand summary: the demand dashboard's counts kept per day, exact after every write.

Counting a year of a million questions per topic took the dashboard seconds, so the counts
are kept per day (in settings.TIME_ZONE) in small tables (models at the end of
inquiries/models.py):

- DemandDay: per day and status, the inquiries, those without a topic and those awaiting a reply;
- TopicDemandDay: per day and topic; TopicSetDemandDay: per day and exact set of topics, so that
  an inquiry on two of an article's topics counts once for that article;
- AnswerTimeDay and AnswerTimeMonth: answers per day (month) and band of waiting time, which
  locate the median wait so that only the answers in one band are read.

Spam is never counted. `CountedInquiry` holds what the tables count for each inquiry. Every write
to inquiries or their topic links calls `recount(ids)` in the same transaction: it locks those
inquiries, compares each with its counted row and adds the difference to the tables (one upsert
per table, so concurrent writers add up instead of overwriting each other). `rebuild()` counts
everything again (the migration, seed_bulk, `manage.py rebuild_demand_summary`, and the first
dashboard view after TIME_ZONE changed). The readers at the end answer any time range: whole
days come from the tables, the parts of days at either end from `CountedInquiry` rows.
"""

import bisect
import datetime
import functools
import itertools
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from inquiries.models import OPEN_STATUSES, Status

# The inquiry fields whose change can change a count (the topic links are the other one).
COUNTED_FIELDS = frozenset({"received_at", "status", "reply_wanted", "answered_at"})
# Waiting-time bands for the median: from one minute, each about 10% wider than the last, to
# about three years. Band 0 is under a minute, band i starts at WAIT_LIMITS[i - 1].
WAIT_LIMITS = tuple(
    datetime.timedelta(seconds=seconds)
    for seconds in sorted({round(60 * 1.1**step) for step in range(151)})
)
LEDGER_FIELDS = ["received_at", "status", "awaiting_reply", "answered_at", "wait", "topic_set"]
# Inquiry ids per statement: well under SQLite's limit on query parameters.
BATCH = 500


@dataclass(frozen=True)
class Counted:
    """What the summary counts for one inquiry that is not spam."""

    received_at: datetime.datetime
    status: str
    awaiting_reply: bool
    answered_at: datetime.datetime | None
    topic_set: str

    @property
    def wait(self):
        return None if self.answered_at is None else self.answered_at - self.received_at


def topic_set_key(topic_ids):
    """The stored form of a set of topics: ascending ids, comma-separated ("" for none)."""
    return ",".join(str(pk) for pk in sorted(set(topic_ids)))


def topic_ids(key):
    return [int(pk) for pk in key.split(",")] if key else []


def wait_band(wait):
    return bisect.bisect_right(WAIT_LIMITS, wait)


def _band_bounds(band):
    """The waits in `band`, as filter arguments."""
    bounds = {}
    if band > 0:
        bounds["wait__gte"] = WAIT_LIMITS[band - 1]
    if band < len(WAIT_LIMITS):
        bounds["wait__lt"] = WAIT_LIMITS[band]
    return bounds


class Band(models.Func):
    """Which of `limits` (ascending) the expression has reached: 0 below the first, i from
    limits[i - 1] on; the same rule as `bisect_right`. PostgreSQL's width_bucket does it by
    binary search; elsewhere a CASE does."""

    output_field = models.IntegerField()

    def __init__(self, expression, limits):
        super().__init__(expression)
        self.limits = list(limits)

    def _limit_params(self, connection):
        field = self.source_expressions[0].output_field
        return [field.get_db_prep_value(limit, connection) for limit in self.limits]

    def as_sql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[0])
        whens = " ".join(f"WHEN {value} < %s THEN {band}" for band in range(len(self.limits)))
        repeated = []
        for limit in self._limit_params(connection):
            repeated += [*params, limit]
        return f"CASE {whens} ELSE {len(self.limits)} END", repeated

    def as_postgresql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[0])
        # psycopg adapts the dates, datetimes and durations themselves, as one array.
        return f"width_bucket({value}, %s)", [*params, self.limits]


class _Models:
    """The summary's models from an app registry (the migration passes its historical one)."""

    def __init__(self, apps):
        self.Inquiry = apps.get_model("inquiries", "Inquiry")
        self.Link = self.Inquiry.topics.through
        self.CountedInquiry = apps.get_model("inquiries", "CountedInquiry")
        self.DemandDay = apps.get_model("inquiries", "DemandDay")
        self.TopicDemandDay = apps.get_model("inquiries", "TopicDemandDay")
        self.TopicSetDemandDay = apps.get_model("inquiries", "TopicSetDemandDay")
        self.AnswerTimeDay = apps.get_model("inquiries", "AnswerTimeDay")
        self.AnswerTimeMonth = apps.get_model("inquiries", "AnswerTimeMonth")
        self.DemandSummaryState = apps.get_model("inquiries", "DemandSummaryState")
        # Each table: its key columns and its count columns.
        self.tables = {
            self.DemandDay: (("day", "status"), ("inquiries", "untriaged", "awaiting_reply")),
            self.TopicDemandDay: (("day", "topic_id"), ("inquiries",)),
            self.TopicSetDemandDay: (("day", "topic_set"), ("inquiries",)),
            self.AnswerTimeDay: (("day", "wait_band"), ("answers",)),
            self.AnswerTimeMonth: (("month", "wait_band"), ("answers",)),
        }


@functools.cache
def _models():
    return _Models(global_apps)


def _zone():
    return timezone.get_default_timezone()


def _day(moment):
    return moment.astimezone(_zone()).date()


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), _zone())


def batches(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Keeping the summary exact -----------------------------------------------------------------
class _Changes:
    """What a recount writes: the differences to add to the tables, {model: {key: Counter of
    count columns}}, and the inquiries' new counted rows ({id: Counted, or None if no longer
    counted})."""

    def __init__(self, m):
        self.m = m
        self.rows = defaultdict(lambda: defaultdict(Counter))
        self.ledger = {}

    def count(self, pk, before, now):
        if before:
            self.add(before, -1)
        if now:
            self.add(now, +1)
        self.ledger[pk] = now

    def add(self, counted, sign):
        m = self.m
        day = _day(counted.received_at)
        self.rows[m.DemandDay][(day, counted.status)].update(
            inquiries=sign,
            untriaged=sign * (not counted.topic_set),
            awaiting_reply=sign * counted.awaiting_reply,
        )
        self.rows[m.TopicSetDemandDay][(day, counted.topic_set)]["inquiries"] += sign
        for topic in topic_ids(counted.topic_set):
            self.rows[m.TopicDemandDay][(day, topic)]["inquiries"] += sign
        if counted.answered_at is not None:
            answered, band = _day(counted.answered_at), wait_band(counted.wait)
            self.rows[m.AnswerTimeDay][(answered, band)]["answers"] += sign
            self.rows[m.AnswerTimeMonth][(answered.replace(day=1), band)]["answers"] += sign

    def apply(self):
        """Every write, the tables in a fixed order and their rows sorted, so that concurrent
        recounts lock rows in one order; the tables' counts are added to, never overwritten."""
        statements = []
        for model, (keys, counts) in self.m.tables.items():
            changed = sorted(
                (key, [changes[c] for c in counts])
                for key, changes in self.rows[model].items()
                if any(changes.values())
            )
            for batch in batches(changed, 200):
                statements.append(_upsert(model, keys, counts, batch, add=True))
        ledger = self.m.CountedInquiry
        counted = sorted((pk, c) for pk, c in self.ledger.items() if c is not None)
        for batch in batches(counted, 200):
            rows = [((pk,), [getattr(c, name) for name in LEDGER_FIELDS]) for pk, c in batch]
            statements.append(_upsert(ledger, ("inquiry_id",), LEDGER_FIELDS, rows, add=False))
        removed = sorted(pk for pk, c in self.ledger.items() if c is None)
        if removed:
            marks = ", ".join(["%s"] * len(removed))
            table = connection.ops.quote_name(ledger._meta.db_table)
            statements.append((f"DELETE FROM {table} WHERE inquiry_id IN ({marks})", removed))  # noqa: S608
        _execute(statements)


def _upsert(model, keys, columns, rows, add):
    """One INSERT ... ON CONFLICT for [(key values, column values)]: on an existing row, add
    the values to its own (several transactions adding to one row all count) or replace them."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in (*keys, *columns)]
    params = []
    for key, values in rows:
        params += [
            f.get_db_prep_value(v, connection) for f, v in zip(fields, (*key, *values), strict=True)
        ]
    width = len(fields)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    names = ", ".join(quote(field.column) for field in fields)
    conflict = ", ".join(quote(field.column) for field in fields[: len(keys)])

    def assignment(column):
        column = quote(column)
        value = f"{table}.{column} + excluded.{column}" if add else f"excluded.{column}"
        return f"{column} = {value}"

    updates = ", ".join(assignment(field.column) for field in fields[len(keys) :])
    sql = (
        f"INSERT INTO {table} ({names}) VALUES {placeholders} "  # noqa: S608 (names from _meta)
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    return sql, params


def _execute(statements):
    """Run the writes; on PostgreSQL as one statement (all but the last as data-modifying WITH
    clauses, which touch other tables): one round trip per recount."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        *first, (last, _) = statements
        prefix = ", ".join(f"write{index} AS ({sql})" for index, (sql, _) in enumerate(first))
        cursor.execute(
            (f"WITH {prefix} " if first else "") + last,
            [param for _, params in statements for param in params],
        )


def recount(ids):
    """Bring the summary up to date for these inquiries after any change to them or to their
    topic links (created, edited, deleted, tagged). Call it in the transaction that made the
    change; it is cheap when nothing counted changed, so calling it once too often is fine."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids:
        return
    m = _models()
    # Part of the caller's transaction (or one of its own): no savepoint of its own.
    with transaction.atomic(savepoint=False):
        for batch in batches(ids):
            _recount(m, batch)


def _recount(m, ids):
    current = _current(m, ids)
    ledger = {row.inquiry_id: row for row in m.CountedInquiry.objects.filter(inquiry_id__in=ids)}
    changes = _Changes(m)
    for pk in ids:
        before = _counted(ledger[pk]) if pk in ledger else None
        if before != current.get(pk):
            changes.count(pk, before, current.get(pk))
    changes.apply()


def inquiry_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """post_save of Inquiry, raw saves (loaddata, import_content) included."""
    if created and not raw:
        count_new(instance)
    elif update_fields is None or not COUNTED_FIELDS.isdisjoint(update_fields):
        recount([instance.pk])


def count_new(inquiry):
    """Count an inquiry just inserted, from the instance: it has no topic links yet (they are
    added after, and recounted then), nothing counted, and no other transaction can see it, so
    the three reads of a recount would only read back what is known (one question from the
    form is then one write here)."""
    if inquiry.status == Status.SPAM:
        return
    now = _inquiry_counted(
        inquiry.received_at, inquiry.status, inquiry.reply_wanted, inquiry.answered_at, []
    )
    changes = _Changes(_models())
    changes.count(inquiry.pk, None, now)
    with transaction.atomic(savepoint=False):
        changes.apply()


def inquiry_deleted(sender, instance, **kwargs):
    """post_delete of Inquiry: however it was deleted (admin, purge, a queryset)."""
    recount([instance.pk])


def topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed of the inquiry–topic links, from either side."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            recount([instance.pk])
    elif action == "pre_clear":
        # `instance` is a topic: its inquiries are unknown once the links are gone.
        instance._inquiries_to_recount = list(instance.inquiries.values_list("pk", flat=True))
    elif action == "post_clear":
        recount(instance.__dict__.pop("_inquiries_to_recount", []))
    elif action in ("post_add", "post_remove"):
        recount(pk_set)


def topic_deleting(sender, instance, **kwargs):
    """pre_delete of Topic: unlink its inquiries first, so that they are recounted (the delete
    would remove the links without a signal)."""
    instance.inquiries.clear()


def _current(m, ids):
    """What should be counted now for these inquiries; locks them first, so two transactions
    recounting one inquiry take turns and the second sees what the first wrote."""
    rows = list(
        m.Inquiry.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "received_at", "status", "reply_wanted", "answered_at")
    )
    topics = defaultdict(list)
    for inquiry_id, topic_id in m.Link.objects.filter(inquiry_id__in=ids).values_list(
        "inquiry_id", "topic_id"
    ):
        topics[inquiry_id].append(topic_id)
    return {
        pk: _inquiry_counted(received, status, reply, answered, topics[pk])
        for pk, received, status, reply, answered in rows
        if status != Status.SPAM
    }


def _inquiry_counted(received_at, status, reply_wanted, answered_at, topics):
    awaiting = reply_wanted and answered_at is None
    return Counted(received_at, status, awaiting, answered_at, topic_set_key(topics))


def _counted(row):
    return Counted(row.received_at, row.status, row.awaiting_reply, row.answered_at, row.topic_set)


def _ledger_row(m, pk, counted):
    return m.CountedInquiry(
        inquiry_id=pk,
        received_at=counted.received_at,
        status=counted.status,
        awaiting_reply=counted.awaiting_reply,
        answered_at=counted.answered_at,
        wait=counted.wait,
        topic_set=counted.topic_set,
    )


# Counting everything again -----------------------------------------------------------------
def rebuild(apps=global_apps):
    """Count every inquiry again, in one transaction. Writers and the dashboard wait until it
    commits (a writer's recount then adds its own change on top of the fresh count)."""
    m = _Models(apps)
    with transaction.atomic():
        _empty(m)
        _fill_ledger(m)
        _fill_tables(m)
        m.DemandSummaryState.objects.all().delete()
        m.DemandSummaryState.objects.create(time_zone=settings.TIME_ZONE)


def ensure_current():
    """Rebuild if the summary was counted in another time zone (or never): its days are days
    in settings.TIME_ZONE. One query otherwise."""
    state = _models().DemandSummaryState.objects.first()
    if state is None or state.time_zone != settings.TIME_ZONE:
        rebuild()


def _empty(m):
    models_ = [m.CountedInquiry, *m.tables]
    if connection.vendor == "postgresql":
        # TRUNCATE refuses a table with foreign-key checks still pending in this transaction
        # (rows just written to TopicDemandDay): run them now.
        connection.check_constraints()
        names = ", ".join(connection.ops.quote_name(x._meta.db_table) for x in models_)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names}")
    else:
        for model in models_:
            model.objects.all().delete()


def _fill_ledger(m):
    if connection.vendor == "postgresql":
        _fill_ledger_in_sql(m)
        return
    topics = defaultdict(list)
    for inquiry_id, topic_id in m.Link.objects.values_list("inquiry_id", "topic_id"):
        topics[inquiry_id].append(topic_id)
    rows = (
        m.Inquiry.objects.exclude(status=Status.SPAM)
        .order_by("received_at", "pk")
        .values_list("pk", "received_at", "status", "reply_wanted", "answered_at")
    )
    for batch in batches(rows.iterator(chunk_size=2000), 2000):
        m.CountedInquiry.objects.bulk_create(
            _ledger_row(m, pk, _inquiry_counted(received, status, reply, answered, topics[pk]))
            for pk, received, status, reply, answered in batch
        )


def _fill_ledger_in_sql(m):
    """PostgreSQL: one statement, in order of receipt so that a day's rows sit together."""
    quote = connection.ops.quote_name
    ledger, inquiry, link = (
        quote(model._meta.db_table) for model in (m.CountedInquiry, m.Inquiry, m.Link)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ledger} (inquiry_id, received_at, status, awaiting_reply, "  # noqa: S608
            "answered_at, wait, topic_set) "
            "SELECT i.id, i.received_at, i.status, i.reply_wanted AND i.answered_at IS NULL, "
            "i.answered_at, i.answered_at - i.received_at, COALESCE(t.topic_set, '') "
            f"FROM {inquiry} i LEFT JOIN (SELECT inquiry_id, "
            "string_agg(topic_id::text, ',' ORDER BY topic_id) AS topic_set "
            f"FROM {link} GROUP BY inquiry_id) t ON t.inquiry_id = i.id "
            "WHERE i.status <> %s ORDER BY i.received_at",
            [Status.SPAM],
        )


def _fill_tables(m):
    zone = _zone()
    ledger = m.CountedInquiry.objects.order_by()
    received = TruncDate("received_at", tzinfo=zone)
    _insert_from(
        m,
        m.DemandDay,
        ledger.annotate(day=received)
        .values("day", "status")
        .annotate(
            inquiries=Count("pk"),
            untriaged=Count("pk", filter=Q(topic_set="")),
            awaiting_reply=Count("pk", filter=Q(awaiting_reply=True)),
        ),
    )
    _insert_from(
        m,
        m.TopicSetDemandDay,
        ledger.annotate(day=received).values("day", "topic_set").annotate(inquiries=Count("pk")),
    )
    _insert_from(
        m,
        m.TopicDemandDay,
        m.Link.objects.exclude(inquiry__status=Status.SPAM)
        .order_by()
        .annotate(day=TruncDate("inquiry__received_at", tzinfo=zone))
        .values("day", "topic_id")
        .annotate(inquiries=Count("pk")),
    )
    _insert_from(
        m,
        m.AnswerTimeDay,
        ledger.filter(answered_at__isnull=False)
        .annotate(day=TruncDate("answered_at", tzinfo=zone), wait_band=Band("wait", WAIT_LIMITS))
        .values("day", "wait_band")
        .annotate(answers=Count("pk")),
    )
    _insert_from(
        m,
        m.AnswerTimeMonth,
        m.AnswerTimeDay.objects.order_by()
        .annotate(month=TruncMonth("day"))
        .values("month", "wait_band")
        .annotate(answers=Sum("answers")),
    )


def _insert_from(m, model, queryset):
    """INSERT INTO the table the rows of a grouped queryset whose names are its columns."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in sum(m.tables[model], ()))
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 (ORM SQL)
            f"SELECT {columns} FROM ({sql}) grouped",
            params,
        )


def differences():
    """Rows where the maintained tables differ from a fresh count: {} when exact."""
    m = _models()
    maintained = _snapshot(m)
    with transaction.atomic():
        rebuild()
        fresh = _snapshot(m)
        transaction.set_rollback(True)
    return {
        name: {
            key: (maintained[name].get(key), fresh[name].get(key))
            for key in maintained[name].keys() | fresh[name].keys()
            if maintained[name].get(key) != fresh[name].get(key)
        }
        for name in fresh
        if maintained[name] != fresh[name]
    }


def _snapshot(m):
    """Every table's non-zero rows and the ledger, as plain data."""
    tables = {}
    for model, (keys, counts) in m.tables.items():
        tables[model.__name__] = {
            tuple(row[: len(keys)]): tuple(row[len(keys) :])
            for row in model.objects.values_list(*keys, *counts)
            if any(row[len(keys) :])
        }
    tables["CountedInquiry"] = {
        (row[0],): tuple(row[1:])
        for row in m.CountedInquiry.objects.values_list("inquiry_id", *LEDGER_FIELDS)
    }
    return tables


# Reading the summary ------------------------------------------------------------------------
def _split(start, end):
    """[start, end) as whole days [first, stop) (settings.TIME_ZONE) plus the pieces of days
    left at either end, as time ranges. Periods start and end at midnight, so usually no pieces."""
    first, stop = _day(start), _day(end)
    if _day_start(first) != start:
        first += datetime.timedelta(days=1)
    if first >= stop:
        return stop, stop, [(start, end)] if start < end else []
    pieces = []
    if _day_start(first) != start:
        pieces.append((start, _day_start(first)))
    if _day_start(stop) != end:
        pieces.append((_day_start(stop), end))
    return first, stop, pieces


def _in_pieces(pieces, field="received_at"):
    """The counted inquiries received (or answered) in these time ranges."""
    if not pieces:
        return []
    ranges = functools.reduce(
        operator.or_, [Q(**{f"{field}__gte": start, f"{field}__lt": end}) for start, end in pieces]
    )
    return [_counted(row) for row in _models().CountedInquiry.objects.filter(ranges)]


def totals(start, end):
    """Inquiries received in [start, end) and how many have no topic; inquiries open now and
    awaiting a reply now (whenever received). One query."""
    first, stop, pieces = _split(start, end)
    in_range = Q(day__gte=first, day__lt=stop)
    figures = _models().DemandDay.objects.aggregate(
        total=Coalesce(Sum("inquiries", filter=in_range), 0),
        untriaged=Coalesce(Sum("untriaged", filter=in_range), 0),
        open=Coalesce(Sum("inquiries", filter=Q(status__in=OPEN_STATUSES)), 0),
        unanswered=Coalesce(Sum("awaiting_reply", filter=~Q(status=Status.CLOSED)), 0),
    )
    for counted in _in_pieces(pieces):
        figures["total"] += 1
        figures["untriaged"] += not counted.topic_set
    return figures


def topic_counts(*ranges):
    """For each (start, end): {topic id: inquiries received in it on that topic}. One query."""
    splits = [_split(start, end) for start, end in ranges]
    sums = {
        f"range{index}": Sum("inquiries", filter=Q(day__gte=first, day__lt=stop))
        for index, (first, stop, _) in enumerate(splits)
    }
    rows = (
        _models()
        .TopicDemandDay.objects.filter(
            day__gte=min(first for first, _, _ in splits),
            day__lt=max(stop for _, stop, _ in splits),
        )
        .values("topic_id")
        .annotate(**sums)
        .order_by()
    )
    counts = [Counter() for _ in ranges]
    for row in rows:
        for index, result in enumerate(counts):
            result[row["topic_id"]] += row[f"range{index}"] or 0
    for (_, _, pieces), result in zip(splits, counts, strict=True):
        for counted in _in_pieces(pieces):
            result.update(topic_ids(counted.topic_set))
    return [{topic: n for topic, n in result.items() if n} for result in counts]


def monthly_counts(start, end, topics):
    """{(topic id, first day of the month): inquiries received in [start, end) on that topic}."""
    first, stop, pieces = _split(start, end)
    rows = (
        _models()
        .TopicDemandDay.objects.filter(topic_id__in=topics, day__gte=first, day__lt=stop)
        .annotate(month=TruncMonth("day"))
        .values("topic_id", "month")
        .annotate(n=Sum("inquiries"))
        .order_by()
    )
    counts = Counter({(row["topic_id"], row["month"]): row["n"] for row in rows})
    for counted in _in_pieces(pieces):
        month = _day(counted.received_at).replace(day=1)
        counts.update((topic, month) for topic in topic_ids(counted.topic_set) if topic in topics)
    return counts


def median_wait(start, end):
    """The median of (answered - received) over the inquiries answered in [start, end), or None.

    The bands of waiting time say which band holds the middle answer (whole months and days from
    the tables), then only that band's answers are read, in order, from CountedInquiry.
    """
    bands = _bands_answered(start, end)
    count = sum(bands.values())
    if not count:
        return None
    low, high = (count - 1) // 2, count // 2
    seen, first_band, offset = 0, None, 0
    for band in sorted(bands):
        if first_band is None and seen + bands[band] > low:
            first_band, offset = band, low - seen
        seen += bands[band]
        if seen > high:
            last_band = band
            break
    # The two middle answers are in one band, or the second is the first of the next band that
    # has any: the waits from the one band to the other hold nothing else.
    bounds = {}
    if "wait__gte" in _band_bounds(first_band):
        bounds["wait__gte"] = _band_bounds(first_band)["wait__gte"]
    if "wait__lt" in _band_bounds(last_band):
        bounds["wait__lt"] = _band_bounds(last_band)["wait__lt"]
    middle = list(
        _models()
        .CountedInquiry.objects.filter(answered_at__gte=start, answered_at__lt=end, **bounds)
        .order_by("wait")
        .values_list("wait", flat=True)[offset : offset + high - low + 1]
    )
    return sum(middle, datetime.timedelta()) / len(middle)


def _bands_answered(start, end):
    """{band: answers in [start, end)}: whole months, then the days around them, then pieces."""
    m = _models()
    first, stop, pieces = _split(start, end)
    month_from = first if first.day == 1 else _next_month(first)
    month_to = stop.replace(day=1)
    if month_from < month_to:
        days = Q(day__gte=first, day__lt=month_from) | Q(day__gte=month_to, day__lt=stop)
        months = m.AnswerTimeMonth.objects.filter(month__gte=month_from, month__lt=month_to)
    else:
        days, months = Q(day__gte=first, day__lt=stop), m.AnswerTimeMonth.objects.none()
    rows = (
        m.AnswerTimeDay.objects.filter(days)
        .values("wait_band")
        .annotate(n=Sum("answers"))
        .order_by()
        .union(months.values("wait_band").annotate(n=Sum("answers")).order_by(), all=True)
    )
    bands = Counter()
    for row in rows:
        bands[row["wait_band"]] += row["n"]
    for counted in _in_pieces(pieces, field="answered_at"):
        bands[wait_band(counted.wait)] += 1
    return +bands


def _next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def counts_on_topics(windows):
    """For each (topic ids, start, end or None): the inquiries received in [start, end) on any of
    the topics, each counted once however many of them it has. Two queries whatever the number
    of windows.

    A count is the difference of two tails, "received at or after t". A tail is the whole days
    from a midnight on (TopicSetDemandDay) plus or minus the piece of t's day between t and the
    nearer midnight (CountedInquiry). Both are counted per set of topics and added up per
    window's topics in one pass over the rows, keeping every set that shares a topic with them.
    """
    groups = list({frozenset(topics) for topics, _, _ in windows})
    moments = sorted({t for _, start, end in windows for t in (start, end) if t is not None})
    plans = dict(zip(moments, map(_tail_plan, moments), strict=True))
    days = sorted({day for day, _ in plans.values()})
    pieces = {piece for _, (piece, _) in plans.values() if piece}
    cuts = sorted({moment for piece in pieces for moment in piece})
    sharing = _Sharing(groups)
    on_days = sharing.suffix_sums(_rows(_day_rows(days)) if days else [], len(days))
    in_pieces = sharing.suffix_sums(_rows(_piece_rows(pieces, cuts)) if pieces else [], len(cuts))
    day_index = {day: index for index, day in enumerate(days)}
    cut_index = {cut: index for index, cut in enumerate(cuts)}

    def tail(group, moment):
        if moment is None:
            return 0
        day, (piece, sign) = plans[moment]
        count = on_days[group][day_index[day]]
        if piece:
            start, end = piece
            count += sign * (in_pieces[group][cut_index[start]] - in_pieces[group][cut_index[end]])
        return count

    position = {group: index for index, group in enumerate(groups)}
    counts = []
    for topics, start, end in windows:
        group = position[frozenset(topics)]
        counts.append(tail(group, start) - tail(group, end))
    return counts


def _tail_plan(moment):
    """How to count "received at or after `moment`": (the first whole day, (piece, sign)).

    At midnight, all from that day. Otherwise from the nearer midnight: from the next one plus
    the piece before it, or from the day's own minus the piece of the day before `moment`.
    """
    day = _day(moment)
    start, end = _day_start(day), _day_start(day + datetime.timedelta(days=1))
    if moment == start:
        return day, (None, 0)
    if moment - start < end - moment:
        return day, ((start, moment), -1)
    return day + datetime.timedelta(days=1), ((moment, end), +1)


def _day_rows(days):
    """(topic set, band, inquiries) from the first of `days` on; band i from days[i - 1]."""
    return (
        _models()
        .TopicSetDemandDay.objects.filter(day__gte=days[0])
        .annotate(band=Band("day", days))
        .values_list("topic_set", "band")
        .annotate(n=Sum("inquiries"))
        .order_by()
    )


def _piece_rows(pieces, cuts):
    """(topic set, band, inquiries) received in the pieces; band i from cuts[i - 1]."""
    ledger = _models().CountedInquiry
    field = ledger._meta.get_field("received_at")
    column = connection.ops.quote_name(field.column)
    ranges = _merged(pieces)
    # Dozens of ranges: written out directly, as Q objects they cost more to build than to run.
    condition = " OR ".join([f"({column} >= %s AND {column} < %s)"] * len(ranges))
    params = [field.get_db_prep_value(moment, connection) for piece in ranges for moment in piece]
    return (
        ledger.objects.filter(RawSQL(condition, params, models.BooleanField()))  # noqa: S611
        .annotate(band=Band("received_at", cuts))
        .values_list("topic_set", "band")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _rows(queryset):
    """A grouped queryset's rows as plain tuples: thousands of them, without Django's per-row
    conversions (all the values are already Python ints and strings)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _Sharing:
    """Which groups of topics each topic set shares a topic with."""

    def __init__(self, groups):
        self.groups = groups
        self.by_topic = defaultdict(set)
        for index, group in enumerate(groups):
            for topic in group:
                self.by_topic[topic].add(index)
        self.shared = {}

    def of(self, key):
        if key not in self.shared:
            self.shared[key] = set().union(*(self.by_topic.get(t, ()) for t in topic_ids(key)))
        return self.shared[key]

    def suffix_sums(self, rows, limits):
        """Per group: [inquiries in band i or later, for i in 1..limits], counting the rows of
        every topic set that shares a topic with the group."""
        sums = [[0] * (limits + 1) for _ in self.groups]
        targets = {}
        for key, band, n in rows:
            if key not in targets:
                targets[key] = [sums[index] for index in self.of(key)]
            for counts in targets[key]:
                counts[band] += n
        return [list(itertools.accumulate(reversed(counts)))[::-1][1:] for counts in sums]


def _merged(ranges):
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
