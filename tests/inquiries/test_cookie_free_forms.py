"""The question form on cached article pages: nothing per reader in the page, and still
protected against bots, floods, doubles and other sites (issue 16)."""

import re
import time
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.cache import HEADER
from inquiries.models import Inquiry
from tests.factories import make_live_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True


def form_fields(html):
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return {name: fields[name] for name in ("form_token", "article") if name in fields}


def test_two_readers_sending_the_same_question_from_one_cached_page_are_both_stored():
    article = make_live_article("Fatigue and pacing")
    first, second = Client(), Client()
    first_page = first.get(article.get_absolute_url())
    second_page = second.get(article.get_absolute_url())
    assert second_page[HEADER] == "hit"
    assert second_page.content == first_page.content
    fields = form_fields(first_page.content.decode())
    question = {"question": "Is pacing better than resting?", **fields}

    # The page's script gives each page view its own nonce; a double click repeats it.
    assert first.post("/ask/", {**question, "nonce": "a" * 32}).status_code == 302
    assert first.post("/ask/", {**question, "nonce": "a" * 32}).status_code == 302
    assert second.post("/ask/", {**question, "nonce": "b" * 32}).status_code == 302

    assert Inquiry.objects.filter(question=question["question"]).count() == 2


def test_without_script_a_double_click_still_stores_one_question(client):
    article = make_live_article("Sun protection")
    fields = form_fields(client.get(article.get_absolute_url()).content.decode())
    question = {"question": "Which sunscreen?", **fields}
    client.post("/ask/", question)
    client.post("/ask/", question)
    assert Inquiry.objects.filter(question="Which sunscreen?").count() == 1


def test_a_form_sent_half_a_second_after_the_page_was_served_is_refused_keeping_the_text(
    client, settings
):
    settings.INQUIRY_MIN_FILL_SECONDS = 3
    article = make_live_article("Sleep and lupus")
    client.get(article.get_absolute_url())
    served = client.get(article.get_absolute_url())
    assert served[HEADER] == "hit"
    fields = form_fields(served.content.decode())
    time.sleep(0.5)

    refused = client.post("/ask/", {"question": "Typed far too fast", **fields})

    assert refused.status_code == 400
    assert "That was very quick" in refused.content.decode()
    assert "Typed far too fast" in refused.content.decode()
    assert not Inquiry.objects.exists()
    # Later than the token's bucket and the minimum: accepted.
    later = time.time() + settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS + 3
    with mock.patch("inquiries.forms.time.time", return_value=later):
        assert client.post("/ask/", {"question": "Typed far too fast", **fields}).status_code == 302
    assert Inquiry.objects.count() == 1


def test_a_cached_page_with_the_form_is_kept_no_longer_than_its_token_bucket(client, settings):
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 15
    article = make_live_article("Bucketed")
    response = client.get(article.get_absolute_url())
    max_ages = dict(re.findall(r"([\w-]+)=(\d+)", response["Cache-Control"]))
    assert int(max_ages["s-maxage"]) <= 15
    assert int(max_ages["max-age"]) <= 15
    assert "stale-while-revalidate" not in max_ages


def test_a_cached_page_is_never_served_after_its_token_bucket_ends(client, settings):
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 2
    url = make_live_article("Bucketed").get_absolute_url()
    time.sleep(2 - time.time() % 2 + 1.5)  # half a second before a bucket ends
    first = client.get(url)
    assert first[HEADER] == "miss"
    time.sleep(2 - time.time() % 2 + 0.1)  # the next bucket: the cache may still hold it
    second = client.get(url)
    assert second[HEADER] == "miss"
    first_token = form_fields(first.content.decode())["form_token"]
    assert form_fields(second.content.decode())["form_token"] != first_token


def test_forms_from_other_sites_are_refused(client):
    article = make_live_article("Forgery")
    fields = form_fields(client.get(article.get_absolute_url()).content.decode())
    data = {"question": "Sent from elsewhere", **fields}
    assert client.post("/ask/", data, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert client.post("/ask/", data, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert not Inquiry.objects.exists()
    same_site = client.post("/ask/", data, HTTP_ORIGIN="http://testserver")
    assert same_site.status_code == 302


def test_the_ask_page_and_its_answers_set_no_cookie_and_are_never_stored(client):
    page = client.get("/ask/")
    assert not page.cookies
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    fields = form_fields(page.content.decode())
    answer = client.post("/ask/", {"question": "Hello?", **fields})
    assert not answer.cookies
    thanks = client.get(answer["Location"])
    assert "no-store" in thanks["Cache-Control"]


def test_the_form_drawn_again_in_a_new_bucket_keeps_its_fields_and_gets_the_new_token(
    client, settings
):
    """Within a page cache generation the form's fields are kept (no query for its topics);
    its token is drawn anew for each bucket, and a question sent from it is stored."""
    settings.INQUIRY_FORM_TOKEN_BUCKET_SECONDS = 2
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    article = make_live_article("Bucketed")
    url = article.get_absolute_url() + "?from=handout"  # never page-cached: drawn each time

    def draw():
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        start = html.index('<form class="ask-form')
        form = html[start : html.index("</form>", start)]
        return form, sum('FROM "articles_topic"' in q["sql"] for q in queries)

    first, first_reads = draw()
    time.sleep(2 - time.time() % 2 + 0.1)  # the next bucket
    again, again_reads = draw()
    assert (first_reads, again_reads) == (1, 0)
    token = re.compile(r'name="form_token" value="[^"]*"')
    assert token.search(first).group() != token.search(again).group()
    assert token.sub("", first) == token.sub("", again)
    fields = form_fields(again)
    assert (
        client.post("/ask/", {"question": "Sent from a redrawn page", **fields}).status_code == 302
    )
    assert Inquiry.objects.filter(question="Sent from a redrawn page").exists()
