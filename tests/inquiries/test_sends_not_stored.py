"""A reader's text survives a database that does not answer (issue 18 item 3).

The database is made to fail the way a stopped server or a fired timeout does: every query
raises OperationalError (through Django's own execute_wrapper hook, so the real views and
forms run). tests/reliability drills the same with a real PostgreSQL stopped and locked.
"""

import contextlib
import html
import re

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from inquiries.models import ArticleFeedback, Inquiry
from tests.factories import make_live_article, make_topic
from tests.inquiries.conftest import form_token

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("canceling statement due to statement timeout")

    with connection.execute_wrapper(refuse):
        yield


def field_value(page, name):
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else None


def test_question_not_stored_is_shown_again_with_everything_typed(client):
    topic = make_topic("Fatigue")
    token = form_token(client)
    sent = {
        "question": "Is tiredness after LDN <normal>?",
        "topic": topic.pk,
        "name": "Sam",
        "reply_wanted": "on",
        "email": "sam@example.org",
        "consent": "on",
        "form_token": token,
        "website": "",
    }

    with database_down():
        response = client.post("/ask/", sent)

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Your question has not been sent yet" in page
    assert "Is tiredness after LDN &lt;normal&gt;?</textarea>" in page
    assert 'value="Sam"' in page and 'value="sam@example.org"' in page
    assert re.search(r'name="reply_wanted"[^>]*checked', page)
    assert re.search(r'name="consent"[^>]*checked', page)
    assert field_value(page, "topic") == str(topic.pk)
    assert field_value(page, "form_token") == token
    assert not Inquiry.objects.exists()

    # The database is back: sending the form as shown stores the question once.
    shown = {name: field_value(page, name) for name in ("topic", "form_token")}
    again = {**sent, **shown}
    assert client.post("/ask/", again).status_code == 302
    assert client.post("/ask/", again).status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.question == "Is tiredness after LDN <normal>?"
    assert list(inquiry.topics.all()) == [topic]


def test_sends_that_were_not_stored_do_not_count_against_the_rate_limit(ask, client, settings):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    tokens = [form_token(client) for _ in range(5)]
    with database_down():
        statuses = [ask(token=token, question="During the outage").status_code for token in tokens]
    assert statuses == [503] * 5

    assert ask(question="After the outage").status_code == 302
    assert ask(question="Another").status_code == 302
    assert ask(question="One too many").status_code == 429
    assert Inquiry.objects.count() == 2


def test_refused_forms_do_not_count_against_the_rate_limit(ask, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert ask(question="").status_code == 400
    assert ask(question="").status_code == 400
    assert ask().status_code == 302
    assert ask(question="again").status_code == 429


def report(client, article, version, **headers):
    """An error report as sent from `article`'s page, which showed version `version`."""
    data = {
        "article": article.slug,
        "version": version,
        "kind": "error",
        "report": "The dose in step 2 is wrong",
    }
    return client.post(reverse("inquiries:feedback"), data, headers=headers)


def test_error_report_not_stored_is_shown_again_ready_to_send(client):
    article = make_live_article(slug="pacing")
    version = article.live_version.number  # read while the database answers

    with database_down():
        response = report(client, article, version)

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "We could not store your feedback just now" in page
    assert "The dose in step 2 is wrong</textarea>" in page
    assert field_value(page, "article") == "pacing"
    assert field_value(page, "kind") == "error"
    assert 'href="/articles/pacing/#feedback"' in page
    assert not Inquiry.objects.exists()


def test_error_report_not_stored_answers_json_with_the_text(client):
    article = make_live_article()
    version = article.live_version.number  # read while the database answers

    with database_down():
        response = report(client, article, version, accept="application/json")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["ok"] is False
    assert response.json()["report"] == "The dose in step 2 is wrong"


def test_feedback_not_stored_does_not_count_against_the_rate_limit(client, settings):
    settings.INQUIRY_FEEDBACK_RATE_LIMIT = "1/h"
    article = make_live_article()
    version = article.live_version.number  # read while the database answers
    with database_down():
        assert [report(client, article, version).status_code for _ in range(3)] == [503] * 3

    assert report(client, article, version).status_code == 302
    assert report(client, article, version).status_code == 429
    assert Inquiry.objects.count() == 1
    assert not ArticleFeedback.objects.exists()
