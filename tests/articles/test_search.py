"""Reader search, on whichever database the suite runs (PostgreSQL full text or the fallback)."""

import pytest

from articles import search
from articles.models import Article
from articles.search import search_terms
from articles.views import ArticleListView
from tests.factories import make_article, make_live_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def naltrexone_article():
    ldn = make_topic("Low-dose naltrexone", slug="ldn", search_synonyms="LDN, naltrexone, low dose")
    fibro = make_topic("Fibromyalgia")
    make_live_article(
        "Vitamin D and tiredness",
        summary="What the trials say about vitamin D.",
        body="<p>Sunlight and supplements.</p>",
    )
    return make_live_article(
        "A small pill at a small dose",
        summary="What readers ask us about an off-label treatment.",
        body="<p>Some people take naltrexone in a much smaller amount than usual.</p>",
        topics=[ldn, fibro],
        evidence_note="Small trials only.",
    )


@pytest.mark.parametrize("query", ["naltrexone", "LDN", "low dose", "fibro", "Naltrex", "ldn"])
def test_reader_words_find_the_naltrexone_article(client, naltrexone_article, query):
    response = client.get("/articles/", {"q": query})
    html = response.content.decode()

    assert response.status_code == 200
    assert "A small pill at a small dose" in html
    assert "Vitamin D and tiredness" not in html


def test_search_returns_only_live_articles(naltrexone_article):
    make_article("Naltrexone draft", body="<p>naltrexone</p>")
    hidden = make_live_article("Naltrexone unpublished", body="<p>naltrexone</p>")
    hidden.unpublish()

    titles = [a.live_version.title for a in Article.objects.live().search("naltrexone")]

    assert titles == ["A small pill at a small dose"]


def test_search_ranks_title_matches_above_body_matches():
    make_live_article("Sleep and fatigue", body="<p>Rest.</p>")
    make_live_article("Pacing your day", body="<p>Good sleep helps, and so does pacing.</p>")

    titles = [a.live_version.title for a in Article.objects.live().search("sleep")]

    assert titles == ["Sleep and fatigue", "Pacing your day"]


def test_search_ranks_topic_and_summary_matches_above_newer_body_matches():
    make_live_article("Rest and recovery", topics=[make_topic("Sleep")])
    make_live_article("Quiet evenings", summary="How sleep changes with lupus.")
    make_live_article("Pacing your day", body="<p>Good sleep helps, and so does pacing.</p>")

    titles = [a.live_version.title for a in Article.objects.live().search("sleep")]

    assert titles == ["Rest and recovery", "Quiet evenings", "Pacing your day"]


def test_words_an_editor_adds_to_a_topic_later_find_its_articles():
    topic = make_topic("Low-dose naltrexone")
    make_live_article("A small pill at a small dose", topics=[topic])
    topic.search_synonyms = "LDN"
    topic.save()

    titles = [a.live_version.title for a in Article.objects.live().search("ldn")]

    assert titles == ["A small pill at a small dose"]


def test_results_beyond_the_cap_are_left_out_and_the_page_says_there_are_more(client, monkeypatch):
    monkeypatch.setattr(search, "MAX_RESULTS", 2)
    make_live_article("Sleep diary")
    for title in ["Evening routine", "Morning routine", "Night shifts"]:
        make_live_article(title, body="<p>Sleep comes easier with a routine.</p>")

    results = Article.objects.live().search("sleep")
    html = client.get("/articles/", {"q": "sleep"}).content.decode()

    # The best match however old, then the newest of the rest, up to the cap.
    assert [a.live_version.title for a in results] == ["Sleep diary", "Night shifts"]
    assert results.capped
    assert "More than 2 articles found, best matches first." in html


def test_search_results_are_paged_with_a_page_count(client, monkeypatch):
    monkeypatch.setattr(ArticleListView, "paginate_by", 2)
    for number in range(5):
        make_live_article(f"Sleep tip {number}")

    html = client.get("/articles/", {"q": "sleep", "page": 3}).content.decode()

    assert "5 articles found." in html
    assert "Page 3 of 3" in html
    assert "Sleep tip 0" in html
    assert "Sleep tip 1" not in html


def test_search_matches_the_live_version_not_the_working_copy(client):
    article = make_live_article("Hydroxychloroquine basics")
    article.title = "Renamed to something about zebras"
    article.save()
    article.save_version(change_note="Retitled")

    assert "Hydroxychloroquine basics" in client.get("/articles/?q=hydroxy").content.decode()
    assert "No articles match" in client.get("/articles/?q=zebras").content.decode()


def test_empty_result_says_so_and_suggests_topics(client, naltrexone_article):
    html = client.get("/articles/", {"q": "xylophone"}).content.decode()

    assert "No articles match “xylophone”" in html
    assert 'href="/topics/ldn/"' in html
    assert 'href="/topics/fibromyalgia/"' in html


def test_empty_result_suggests_only_topics_with_live_articles(client, naltrexone_article):
    make_article("Planning a pregnancy", topics=[make_topic("Pregnancy")])

    html = client.get("/articles/", {"q": "xylophone"}).content.decode()

    assert 'href="/topics/pregnancy/"' not in html


@pytest.mark.parametrize(
    "query",
    [
        "fibro & !",
        "'; drop table articles_article; --",
        "a:* | b",
        "<script>",
        "()",
        "the",
        "x" * 5000,
    ],
)
def test_hostile_or_odd_queries_never_fail(client, naltrexone_article, query):
    response = client.get("/articles/", {"q": query})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_query_is_reduced_to_plain_words():
    assert search_terms("LDN & low:* | (dose)!") == ["ldn", "low", "dose"]
    assert search_terms("") == []
    assert len(search_terms("word " * 50)) == 8


def test_search_results_page_is_not_indexed_by_search_engines(client):
    html = client.get("/articles/", {"q": "lupus"}).content.decode()

    assert '<meta name="robots" content="noindex">' in html
