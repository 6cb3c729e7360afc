"""Every reader page runs the same number of SQL queries whatever the amount of content."""

import pytest

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
