"""Trust fields on the article page: funding, advertising, reading time, evidence note."""

import pytest

from articles.models import OrganizationPolicy, SearchGap, normalize_query, reading_minutes
from tests.factories import make_article, make_live_article, make_topic

pytestmark = pytest.mark.django_db


def policy(**fields):
    current = OrganizationPolicy.current()
    for name, value in fields.items():
        setattr(current, name, value)
    current.save()
    return current


def test_article_page_shows_the_organization_statements_by_default(client):
    policy(funding_statement="Funded by members' gifts; no drug-company money.")
    article = make_live_article()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Funded by members&#x27; gifts; no drug-company money." in html
    assert "We carry no advertising" in html


def test_an_article_may_override_both_statements(client):
    policy(funding_statement="Standard funding text.")
    article = make_live_article(
        funding_statement="This article was paid for by a grant from the Example Trust.",
        advertising_statement="This page carries no advertising either.",
    )

    html = client.get(article.get_absolute_url()).content.decode()

    assert "paid for by a grant from the Example Trust" in html
    assert "This page carries no advertising either." in html
    assert "Standard funding text." not in html


def test_statements_are_frozen_into_the_version(client):
    policy(funding_statement="Funding text at publication.")
    article = make_live_article()
    policy(funding_statement="A later funding text.")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "Funding text at publication." in html and "A later funding text." not in html
    assert article.live_version.content["statements"]["funding"] == "Funding text at publication."


def test_old_snapshots_without_statements_still_render(client):
    article = make_live_article(funding_statement="Old-style funding line.")
    version = article.live_version
    for key in ("statements", "reading_minutes", "advertising_statement"):
        version.content.pop(key)
    version.save()

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Old-style funding line." in response.content.decode()


def test_policy_is_a_single_row():
    OrganizationPolicy(funding_statement="one").save()
    OrganizationPolicy(funding_statement="two").save()

    assert OrganizationPolicy.objects.count() == 1
    assert OrganizationPolicy.current().funding_statement == "two"


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (150, 1), (200, 1), (201, 2), (1000, 5)])
def test_reading_time_is_words_over_200_rounded_up_at_least_one(words, minutes):
    assert reading_minutes("<p>" + "word " * words + "</p>") == minutes


def test_reading_time_is_stored_with_the_version_and_shown_on_page_and_list(client):
    article = make_live_article(body="<p>" + "lupus " * 650 + "</p>")

    assert article.live_version.content["reading_minutes"] == 4
    assert "4 minutes" in client.get(article.get_absolute_url()).content.decode()
    assert "4 min read" in client.get("/articles/").content.decode()


def test_evidence_note_is_shown_near_the_cautions(client):
    topic = make_topic("Low-dose naltrexone", is_off_label=True)
    article = make_live_article(
        topics=[topic], cautions="Talk to your doctor.", evidence_note="Two small trials only."
    )

    html = client.get(article.get_absolute_url()).content.decode()

    assert html.index("Talk to your doctor.") < html.index("Two small trials only.")
    assert html.index("Two small trials only.") < html.index('class="prose"')


def test_off_label_topic_blocks_publishing_without_an_evidence_note():
    topic = make_topic("LDN", is_off_label=True)
    article = make_article(topics=[topic])

    assert any("evidence note" in p for p in article.latest_version.publish_problems())


def test_editor_note_is_never_in_a_version_or_on_the_page(client):
    article = make_live_article(editor_note="Prompted by three reader questions (secret).")

    assert "editor_note" not in article.live_version.content
    assert "secret" not in client.get(article.get_absolute_url()).content.decode()
    article.editor_note = "Changed note"
    article.save()
    assert article.save_version(change_note="note only") is None


# Zero-result searches ---------------------------------------------------------------------
def test_normalized_query_is_lowercase_collapsed_trimmed_and_capped():
    assert normalize_query("  Hair   LOSS\tand\nLDN ") == "hair loss and ldn"
    assert len(normalize_query("x" * 500)) == 40
    assert len(normalize_query("lupus " * 100)) <= 100
    assert normalize_query("Call +1 (800) 555-0100 at https://evil.example/login") == (
        "call 1 800 555 0100 at https evil"
    )


def test_a_search_that_finds_nothing_is_counted_per_normalized_query_and_day(client):
    make_live_article("Sleep and fatigue")

    client.get("/articles/", {"q": "Hair  loss"}, REMOTE_ADDR="192.0.2.1")
    client.get("/articles/", {"q": "hair LOSS "}, REMOTE_ADDR="192.0.2.2")
    client.get("/articles/", {"q": "fatigue"})

    rows = list(SearchGap.objects.values_list("query", "count"))
    assert rows == [("hair loss", 2)]
    assert [f.name for f in SearchGap._meta.fields] == ["id", "query", "day", "count"]


def test_blank_searches_are_not_counted(client):
    client.get("/articles/", {"q": "   "})

    assert not SearchGap.objects.exists()


def test_articles_app_never_imports_inquiries():
    from pathlib import Path

    import articles

    for source in Path(articles.__file__).parent.rglob("*.py"):
        text = source.read_text()
        assert "from inquiries" not in text and "import inquiries" not in text, source
