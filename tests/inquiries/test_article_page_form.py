import re

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


def test_the_form_selects_the_articles_main_topic_and_the_question_counts_under_it(
    client, ask, admin_client
):
    fibro, ldn = make_topic("Fibromyalgia"), make_topic("Low-dose naltrexone")
    article = make_live_article(
        "Low-dose naltrexone and lupus", topics=[fibro, ldn], main_topic=ldn
    )

    html = client.get(article.get_absolute_url()).content.decode()
    selected = re.findall(r'<option value="(\d+)" selected>', html)
    assert selected == [str(ldn.pk)]

    ask(question="Can LDN help my pain?", article=article.slug, topic=selected[0])

    dashboard = admin_client.get("/admin/inquiries/demandreport/", {"days": 30})
    counts = {row["name"]: row["count"] for row in dashboard.context["topics"]}
    assert counts == {"Low-dose naltrexone": 1}


def test_without_a_main_topic_the_first_topic_is_selected(client):
    first, second = make_topic("Alpha topic"), make_topic("Beta topic")
    article = make_live_article("Two topics", topics=[second, first])

    html = client.get(article.get_absolute_url()).content.decode()

    assert re.findall(r'<option value="(\d+)" selected>', html) == [str(first.pk)]


def test_the_main_topic_is_part_of_the_version_and_compared_as_a_value():
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    article = make_live_article("LDN", topics=[lupus, ldn], main_topic=lupus)
    article.main_topic = ldn
    article.save()
    newer = article.save_version(change_note="Main topic is LDN")

    assert newer.content["main_topic"]["name"] == "Low-dose naltrexone"
    assert article.live_version.content["main_topic"]["name"] == "Lupus"
