"""The demo content: complete, live, with history, and loaded only once."""

import io

import pytest
from django.core import serializers

from articles import demo
from articles.models import Article, ArticleVersion, Author, Disclaimer, Source, Topic

pytestmark = pytest.mark.django_db


def _load():
    demo.load(stdout=io.StringIO())


def _state():
    return [
        serializers.serialize("json", model.objects.order_by("pk"))
        for model in (Article, ArticleVersion, Author, Disclaimer, Source, Topic)
    ]


def test_second_run_changes_nothing():
    _load()
    before = _state()

    _load()

    assert _state() == before


def test_naltrexone_article_is_live_with_three_versions_of_history():
    _load()

    article = Article.objects.live().get(slug=demo.MAIN_SLUG)
    versions = list(article.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert article.live_version == versions[-1]
    assert all(v.change_note for v in versions)
    assert [v.note_is_public for v in versions] == [False, False, True]
    assert versions[0].created_at < versions[1].created_at < versions[2].created_at
    assert article.featured


def test_naltrexone_article_carries_everything_the_checklist_asks_for():
    _load()

    content = Article.objects.get(slug=demo.MAIN_SLUG).live_version.content

    assert (
        ArticleVersion.objects.get(article__slug=demo.MAIN_SLUG, number=3).publish_problems() == []
    )
    assert content["authors"][0]["credentials"]
    assert content["medical_reviewer"]["credentials"] == "rheumatologist"
    assert content["disclaimer"]["text"]
    assert content["evidence_note"]
    assert any("opioid" in caution for caution in content["cautions"])
    assert content["image"]["alt"] and content["image"]["credit"]
    urls = [source["url"] for source in content["sources"]]
    assert "https://pubmed.ncbi.nlm.nih.gov/19453963/" in urls
    assert "https://pubmed.ncbi.nlm.nih.gov/23359310/" in urls
    assert "https://pubmed.ncbi.nlm.nih.gov/29566414/" in urls
    for words in ("vivid dreams", "31 women", "slow-release", "compounding pharmacy"):
        assert words in content["body"]
    assert {t["slug"] for t in content["topics"]} >= {
        "low-dose-naltrexone",
        "fibromyalgia",
        "pain-management",
        "lupus",
    }


def test_topics_carry_search_synonyms_and_the_off_label_flag():
    _load()

    ldn = Topic.objects.get(slug="low-dose-naltrexone")
    assert ldn.is_off_label
    assert ldn.search_synonyms == "LDN, naltrexone, low dose"
    assert Topic.objects.get(slug="fibromyalgia").search_synonyms == "fibro, FMS"


def test_shorter_articles_on_other_topics_are_live():
    _load()

    live = Article.objects.live()
    assert live.count() == 5
    assert live.filter(featured=True).count() == 3
    for article in live.exclude(slug=demo.MAIN_SLUG):
        assert article.live_version.publish_problems() == []


def test_the_live_page_shows_the_demo_article(client):
    _load()

    response = client.get("/articles/low-dose-naltrexone-lupus/")

    assert response.status_code == 200
    assert "Why doctors disagree" in response.content.decode()
