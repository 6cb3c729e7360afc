"""Hostile and malformed input: always a 4xx, a redirect or a re-shown form, never a 500."""

import pytest

from tests.factories import make_author, make_live_article, make_topic


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/feeds/articles/", "/feeds/articles/atom/"])
def test_feeds_survive_control_characters_pasted_into_an_article(client, url):
    make_live_article(
        "Page\x0cbreak from a PDF\x01",
        summary="A summary with a form feed\x0c and a bell\x07.",
        topics=[make_topic("Fatigue\x0b")],
        authors=[make_author("Ann\x1f Author")],
    )

    response = client.get(url)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Pagebreak from a PDF" in text
    assert "\x0c" not in text and "\x01" not in text
