"""Demo reader questions for a fresh install, so the dashboard has a story. Idempotent.

About 18 months of questions on the demo topics, through every channel. Questions about
low-dose naltrexone rise in the year before the naltrexone article went live and ease after
it; a few of them are linked as having prompted it. Works without the demo articles (the
questions are then left without topics or links).
"""

import datetime
import random
import uuid

from django.db import transaction
from django.utils import timezone

from articles.models import Article, Topic
from inquiries.models import ArticleRole, Channel, Inquiry, Status

NALTREXONE_ARTICLE = "low-dose-naltrexone-lupus"
_NAMESPACE = uuid.UUID("0b0d3c1e-2d8e-4b61-a7a3-6c5f2b0e9d41")
MONTHS = 18

QUESTIONS = {
    "low-dose-naltrexone": [
        "My rheumatologist has never heard of LDN. Is there any research on it for lupus?",
        "Can low-dose naltrexone be taken together with hydroxychloroquine?",
        "A friend in my support group takes LDN for her fatigue. Would it help mine?",
        "Where do people get low-dose naltrexone made up, and is it expensive?",
        "Does LDN interfere with pain medicines that contain codeine?",
        "I started LDN two weeks ago and have vivid dreams. Is that common?",
        "What dose of naltrexone counts as a low dose?",
        "Is LDN safe if I am trying to get pregnant?",
        "Are there any trials of low-dose naltrexone in lupus that I could join?",
    ],
    "fibromyalgia": [
        "How can I tell whether my pain comes from lupus or from fibromyalgia?",
        "Do you know any gentle exercise groups for people with fibromyalgia?",
        "My doctor says I have fibromyalgia as well as lupus. What does that change?",
        "Is poor sleep making my fibromyalgia worse, and what can I do about it?",
        "Are there medicines for fibromyalgia that are safe with lupus treatment?",
    ],
    "pain-management": [
        "What can I do about joint pain in the morning besides taking more tablets?",
        "Is it safe to use ibuprofen regularly when you have lupus kidney problems?",
        "Does heat or cold work better for lupus joint pain?",
        "My pain clinic waiting list is nine months long. What can I try meanwhile?",
        "Can you recommend anything to read about pacing and pain?",
        "Would acupuncture help my pain, and is there evidence for it?",
    ],
    "lupus": [
        "How do I explain to my employer that lupus comes and goes?",
        "What should I ask at my first appointment with a rheumatologist?",
        "Does sunlight really cause flares, even through a window?",
        "My blood tests are fine but I feel awful. Is that possible with lupus?",
        "Is it normal to lose hair during a flare, and does it grow back?",
        "Can lupus affect memory and concentration?",
        "Are there local support groups near me?",
        "Which vaccines are safe while I take immunosuppressants?",
    ],
}
SPAM = [
    "Boost your website traffic today, visit our site for cheap offers!!!",
    "Dear sir, we offer the best SEO services at lowest price.",
]
FIRST_NAMES = ["Sam", "Alex", "Maria", "Jo", "Priya", "Tom", "Grace", "Ahmed", "Lena", "Chris"]
# Channel weights: most questions come through the website.
CHANNELS = [
    (Channel.WEB, 55),
    (Channel.EMAIL, 20),
    (Channel.PHONE, 9),
    (Channel.SOCIAL, 7),
    (Channel.EVENT, 7),
    (Channel.OTHER, 2),
]
STEADY_PER_MONTH = {"fibromyalgia": 3, "pain-management": 4, "lupus": 6}
# Naltrexone questions per month over the 12 months before the article, oldest first.
NALTREXONE_RISE = [1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12]
NALTREXONE_AFTER = [5, 4, 3, 3]


def _token(index):
    return uuid.uuid5(_NAMESPACE, f"demo-inquiry-{index}")


def _went_live(now):
    article = Article.objects.filter(slug=NALTREXONE_ARTICLE).first()
    published = article.first_published_at if article else None
    # Just published (a fresh demo install): pretend it went live three months ago.
    if published is None or now - published < datetime.timedelta(days=30):
        return article, now - datetime.timedelta(days=91)
    return article, published


def _plan(now, went_live, rng):
    """(topic slug or None, received_at) for every demo question, oldest first."""
    start = now - datetime.timedelta(days=MONTHS * 30.5)
    plan = []
    for month in range(MONTHS):
        month_start = start + datetime.timedelta(days=month * 30.5)
        for slug, per_month in STEADY_PER_MONTH.items():
            for _ in range(per_month + rng.randint(-1, 1)):
                plan.append((slug, month_start + datetime.timedelta(days=rng.uniform(0, 30))))
        if rng.random() < 0.5:
            plan.append((None, month_start + datetime.timedelta(days=rng.uniform(0, 30))))
    for offset, count in enumerate(NALTREXONE_RISE):
        month_start = went_live - datetime.timedelta(days=30 * (len(NALTREXONE_RISE) - offset))
        plan += [
            ("low-dose-naltrexone", month_start + datetime.timedelta(days=rng.uniform(0, 30)))
            for _ in range(count)
        ]
    for offset, count in enumerate(NALTREXONE_AFTER):
        month_start = went_live + datetime.timedelta(days=30 * offset)
        plan += [
            ("low-dose-naltrexone", month_start + datetime.timedelta(days=rng.uniform(0, 30)))
            for _ in range(count)
        ]
    return sorted((item for item in plan if item[1] < now), key=lambda item: item[1])


def load(stdout):
    """Create the demo inquiries unless they exist."""
    if Inquiry.objects.filter(submission_token=_token(0)).exists():
        stdout.write("Demo inquiries already loaded.")
        return
    now = timezone.now()
    rng = random.Random(5)  # noqa: S311 (demo data, not security)
    article, went_live = _went_live(now)
    topics = Topic.objects.in_bulk([*STEADY_PER_MONTH, "low-dose-naltrexone"], field_name="slug")
    channels, weights = zip(*CHANNELS, strict=True)
    inquiries, topic_slugs = [], []
    prompted_left = 6
    for index, (slug, received) in enumerate(_plan(now, went_live, rng)):
        channel = rng.choices(channels, weights)[0]
        inquiry = Inquiry(
            question=rng.choice(QUESTIONS[slug] if slug else QUESTIONS["lupus"]),
            received_at=received,
            channel=channel,
            submission_token=_token(index),
        )
        age = now - received
        if slug is None and rng.random() < 0.6:
            inquiry.question, inquiry.status = rng.choice(SPAM), Status.SPAM
        elif age < datetime.timedelta(days=14):
            inquiry.status = rng.choice([Status.NEW, Status.NEW, Status.TRIAGED])
        elif age < datetime.timedelta(days=45):
            inquiry.status = rng.choice([Status.TRIAGED, Status.ANSWERED, Status.ANSWERED])
        else:
            inquiry.status = rng.choice([Status.ANSWERED, Status.ANSWERED, Status.CLOSED])
        if channel in (Channel.WEB, Channel.EMAIL) and inquiry.status != Status.SPAM:
            inquiry.reply_wanted = rng.random() < 0.6
            if inquiry.reply_wanted:
                name = rng.choice(FIRST_NAMES)
                inquiry.name = name
                inquiry.email = f"{name.lower()}.{index}@example.org"
                inquiry.consent_given = True
                inquiry.consent_at = received
                inquiry.consent_text_version = "2025-01"
        if inquiry.status == Status.ANSWERED:
            inquiry.answered_at = min(now, received + datetime.timedelta(days=rng.uniform(0.5, 20)))
        if article and slug == "low-dose-naltrexone":
            if (
                received < went_live
                and prompted_left
                and received > went_live - datetime.timedelta(days=120)
            ):
                inquiry.related_article, inquiry.related_article_role = (
                    article,
                    ArticleRole.PROMPTED,
                )
                prompted_left -= 1
            elif received >= went_live and inquiry.status == Status.ANSWERED:
                inquiry.related_article, inquiry.related_article_role = article, ArticleRole.ANSWERS
        if slug in topics and inquiry.status == Status.NEW and rng.random() < 0.5:
            slug = None  # Not triaged yet.
        inquiries.append(inquiry)
        topic_slugs.append(slug)
    with transaction.atomic():
        Inquiry.objects.bulk_create(inquiries, batch_size=500)
        through = Inquiry.topics.through
        through.objects.bulk_create(
            [
                through(inquiry_id=inquiry.pk, topic_id=topics[slug].pk)
                for inquiry, slug in zip(inquiries, topic_slugs, strict=True)
                if slug in topics and inquiry.status != Status.SPAM
            ],
            batch_size=500,
        )
    stdout.write(f"Created {len(inquiries)} demo inquiries.")
