import pytest

from tests.factories import make_live_article, make_topic

pytestmark = pytest.mark.django_db


def test_article_page_carries_the_question_form_with_article_and_topic_prefilled(client):
    topic = make_topic("Fibromyalgia")
    article = make_live_article("Pacing with fibromyalgia", topics=[topic])

    html = client.get(article.get_absolute_url()).content.decode()

    assert 'action="/ask/"' in html
    assert f'name="article" value="{article.slug}"' in html
    assert f'<option value="{topic.pk}" selected>' in html
    # Nothing per reader: no CSRF token, and the nonce is left for the page's script to fill.
    assert 'name="csrfmiddlewaretoken"' not in html
    assert '<input type="hidden" name="nonce" data-nonce="" id="ask_nonce">' in html
