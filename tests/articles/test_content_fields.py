"""The article's content is declared once (CONTENT_FIELDS): snapshot, restore and compare
all follow it."""

import datetime

import pytest

from articles import diff
from articles.models import CONTENT_FIELDS, DERIVED_KINDS
from tests.factories import make_article, make_author, make_hero_image, make_topic

pytestmark = pytest.mark.django_db


def test_snapshot_and_compare_cover_every_declared_field():
    article = make_article()
    content = article.snapshot()

    assert list(content) == [field.key for field in CONTENT_FIELDS]
    rows = diff.compare(content, content)
    assert [row["label"] for row in rows] == [field.label for field in CONTENT_FIELDS]
    assert not any(row["changed"] for row in rows)


def test_restore_brings_back_every_declared_field():
    reviewer, topic = make_author("Dr Reviewer"), make_topic("Restored topic")
    article = make_article(
        "Original",
        subtitle="Sub",
        cautions="One\nTwo",
        evidence_note="Evidence",
        funding_statement="Funded by members",
        advertising_statement="No ads",
        medical_reviewer=reviewer,
        topics=[topic],
        next_review_due=datetime.date(2027, 1, 1),
    )
    original = article.latest_version
    for name in ("title", "subtitle", "cautions", "evidence_note", "funding_statement"):
        setattr(article, name, "changed")
    article.advertising_statement = "changed"
    article.medical_reviewer = None
    article.slug = "changed-address"
    article.next_review_due = None
    article.save()
    article.topics.clear()
    article.save_version()

    restored = article.restore(original)

    kept = {f.key for f in CONTENT_FIELDS if f.kind not in DERIVED_KINDS}
    assert {k: restored.content[k] for k in kept} == {k: original.content[k] for k in kept}


def test_compare_shows_dates_and_images_as_values_not_character_diffs():
    article = make_article(last_reviewed=datetime.date(2025, 3, 1))
    old = article.snapshot()
    article.last_reviewed = datetime.date(2025, 3, 11)
    article.image = make_hero_image("new-hero.jpg")
    article.image_alt = "A river"
    article.image_credit = "Photo: staff"
    article.save()
    new = article.snapshot()

    rows = {row["label"]: str(row["diff"]) for row in diff.compare(old, new)}

    assert rows["Last reviewed"] == "<del>1 March 2025</del> <ins>11 March 2025</ins>"
    assert rows["Hero image"].startswith("<ins>articles/new-hero")
    assert "1600×900 px" in rows["Hero image"] and "alt: A river" in rows["Hero image"]
