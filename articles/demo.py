"""Demo articles for a fresh install, written in our own words. Idempotent.

The low-dose naltrexone article is live with three versions of history, so the admin's
history and compare pages have something to show. Four shorter articles on other topics
are live with one version each. Nothing that already exists (by slug) is touched.
"""

import datetime
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleVersion,
    Author,
    Disclaimer,
    ImageLicence,
    Source,
    SourceKind,
    Topic,
)

MAIN_SLUG = "low-dose-naltrexone-lupus"

TOPICS = {
    "low-dose-naltrexone": {
        "name": "Low-dose naltrexone",
        "description": "An old medicine used at a small dose, off-label, for pain and fatigue.",
        "search_synonyms": "LDN, naltrexone, low dose",
        "is_off_label": True,
    },
    "fibromyalgia": {
        "name": "Fibromyalgia",
        "description": "Widespread pain, tiredness and poor sleep; common alongside lupus.",
        "search_synonyms": "fibro, FMS",
    },
    "pain-management": {
        "name": "Pain management",
        "description": "Ways to ease and live with long-term pain.",
        "search_synonyms": "pain relief, chronic pain",
    },
    "lupus": {
        "name": "Lupus",
        "description": "Living well with systemic lupus erythematosus.",
        "search_synonyms": "SLE, systemic lupus",
    },
    "fatigue": {
        "name": "Fatigue",
        "description": "Tiredness that rest alone does not fix, and how to manage it.",
        "search_synonyms": "tiredness, exhaustion, pacing, energy",
    },
    "sjogrens": {
        "name": "Sjögren's",
        "description": "Dry eyes, dry mouth and the overlap with lupus.",
        "search_synonyms": "Sjogren, sjogrens, dry eyes, sicca",
    },
}

AUTHORS = {
    "dana-whitfield": {
        "name": "Dana Whitfield",
        "credentials": "RN, patient educator",
        "bio": "Dana is a nurse who has lived with lupus for fifteen years and leads our "
        "research write-ups on treatments readers ask about.",
    },
    "amara-okafor": {
        "name": "Dr. Amara Okafor",
        "credentials": "rheumatologist",
        "bio": "Amara is a consultant rheumatologist who reviews our health articles.",
    },
    "leo-brandt": {
        "name": "Leo Brandt",
        "credentials": "patient advocate",
        "bio": "Leo volunteers with our peer support groups and writes about daily life "
        "with lupus.",
    },
}

MAIN_V1 = {
    "title": "Low-dose naltrexone and lupus",
    "subtitle": "What is known about LDN for lupus and its overlap conditions",
    "summary": (
        "Many readers ask about low-dose naltrexone (LDN) for lupus pain and fatigue. "
        "Here is what the medicine is, how it is thought to work, what to check before "
        "trying it, and how thin the evidence still is."
    ),
    "body": """
<p>Low-dose naltrexone, usually shortened to LDN, comes up again and again in the questions
readers send us. People with lupus, rheumatoid arthritis and fibromyalgia want to know
whether it could ease their pain. This article sets out what we found, so that you can take
it to your own doctor and talk it through.</p>
<h2>What LDN is</h2>
<p>Naltrexone is not a new drug. Since the 1980s doctors have prescribed it at full strength to
help people stop using opioids or alcohol. It blocks the effect of opioids, so taking them
no longer brings the expected high. "Low dose" means a small fraction of that usual amount,
normally taken once a day at bedtime.</p>
<h2>How it is thought to work</h2>
<p>Our bodies make their own pain-relieving chemicals, called endorphins, which act on
opioid receptors. The idea behind LDN is that a short block of those receptors at night
prompts the body to make more endorphins. These then act once the medicine has worn
off. Supporters also suggest that it calms inflammation in the nervous system.
These explanations are still theories.</p>
<h2>Is it approved for lupus?</h2>
<p>No. Naltrexone is approved for opioid and alcohol dependence only. Using it at a low
dose for lupus or pain is <strong>off-label</strong>: a doctor may prescribe it, but no
regulator has reviewed evidence that it works for these conditions.</p>
""",
    "cautions": (
        "Low-dose naltrexone is not approved for lupus; talk to your rheumatologist before "
        "trying it.\n"
        "Do not take naltrexone while you take opioid pain medicines: it blocks them and can "
        "bring on withdrawal."
    ),
    "evidence_note": "",
}

MAIN_V2_BODY_EXTRA = """
<h2>Before you start</h2>
<ul>
<li>Tell your doctor about any liver problem, including hepatitis, past or present.</li>
<li>Do not combine it with opioid painkillers such as codeine, tramadol or morphine.</li>
<li>Ask for an immediate-release form: slow-release naltrexone is not suitable for this use.</li>
<li>Ask what fillers the capsules contain; some people do better without calcium carbonate
fillers.</li>
<li>LDN is usually made up by a compounding pharmacy; choose one your doctor trusts.</li>
</ul>
<h2>Side effects</h2>
<p>In the small studies so far, side effects were mostly mild. The ones people mention most
are unusually vivid dreams, an upset stomach and, a little more often than with a dummy
pill, headaches. They often settle after the first weeks.</p>
<h2>What the research shows</h2>
<p>There are no trials of LDN in lupus. The closest evidence comes from fibromyalgia, a
condition that often overlaps with lupus and in which the brain seems to amplify pain
signals.</p>
<ul>
<li>In 2009, Jarred Younger and Sean Mackey at Stanford ran a small pilot study in which
women with fibromyalgia reported less pain and fatigue while taking LDN than while taking
a placebo [1].</li>
<li>In 2013 the same group published a crossover trial in 31 women, in the journal
<em>Arthritis &amp; Rheumatism</em>. Each woman took LDN for some weeks and a placebo for
others without knowing which was which. Pain fell further with LDN than with the placebo,
and more of the women rated themselves as clearly improved [2].</li>
</ul>
<p>Both studies were small and short. They are a reason to study LDN properly, not proof
that it works, and they say nothing directly about lupus.</p>
"""

MAIN_V3_BODY_EXTRA = """
<h2>Why doctors disagree</h2>
<p>Many doctors have never prescribed LDN, partly because it is a cheap, old medicine that
no company is funding large trials for. Some doubt it openly. They point out that no one
has shown how it would work. They add that a medicine said to boost the immune system is an
odd fit for lupus, where the immune system is already too active. Others,
especially in integrative and functional medicine, are enthusiastic and prescribe it for a
range of autoimmune and pain conditions.</p>
<p>Naltrexone has a long safety record at its usual dose [4], but little is known about
taking a low dose for years [3]. If you are curious about LDN, bring this article to your
rheumatologist, ask how it might fit with your current treatment, and decide together.</p>
"""

MAIN_SOURCES = [
    {
        "title": "Fibromyalgia symptoms are reduced by low-dose naltrexone: a pilot study "
        "(Younger J, Mackey S)",
        "publisher": "Pain Medicine, 2009",
        "url": "https://pubmed.ncbi.nlm.nih.gov/19453963/",
        "published_on": datetime.date(2009, 5, 1),
        "kind": SourceKind.STUDY,
    },
    {
        "title": "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, "
        "randomized, double-blind, placebo-controlled, counterbalanced, crossover trial "
        "(Younger J, Noor N, McCue R, Mackey S)",
        "publisher": "Arthritis & Rheumatism, 2013",
        "url": "https://pubmed.ncbi.nlm.nih.gov/23359310/",
        "published_on": datetime.date(2013, 2, 1),
        "kind": SourceKind.STUDY,
    },
    {
        "title": "The Safety and Efficacy of Low-Dose Naltrexone in the Management of Chronic "
        "Pain and Inflammation in Multiple Sclerosis, Fibromyalgia, Crohn's Disease, and "
        "Other Chronic Pain Disorders (Patten DK, Schultz BG, Berlau DJ)",
        "publisher": "Pharmacotherapy, 2018",
        "url": "https://pubmed.ncbi.nlm.nih.gov/29566414/",
        "published_on": datetime.date(2018, 3, 1),
        "kind": SourceKind.REVIEW,
    },
    {
        "title": "Naltrexone: drug information",
        "publisher": "MedlinePlus, U.S. National Library of Medicine",
        "url": "https://medlineplus.gov/druginfo/meds/a685041.html",
        "published_on": None,
        "kind": SourceKind.GUIDELINE,
    },
]

SHORT_ARTICLES = [
    {
        "slug": "pacing-lupus-fatigue",
        "title": "Pacing: making your energy last",
        "subtitle": "A practical way to live with lupus fatigue",
        "summary": (
            "Lupus fatigue does not always lift with rest. Pacing means planning your day "
            "so that you spend energy in smaller amounts and avoid the crash that follows "
            "a good day."
        ),
        "body": """
<p>Many people with lupus describe a tiredness that a night's sleep does not fix. Pacing
will not cure it, but it can make the good days less costly.</p>
<h2>How to start</h2>
<ul>
<li>For a week, note what you did each hour and how tired you felt afterwards.</li>
<li>Split big jobs into short pieces with planned rests between them, before you feel
exhausted.</li>
<li>On a good day, do only a little more than usual rather than catching up on everything.</li>
</ul>
<p>Tell your rheumatologist if fatigue is new or getting worse: anaemia, thyroid problems,
low mood or a flare can all cause it and can be treated.</p>
""",
        "topics": ["fatigue", "lupus"],
        "authors": ["leo-brandt"],
        "cautions": "",
        "featured": True,
        "sources": [
            {
                "title": "Fatigue",
                "publisher": "MedlinePlus, U.S. National Library of Medicine",
                "url": "https://medlineplus.gov/fatigue.html",
                "kind": SourceKind.GUIDELINE,
            }
        ],
    },
    {
        "slug": "sun-protection-lupus",
        "title": "Sun protection when you have lupus",
        "subtitle": "",
        "summary": (
            "Ultraviolet light can trigger rashes and flares in many people with lupus. "
            "Simple habits cut your exposure without keeping you indoors."
        ),
        "body": """
<p>Sensitivity to sunlight is common in lupus. Both sunlight and some indoor lights give off
ultraviolet (UV) rays, which can bring on skin rashes and, for some people, a wider flare.</p>
<h2>Everyday habits</h2>
<ul>
<li>Use a broad-spectrum sunscreen with a high protection factor every day, and reapply it
every two hours outdoors.</li>
<li>Wear a wide-brimmed hat and clothes that cover your arms and legs.</li>
<li>Plan outdoor time for early morning or late afternoon, when UV is lower.</li>
<li>UV passes through car and house windows; protective film can help.</li>
</ul>
<p>Some medicines make skin more sensitive to light. Ask your pharmacist about yours.</p>
""",
        "topics": ["lupus"],
        "authors": ["leo-brandt"],
        "cautions": "",
        "featured": False,
        "sources": [
            {
                "title": "Lupus",
                "publisher": "National Institute of Arthritis and Musculoskeletal and Skin "
                "Diseases",
                "url": "https://www.niams.nih.gov/health-topics/lupus",
                "kind": SourceKind.GUIDELINE,
            }
        ],
    },
    {
        "slug": "preparing-for-rheumatology-appointment",
        "title": "Getting the most from a rheumatology appointment",
        "subtitle": "What to bring and what to ask",
        "summary": (
            "Appointments are short and flares are hard to describe afterwards. A little "
            "preparation helps you and your rheumatologist make the most of the time."
        ),
        "body": """
<p>It is easy to forget half of what you meant to say once you are in the room. These steps
help.</p>
<h2>Before the visit</h2>
<ul>
<li>Keep a simple symptom diary: pain, tiredness, rashes, fevers, and what you were doing.</li>
<li>Take photos of rashes or swollen joints when they appear; they may be gone by the day.</li>
<li>List every medicine and supplement you take, with the doses.</li>
<li>Write down your three most important questions and ask them first.</li>
</ul>
<h2>During and after</h2>
<p>Bring someone with you if you can, or ask whether you may take notes. Before you leave,
check that you know what happens next and whom to call if things get worse.</p>
""",
        "topics": ["lupus"],
        "authors": ["dana-whitfield"],
        "cautions": "",
        "featured": True,
        "sources": [
            {
                "title": "Talking with your doctor",
                "publisher": "MedlinePlus, U.S. National Library of Medicine",
                "url": "https://medlineplus.gov/talkingwithyourdoctor.html",
                "kind": SourceKind.GUIDELINE,
            }
        ],
    },
    {
        "slug": "sjogrens-dry-eyes",
        "title": "Dry eyes and Sjögren's: everyday relief",
        "subtitle": "",
        "summary": (
            "Sjögren's often comes with lupus and can leave eyes gritty and sore. "
            "Here are simple measures to try, and signs that mean you should see an eye "
            "doctor soon."
        ),
        "body": """
<p>In Sjögren's the immune system affects the glands that make tears and saliva. About one
in five people with lupus also has it.</p>
<h2>Things that often help</h2>
<ul>
<li>Preservative-free artificial tears, used regularly rather than only when eyes hurt.</li>
<li>A warm compress over closed eyes for a few minutes, morning and evening.</li>
<li>Avoiding fans and air blowing towards your face; a humidifier at home.</li>
<li>Taking screen breaks and remembering to blink fully.</li>
</ul>
""",
        "topics": ["sjogrens", "lupus"],
        "authors": ["dana-whitfield"],
        "cautions": (
            "See an eye doctor the same day if your eye is red and painful, or your sight changes."
        ),
        "featured": False,
        "sources": [
            {
                "title": "Dry eye",
                "publisher": "National Eye Institute",
                "url": "https://www.nei.nih.gov/learn-about-eye-health/eye-conditions-and-"
                "diseases/dry-eye",
                "kind": SourceKind.GUIDELINE,
            }
        ],
    },
]


def load(stdout):
    """Create the demo authors, topics, disclaimer and articles unless they exist."""
    with transaction.atomic():
        topics = {
            slug: Topic.objects.get_or_create(slug=slug, defaults=fields)[0]
            for slug, fields in TOPICS.items()
        }
        authors = {
            slug: Author.objects.get_or_create(slug=slug, defaults=fields)[0]
            for slug, fields in AUTHORS.items()
        }
        disclaimer = _default_disclaimer()
        created = 0
        if not Article.objects.filter(slug=MAIN_SLUG).exists():
            _create_main_article(topics, authors, disclaimer)
            created += 1
        for spec in SHORT_ARTICLES:
            if not Article.objects.filter(slug=spec["slug"]).exists():
                _create_short_article(spec, topics, authors, disclaimer)
                created += 1
    stdout.write(f"Articles: {created} demo article(s) created.")


def _default_disclaimer():
    existing = Disclaimer.objects.default()
    if existing:
        return existing
    text = settings.MEDICAL_DISCLAIMER.format(
        organization=settings.ORGANIZATION_NAME, contact=settings.CONTACT_EMAIL
    )
    return Disclaimer.objects.create(name="General medical disclaimer", text=text, is_default=True)


def _create_main_article(topics, authors, disclaimer):
    now = timezone.now()
    today = timezone.localdate()
    article = Article.objects.create(
        slug=MAIN_SLUG,
        disclaimer=disclaimer,
        last_reviewed=today - datetime.timedelta(days=150),
        next_review_due=today + datetime.timedelta(days=215),
        featured=True,
        **{key: value.strip() for key, value in MAIN_V1.items()},
    )
    article.topics.set([topics[s] for s in ("low-dose-naltrexone", "lupus", "pain-management")])
    article.main_topic = topics["low-dose-naltrexone"]
    article.save()
    ArticleAuthor.objects.create(article=article, author=authors["dana-whitfield"], order=0)
    Source.objects.create(article=article, order=0, **MAIN_SOURCES[3])
    v1 = article.save_version(change_note="First draft from readers' questions.")

    article.body = (MAIN_V1["body"] + MAIN_V2_BODY_EXTRA).strip()
    article.evidence_note = (
        "Two small trials in fibromyalgia (10 and 31 women) suggest less pain than with a "
        "placebo. There are no trials in lupus."
    )
    article.medical_reviewer = authors["amara-okafor"]
    article.image.save("ldn-hero.png", _hero_image(), save=False)
    article.image_alt = "Soft purple circles on a violet background."
    article.image_caption = "Purple is the colour of lupus awareness."
    article.image_credit = f"Illustration: {settings.ORGANIZATION_NAME}"
    article.image_rights_holder = settings.ORGANIZATION_NAME
    article.image_licence = ImageLicence.ORGANIZATION
    article.image_permission_contact = settings.CONTACT_EMAIL
    article.image_link_back_required = True
    article.last_reviewed = today - datetime.timedelta(days=120)
    article.save()
    article.topics.add(topics["fibromyalgia"])
    for order, source in enumerate(MAIN_SOURCES[:3]):
        Source.objects.create(article=article, order=order, **source)
    article.sources.filter(title=MAIN_SOURCES[3]["title"]).update(order=3)
    v2 = article.save_version(
        change_note="Added the fibromyalgia trials, side effects and checks before starting, "
        "after medical review."
    )
    article.publish(v2)

    article.body = (MAIN_V1["body"] + MAIN_V2_BODY_EXTRA + MAIN_V3_BODY_EXTRA).strip()
    article.cautions = MAIN_V1["cautions"].strip() + (
        "\nAvoid slow-release naltrexone, and get LDN from a reliable compounding pharmacy."
    )
    article.last_reviewed = today - datetime.timedelta(days=30)
    article.next_review_due = today + datetime.timedelta(days=335)
    article.save()
    v3 = article.save_version(
        change_note="Added why doctors disagree about LDN, and a caution about slow-release "
        "tablets.",
        note_is_public=True,
    )
    article.publish(v3)

    # Spread the history over the past months so the dates read like a real one.
    for version, days_ago in ((v1, 160), (v2, 125), (v3, 30)):
        ArticleVersion.objects.filter(pk=version.pk).update(
            created_at=now - datetime.timedelta(days=days_ago)
        )
    Article.objects.filter(pk=article.pk).update(
        first_published_at=now - datetime.timedelta(days=125),
        last_published_at=now - datetime.timedelta(days=30),
    )


def _hero_image():
    """An abstract picture drawn here, so no one else's rights are involved."""
    width, height = 1200, 600
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = y / height
        draw.line([(0, y), (width, y)], fill=(88 + int(60 * shade), 48, 140 - int(40 * shade)))
    for x, y, radius, colour in (
        (260, 300, 170, (186, 150, 230)),
        (640, 240, 120, (235, 200, 250)),
        (950, 360, 200, (150, 110, 205)),
    ):
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="ldn-hero.png")


def _create_short_article(spec, topics, authors, disclaimer):
    today = timezone.localdate()
    article = Article.objects.create(
        slug=spec["slug"],
        title=spec["title"],
        subtitle=spec["subtitle"],
        summary=spec["summary"],
        body=spec["body"].strip(),
        cautions=spec["cautions"],
        disclaimer=disclaimer,
        featured=spec["featured"],
        last_reviewed=today - datetime.timedelta(days=60),
        next_review_due=today + datetime.timedelta(days=305),
    )
    article.topics.set([topics[slug] for slug in spec["topics"]])
    for order, slug in enumerate(spec["authors"]):
        ArticleAuthor.objects.create(article=article, author=authors[slug], order=order)
    for order, source in enumerate(spec["sources"]):
        Source.objects.create(article=article, order=order, **source)
    article.publish(article.save_version(change_note="First published."))
