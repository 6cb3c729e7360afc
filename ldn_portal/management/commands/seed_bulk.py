"""Generated data at scale, for benchmarks and query-plan tests: articles and reader questions.

    python manage.py seed_bulk --articles 10000 --inquiries 1000000

Articles get a live version whose content comes from `Article.content_for()`, as snapshot()'s
does, with topics, authors, sources and a disclaimer; on PostgreSQL their search vectors are
filled in one statement. Inquiries spread over three years (more in recent months), with skewed
topic popularity, realistic channels, statuses that depend on age, and answer times. On PostgreSQL
inquiries and their topic links are written with COPY, elsewhere with bulk_create.

Idempotent with respect to sizes: it only adds what is missing to reach N generated articles
and M inquiries, so a second run with the same sizes does nothing.
"""

import contextlib
import datetime
import io
import json
import random
import time
import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleStatus,
    ArticleVersion,
    Author,
    Disclaimer,
    OrganizationPolicy,
    Source,
    SourceKind,
    Topic,
    VersionAuthor,
)
from inquiries.models import Channel, Inquiry, Status

# Generated articles' slugs end in a six-digit number; nothing else uses that pattern.
GENERATED_SLUG = r"-[0-9]{6}$"
BATCH = 500
INQUIRY_BATCH = 50_000
# From this many new inquiries on, PostgreSQL indexes are rebuilt once instead of row by row.
FAST_LOAD_MIN = 200_000
YEARS = 3

TOPICS = [
    ("Low-dose naltrexone", "LDN, naltrexone, low dose", True),
    ("Fibromyalgia", "fibro, FMS", False),
    ("Pain management", "pain relief, chronic pain", False),
    ("Lupus", "SLE, systemic lupus", False),
    ("Fatigue", "tiredness, exhaustion, pacing", False),
    ("Sjögren's", "dry eyes, dry mouth, sicca", False),
    ("Hydroxychloroquine", "plaquenil, HCQ", False),
    ("Kidney health", "lupus nephritis, kidneys", False),
    ("Skin and rashes", "malar rash, photosensitivity", False),
    ("Pregnancy", "fertility, family planning", False),
    ("Mental health", "depression, anxiety, brain fog", False),
    ("Diet and nutrition", "food, vitamin D, supplements", False),
    ("Exercise", "movement, physiotherapy", False),
    ("Sleep", "insomnia, rest", False),
    ("Biologics", "belimumab, anifrolumab", False),
    ("Steroids", "prednisone, prednisolone, corticosteroids", False),
    ("Immunosuppressants", "methotrexate, azathioprine, mycophenolate", False),
    ("Work and benefits", "employment, disability benefits", False),
    ("Raynaud's", "cold fingers, circulation", False),
    ("Joint pain", "arthritis, arthralgia", False),
    ("Vaccines", "immunisation, flu jab", False),
    ("Heart and lungs", "pericarditis, pleurisy", False),
    ("Cannabidiol", "CBD, cannabis", True),
    ("Clinical trials", "research, studies", False),
    ("Diagnosis", "ANA test, blood tests", False),
    ("Children and teens", "paediatric lupus, juvenile", False),
    ("Travel", "holidays, sun protection", False),
    ("Hair loss", "alopecia", False),
]
AUTHORS = [
    ("Amara Okafor", "patient advocate"),
    ("Brendan Walsh", "rheumatologist"),
    ("Chen Wei", "RN, rheumatology nurse specialist"),
    ("Dolores Ibarra", "pharmacist"),
    ("Elif Yilmaz", "patient advocate"),
    ("Farah Siddiqui", "GP"),
    ("Gareth Price", "physiotherapist"),
    ("Hanna Lindqvist", "dietitian"),
    ("Ike Mensah", "clinical psychologist"),
    ("Julia Novak", "rheumatologist"),
    ("Kofi Boateng", "nephrologist"),
    ("Lucía Romero", "patient advocate"),
    ("Maya Patel", "dermatologist"),
    ("Niamh Byrne", "obstetrician"),
    ("Oskar Berg", "researcher"),
    ("Priya Raman", "RN"),
    ("Quentin Moreau", "sleep specialist"),
    ("Rosa Delgado", "occupational therapist"),
    ("Sanjay Gupta", "cardiologist"),
    ("Tomasz Kowal", "patient advocate"),
]
TITLE_PATTERNS = [
    "{topic}: what the evidence says",
    "{topic} and {other}: questions readers ask",
    "Living with {topic}: a practical guide",
    "{topic} explained in plain words",
    "What to ask your doctor about {topic}",
    "New research on {topic} and {other}",
    "{topic}: myths and facts",
    "Managing {topic} when you have lupus",
    "How {topic} affects {other}",
    "A reader's guide to {topic}",
    "{topic} after diagnosis: the first months",
    "Starting treatment: {topic} step by step",
]
SENTENCES = [
    "Many readers tell us that {topic} changed how they plan an ordinary day.",
    "Small studies suggest a benefit, but none was large enough to settle the question.",
    "Talk to your rheumatologist before you change any medicine, even a supplement.",
    "Keep a short diary for two weeks: symptoms, sleep, medicines and what you ate.",
    "Side effects are usually mild and often fade after the first few weeks.",
    "Blood tests every few months help your team spot problems early.",
    "People with kidney involvement may need a different dose or closer monitoring.",
    "Pacing means doing a little less than you can on good days, so bad days are fewer.",
    "Sun protection matters all year round, not only in summer.",
    "If you are pregnant or planning a pregnancy, ask before starting anything new.",
    "Evidence from other conditions does not always carry over to lupus.",
    "Support groups can help, and so can a friend who comes along to appointments.",
    "Write your questions down before the appointment; it is easy to forget in the room.",
    "A second opinion is reasonable when a treatment plan does not feel right.",
    "Most guidelines recommend regular eye checks for people taking {topic} medicines.",
    "Stopping suddenly can cause a flare, so any change should be gradual and planned.",
    "Costs differ between countries and insurers; ask your pharmacist about cheaper options.",
    "Researchers are recruiting for trials; your clinic can tell you whether you qualify.",
]
HEADINGS = ["What it is", "What the studies found", "Who it may help", "Risks", "Next steps"]
QUESTION_PATTERNS = [
    "Is {topic} safe to combine with my lupus medicines?",
    "My rheumatologist has not heard of {topic}. Where can I find the studies?",
    "How long does {topic} take to work, and how will I know?",
    "Can {topic} make my fatigue worse at first?",
    "I read about {topic} online. Is it suitable during pregnancy?",
    "What dose of {topic} did the trials use?",
    "My GP says {topic} is not for lupus. Is that right?",
    "Are there side effects of {topic} I should watch for?",
    "Where can I get help paying for {topic}?",
    "Does {topic} interact with hydroxychloroquine?",
]
JOURNALS = ["Lupus Science & Medicine", "Rheumatology", "Arthritis Care & Research", "BMJ"]
CHANNEL_WEIGHTS = [
    (Channel.WEB, 60),
    (Channel.EMAIL, 15),
    (Channel.PHONE, 8),
    (Channel.SOCIAL, 8),
    (Channel.EVENT, 4),
    (Channel.FEEDBACK, 4),
    (Channel.OTHER, 1),
]


def generated_articles():
    return Article.objects.filter(slug__regex=GENERATED_SLUG)


class Command(BaseCommand):
    help = "Add generated articles and inquiries until there are N and M (fast bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--inquiries", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=6, help="Random seed (repeatable data).")

    def handle(self, *args, articles, inquiries, seed, **options):
        self.random = random.Random(seed)
        self.now = timezone.now()
        have_articles = generated_articles().count()
        have_inquiries = Inquiry.objects.count()
        if have_articles >= articles and have_inquiries >= inquiries:
            self.stdout.write(
                f"Nothing to do: {have_articles:,} generated articles, "
                f"{have_inquiries:,} inquiries."
            )
            return
        self.topics = self._topics()
        self.authors = self._authors()
        self.disclaimer = self._disclaimer()
        self.policy = OrganizationPolicy.current()
        if have_articles < articles:
            started = time.monotonic()
            self._articles(have_articles, articles)
            self._report("articles", articles - have_articles, started)
        if have_inquiries < inquiries:
            started = time.monotonic()
            self._inquiries(inquiries - have_inquiries)
            self._report("inquiries", inquiries - have_inquiries, started)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # The dashboard's day view (PostgreSQL) counts the new inquiries once refreshed.
        call_command("refresh_demand_counts", stdout=self.stdout)

    def _report(self, what, count, started):
        self.stdout.write(f"Added {count:,} {what} in {time.monotonic() - started:.1f} s.")

    # Reference data ----------------------------------------------------------------------------
    def _topics(self):
        topics = []
        for name, synonyms, off_label in TOPICS:
            topic, _ = Topic.objects.get_or_create(
                slug=slugify(name),
                defaults={
                    "name": name,
                    "search_synonyms": synonyms,
                    "is_off_label": off_label,
                    "description": f"Articles and answers about {name.lower()}.",
                },
            )
            topics.append(topic)
        return topics

    def _authors(self):
        return [
            Author.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "credentials": credentials}
            )[0]
            for name, credentials in AUTHORS
        ]

    def _disclaimer(self):
        return Disclaimer.objects.default() or Disclaimer.objects.create(
            name="General medical disclaimer",
            text="For information only; this does not replace advice from your own doctor.",
            is_default=True,
        )

    def _topic_weights(self):
        # Popularity falls off like Zipf's law: a few topics get most of the questions.
        return [1 / (rank + 1) for rank in range(len(self.topics))]

    # Articles ------------------------------------------------------------------------------------
    def _articles(self, first, last):
        for start in range(first, last, BATCH):
            with transaction.atomic():
                self._article_batch(range(start, min(start + BATCH, last)))
        if connection.vendor == "postgresql":
            self._search_vectors()

    def _article_batch(self, numbers):
        plans = [self._article_plan(number) for number in numbers]
        articles = Article.objects.bulk_create([plan["article"] for plan in plans])
        links, authors, sources = [], [], []
        for article, plan in zip(articles, plans, strict=True):
            links += [
                Article.topics.through(article_id=article.pk, topic_id=t.pk) for t in plan["topics"]
            ]
            authors += [
                ArticleAuthor(article=article, author=author, order=order)
                for order, author in enumerate(plan["authors"])
            ]
            sources += [
                Source(article=article, order=order, **source)
                for order, source in enumerate(plan["sources"])
            ]
        Article.topics.through.objects.bulk_create(links)
        ArticleAuthor.objects.bulk_create(authors)
        Source.objects.bulk_create(sources)
        versions = ArticleVersion.objects.bulk_create(
            [self._version(article, plan) for article, plan in zip(articles, plans, strict=True)]
        )
        version_topics, bylines = [], []
        for article, version, plan in zip(articles, versions, plans, strict=True):
            article.latest_version = version
            version_topics += [
                ArticleVersion.topics.through(articleversion_id=version.pk, topic_id=t.pk)
                for t in plan["topics"]
            ]
            bylines += [
                VersionAuthor(version=version, author=author, order=order)
                for order, author in enumerate(plan["authors"])
            ]
        ArticleVersion.topics.through.objects.bulk_create(version_topics)
        VersionAuthor.objects.bulk_create(bylines)
        Article.objects.bulk_update(articles, ["latest_version"])

    def _article_plan(self, number):
        rnd = self.random
        topics = rnd.sample(self.topics, rnd.choice([1, 1, 2, 2, 3]))
        topics.sort(key=lambda t: t.name)
        other = rnd.choice(self.topics)
        title = rnd.choice(TITLE_PATTERNS).format(topic=topics[0].name, other=other.name.lower())
        title = title[0].upper() + title[1:]
        authors = rnd.sample(self.authors, rnd.choice([1, 1, 1, 2]))
        reviewer = rnd.choice(self.authors) if rnd.random() < 0.4 else None
        published_at = self.now - datetime.timedelta(days=rnd.uniform(1, 5 * 365))
        roll = rnd.random()
        status = ArticleStatus.PUBLISHED
        go_live_at = expire_at = taken_down_at = None
        if roll < 0.04:
            status = ArticleStatus.DRAFT
        elif roll < 0.06:
            status = ArticleStatus.UNPUBLISHED
            taken_down_at = published_at + (self.now - published_at) / 2
        elif roll < 0.08:
            status = ArticleStatus.ARCHIVED
            taken_down_at = published_at + (self.now - published_at) / 2
        elif roll < 0.10:
            go_live_at = self.now + datetime.timedelta(days=rnd.uniform(1, 60))
        elif roll < 0.12:
            expire_at = self.now - datetime.timedelta(days=rnd.uniform(1, 60))
        published = status != ArticleStatus.DRAFT
        paragraphs = []
        for heading in rnd.sample(HEADINGS, 4):
            paragraphs.append(f"<h2>{heading}</h2>")
            for _ in range(rnd.randint(2, 3)):
                sentences = rnd.sample(SENTENCES, rnd.randint(3, 5))
                text = " ".join(s.format(topic=topics[0].name.lower()) for s in sentences)
                paragraphs.append(f"<p>{text}</p>")
        sources = [
            {
                "title": f"{topics[0].name} in systemic lupus: a {kind.label.lower()}",
                "publisher": rnd.choice(JOURNALS),
                "url": f"https://example.org/papers/{number}-{index}",
                "published_on": (
                    published_at - datetime.timedelta(days=rnd.randint(30, 900))
                ).date(),
                "kind": kind.value,
            }
            for index, kind in enumerate(rnd.sample(list(SourceKind), rnd.randint(1, 3)))
        ]
        summary = (
            f"What readers with lupus should know about {topics[0].name.lower()}: "
            "the evidence so far, who it may help, and what to ask your care team."
        )
        off_label = any(t.is_off_label for t in topics)
        article = Article(
            slug=f"{slugify(title)[:180]}-{number:06d}",
            status=status,
            title=title,
            summary=summary,
            body="\n".join(paragraphs),
            evidence_note="A few small trials; none in lupus." if off_label else "",
            cautions="Do not stop prescribed medicines without advice." if off_label else "",
            disclaimer=self.disclaimer,
            medical_reviewer=reviewer,
            featured=rnd.random() < 0.01,
            last_reviewed=(published_at - datetime.timedelta(days=2)).date(),
            next_review_due=(published_at + datetime.timedelta(days=365)).date(),
            expire_at=expire_at,
            first_published_at=published_at if published else None,
            last_published_at=published_at if published else None,
        )
        return {
            "article": article,
            "topics": topics,
            "authors": authors,
            "reviewer": reviewer,
            "sources": sources,
            "published": published,
            # The live version's window: from its go-live moment (in the future: scheduled)
            # until it was taken down, if it was.
            "live_from": (go_live_at or published_at) if published else None,
            "live_until": taken_down_at,
        }

    def _version(self, article, plan):
        # The same content as Article.snapshot() for these rows (tests/ldn_portal checks it).
        content = article.content_for(
            plan["topics"],
            plan["authors"],
            [Source(**source) for source in plan["sources"]],
            policy=self.policy,
        )
        return ArticleVersion(
            article=article,
            number=1,
            created_at=article.last_published_at or self.now,
            title=article.title,
            summary=article.summary,
            body=article.body,
            content=content,
            slug=article.slug,
            medical_reviewer=plan["reviewer"],
            live_from=plan["live_from"],
            live_until=plan["live_until"],
        )

    def _search_vectors(self):
        """The same weighted vectors as articles.search.update_search_vector (the search vector
        and the rank vector, its title, topic and summary part), in one UPDATE."""

        def weighted(text, weight):
            return (
                f"setweight(to_tsvector('english', coalesce({text}, '')), '{weight}') || "
                f"setweight(to_tsvector('simple', coalesce({text}, '')), '{weight}')"
            )

        topic_text = (
            "(SELECT string_agg(t.name || ' ' || replace(t.search_synonyms, ',', ' '), ' ') "
            "FROM articles_articleversion_topics vt JOIN articles_topic t ON t.id = vt.topic_id "
            "WHERE vt.articleversion_id = v.id)"
        )
        body = "regexp_replace(v.body, '<[^>]+>', ' ', 'g')"
        rank = f"{weighted('v.title', 'A')} || {weighted(topic_text, 'A')} || " + weighted(
            "v.summary", "B"
        )
        with connection.cursor() as cursor:
            # Only fixed SQL pieces from this module: no outside input reaches the statement.
            sql = (
                "UPDATE articles_articleversion v SET "  # noqa: S608
                f"search_vector = {rank} || {weighted(body, 'C')}, rank_vector = {rank} "
                "WHERE v.search_vector IS NULL"
            )
            cursor.execute(sql)

    # Inquiries -------------------------------------------------------------------------------
    def _inquiries(self, count):
        articles = list(Article.objects.live().values_list("pk", flat=True)[:2000])
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM inquiries_inquiry")
            next_id = cursor.fetchone()[0] + 1
        weights = self._topic_weights()
        tables = [Inquiry._meta.db_table, Inquiry.topics.through._meta.db_table]
        with transaction.atomic(), _bulk_load(tables, large=count >= FAST_LOAD_MIN):
            for start in range(0, count, INQUIRY_BATCH):
                size = min(INQUIRY_BATCH, count - start)
                rows, links = self._inquiry_rows(next_id, size, articles, weights)
                next_id += size
                self._write(Inquiry, rows)
                self._write(Inquiry.topics.through, links)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('inquiries_inquiry', 'id'), "
                    "(SELECT MAX(id) FROM inquiries_inquiry))"
                )
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('inquiries_inquiry_topics', 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM inquiries_inquiry_topics))"
                )

    def _inquiry_rows(self, first_id, size, articles, weights):
        rnd = self.random
        span = YEARS * 365 * 86400
        channels, channel_weights = zip(*CHANNEL_WEIGHTS, strict=True)
        channel_picks = rnd.choices(channels, channel_weights, k=size)
        topic_picks = rnd.choices(self.topics, weights, k=size * 2)
        rows, links = [], []
        for offset in range(size):
            pk = first_id + offset
            # More questions lately: the age is skewed towards the present.
            age = span * (1 - rnd.random() ** 0.6)
            received = self.now - datetime.timedelta(seconds=age)
            channel = channel_picks[offset]
            roll = rnd.random()
            if roll < 0.03:
                status = Status.SPAM
            elif age < 7 * 86400:
                status = Status.NEW if roll < 0.6 else Status.TRIAGED
            elif age < 30 * 86400:
                status = (Status.TRIAGED, Status.ANSWERED, Status.CLOSED)[int(roll * 3) % 3]
            else:
                status = Status.ANSWERED if roll < 0.55 else Status.CLOSED
            answered = None
            if status == Status.ANSWERED or (status == Status.CLOSED and roll < 0.8):
                wait = min(rnd.lognormvariate(10.8, 1.0), age * 0.9)  # median about 2 days
                answered = received + datetime.timedelta(seconds=wait)
            topic = topic_picks[offset * 2]
            question = rnd.choice(QUESTION_PATTERNS).format(topic=topic.name.lower())
            reply = rnd.random() < 0.4
            article = rnd.choice(articles) if articles and rnd.random() < 0.03 else None
            rows.append(
                {
                    "id": pk,
                    "question": question,
                    "received_at": received,
                    "channel": channel,
                    "status": status,
                    "answered_at": answered,
                    "is_urgent": rnd.random() < 0.01,
                    "reply_wanted": reply,
                    "email": f"reader{pk}@example.org" if reply else "",
                    "name": f"Reader {pk}" if reply and rnd.random() < 0.5 else "",
                    "consent_given": reply,
                    "consent_at": received if reply else None,
                    "consent_text_version": "2025-01" if reply else "",
                    "client_hash": uuid.UUID(int=rnd.getrandbits(128)).hex * 2
                    if channel == Channel.WEB
                    else "",
                    "staff_notes": "",
                    "related_article_id": article,
                    "related_article_role": "answers" if article else "",
                    "source_article_id": None,
                    "source_version_id": None,
                    "assigned_to_id": None,
                    "submission_token": None,
                    "mail_message_id": None,
                    "had_attachments": False,
                }
            )
            if status == Status.NEW and rnd.random() < 0.7:
                continue  # not triaged yet: no topic
            links.append({"inquiry_id": pk, "topic_id": topic.pk})
            second = topic_picks[offset * 2 + 1]
            if second.pk != topic.pk and rnd.random() < 0.25:
                links.append({"inquiry_id": pk, "topic_id": second.pk})
        return rows, links

    def _write(self, model, rows):
        if not rows:
            return
        if connection.vendor != "postgresql":
            model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
            return
        columns = list(rows[0])
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(row[column]) for column in columns))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer
            )


def _copy_value(value):
    """A value in COPY's text format (the generated text has no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


@contextlib.contextmanager
def _bulk_load(tables, large):
    """On PostgreSQL, for a large load: skip per-row foreign-key triggers (the generated rows
    only point at rows that exist) and build the secondary indexes once at the end, which is
    several times faster than maintaining ten indexes row by row. Call inside a transaction."""
    if connection.vendor != "postgresql" or not large:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET LOCAL session_replication_role = origin")
