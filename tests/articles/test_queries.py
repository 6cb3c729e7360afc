"""Every reader page runs the same number of SQL queries whatever the amount of content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_author, make_live_article, make_topic

pytestmark = pytest.mark.django_db

# Expected queries per page, the same at both data sizes.
PAGES = {
    "/": 3,  # featured, latest, topics
    "/articles/": 2,  # count, page
    "/articles/?q=lupus": 2,  # count, page
    "/topics/lupus/": 3,  # topic, count, page
    "/authors/writer-0/": 3,  # author, count, page
    "/articles/lupus-article-0/": 4,  # article (with its change notes), related, topics, glossary
}


def build_site(size):
    """`size` articles, each with `size` sources, topics, authors and versions."""
    topics = [make_topic("Lupus")] + [make_topic() for _ in range(size - 1)]
    authors = [make_author("Writer 0")] + [make_author() for _ in range(size - 1)]
    for number in range(size):
        article = make_live_article(
            f"Lupus article {number}",
            topics=topics,
            authors=authors,
            sources=size,
            featured=number % 2 == 0,
        )
        for revision in range(size - 1):
            article.summary = f"Lupus summary, revision {revision}."
            article.save()
            article.publish(
                article.save_version(change_note=f"Revision {revision}", note_is_public=True)
            )


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("url", PAGES)
def test_reader_page_query_count_does_not_grow_with_content(
    client, django_assert_num_queries, size, url
):
    build_site(size)

    with django_assert_num_queries(PAGES[url]):
        response = client.get(url)

    assert response.status_code == 200


def test_article_page_joins_the_live_version_once_and_reads_no_working_copy(client):
    """The article and its related articles are read with one join of their live version, and
    without the article's working copy (its body), which readers never see."""
    build_site(3)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/articles/lupus-article-0/")
    assert response.status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "articles_article"' in q["sql"]]
    assert len(reads) == 2  # the article, its related articles
    for sql in reads:
        assert sql.count('JOIN "articles_articleversion"') == 1, sql
        assert '"articles_article"."body"' not in sql
