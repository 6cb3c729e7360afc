import re
import time

import pytest
from django.core import mail, signing

from inquiries.models import Channel, Inquiry, Status
from tests.factories import make_live_article, make_topic
from tests.inquiries.conftest import form_token

pytestmark = pytest.mark.django_db


def test_form_page_needs_no_login_and_says_what_to_do_in_an_emergency(client):
    response = client.get("/ask/")
    assert response.status_code == 200
    assert "In an emergency, call your local emergency number now" in response.content.decode()
    assert 'name="csrfmiddlewaretoken"' not in response.content.decode()
    assert not response.cookies


def test_form_page_has_no_inline_script_or_style(client):
    html = client.get("/ask/").content.decode()
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*(application/ld\+json|src=))", html) is None


def test_question_is_recorded_and_redirects_to_thanks_page(ask, client):
    response = ask(question="Does LDN help with fatigue?")
    assert response.status_code == 302
    assert response["Location"] == "/ask/thanks/"
    inquiry = Inquiry.objects.get()
    assert inquiry.question == "Does LDN help with fatigue?"
    assert inquiry.channel == Channel.WEB
    assert inquiry.status == Status.NEW
    thanks = client.get("/ask/thanks/").content.decode()
    assert "we have your question" in thanks
    assert "In an emergency" in thanks


def test_raw_ip_address_is_never_stored_only_a_salted_hash(ask):
    ask()
    inquiry = Inquiry.objects.get()
    assert len(inquiry.client_hash) == 64
    values = [str(getattr(inquiry, f.attname)) for f in Inquiry._meta.concrete_fields]
    assert not any("127.0.0.1" in value for value in values)


def test_post_from_another_site_is_refused():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    token = form_token(strict)
    response = strict.post(
        "/ask/", {"question": "Hello?", "form_token": token}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert not Inquiry.objects.exists()


def test_article_parameter_prefills_article_and_first_topic(client):
    lupus, ldn = make_topic("Lupus"), make_topic("Low-dose naltrexone")
    make_live_article("LDN and lupus", slug="ldn-lupus", topics=[lupus, ldn])
    html = client.get("/ask/?article=ldn-lupus").content.decode()
    assert 'name="article" value="ldn-lupus"' in html
    assert re.search(rf'<option value="{ldn.pk}" selected>', html)
    assert "LDN and lupus" in html


def test_question_from_article_page_records_article_and_live_version(ask, client):
    topic = make_topic("Low-dose naltrexone")
    article = make_live_article("LDN and lupus", slug="ldn-lupus", topics=[topic])
    token = form_token(client, "/ask/?article=ldn-lupus")
    ask(token=token, article="ldn-lupus", topic=topic.pk)
    inquiry = Inquiry.objects.get()
    assert inquiry.source_article == article
    assert inquiry.source_version == article.live_version
    assert list(inquiry.topics.all()) == [topic]


def test_unknown_or_unpublished_article_is_ignored_not_an_error(ask, client):
    assert client.get("/ask/?article=nope").status_code == 200
    assert ask(article="nope").status_code == 302
    assert Inquiry.objects.get().source_article is None


def test_empty_question_gets_a_clear_error(ask):
    response = ask(question="  ")
    assert response.status_code == 400
    assert "Please write your question." in response.content.decode()
    assert not Inquiry.objects.exists()


def test_question_over_5000_characters_is_refused(ask):
    response = ask(question="a" * 5001)
    assert response.status_code == 400
    assert not Inquiry.objects.exists()


def test_reply_wanted_needs_an_email_and_keeps_the_typed_text(ask):
    response = ask(question="My very own words about LDN", reply_wanted="on", consent="on")
    html = response.content.decode()
    assert response.status_code == 400
    assert "To get a reply, please give your e-mail address." in html
    assert "My very own words about LDN" in html
    assert 'aria-invalid="true"' in html
    assert not Inquiry.objects.exists()


def test_reply_wanted_needs_consent(ask):
    response = ask(reply_wanted="on", email="sam@example.org")
    assert response.status_code == 400
    assert "please agree" in response.content.decode()
    assert 'value="sam@example.org"' in response.content.decode()


def test_reply_with_consent_records_consent_time_and_text_version(ask, settings):
    settings.INQUIRY_CONSENT_TEXT_VERSION = "2031-07"
    ask(reply_wanted="on", email="sam@example.org", consent="on", name="Sam")
    inquiry = Inquiry.objects.get()
    assert inquiry.reply_wanted and inquiry.consent_given
    assert inquiry.email == "sam@example.org" and inquiry.name == "Sam"
    assert inquiry.consent_at is not None
    assert inquiry.consent_text_version == "2031-07"


def test_email_is_not_kept_when_no_reply_is_wanted(ask):
    ask(email="sam@example.org")
    inquiry = Inquiry.objects.get()
    assert inquiry.email == "" and not inquiry.consent_given


def test_invalid_email_gets_a_clear_error(ask):
    response = ask(reply_wanted="on", email="not-an-address", consent="on")
    assert response.status_code == 400
    assert "name@example.org" in response.content.decode()


def test_filled_honeypot_looks_like_success_but_records_nothing(ask):
    response = ask(website="http://spam.example")
    assert response.status_code == 302
    assert not Inquiry.objects.exists()


def test_honeypot_is_hidden_from_people_and_screen_readers(client):
    html = client.get("/ask/").content.decode()
    assert re.search(r'<div class="ask-hp" aria-hidden="true" hidden>', html)
    assert re.search(r'name="website"[^>]*tabindex="-1"', html)


def test_submission_faster_than_minimum_fill_time_is_refused_keeping_text(ask, client, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 60
    response = ask(question="Typed by a bot in no time")
    html = response.content.decode()
    assert response.status_code == 400
    assert "That was very quick" in html
    assert "Typed by a bot in no time" in html
    assert not Inquiry.objects.exists()


def test_expired_form_asks_to_resubmit_keeping_text_and_resubmit_works(ask, client, settings):
    settings.INQUIRY_MAX_FORM_AGE_SECONDS = 60
    # A token for a form shown two minutes ago.
    stale = signing.Signer(salt="inquiries.ask-form").sign_object({"s": int(time.time()) - 120})
    response = ask(token=stale, question="Written yesterday")
    html = response.content.decode()
    assert response.status_code == 400
    assert "send it again" in html
    assert "Written yesterday" in html
    fresh = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    assert ask(token=fresh, question="Written yesterday").status_code == 302
    assert Inquiry.objects.get().question == "Written yesterday"


def test_tampered_token_is_refused(ask):
    response = ask(token="forged:token:value")
    assert response.status_code == 400
    assert not Inquiry.objects.exists()


def test_double_submit_creates_one_inquiry(ask, client):
    token = form_token(client)
    first = ask(token=token)
    second = ask(token=token)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Inquiry.objects.count() == 1


def test_two_readers_sharing_a_cached_form_both_get_through(ask, client):
    token = form_token(client)
    ask(token=token, question="First reader's question")
    ask(token=token, question="Second reader's question")
    assert Inquiry.objects.count() == 2


def test_sixth_question_in_an_hour_gets_a_friendly_429(ask):
    for _ in range(5):
        assert ask().status_code in (302, 400)
    response = ask(question="One more")
    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    assert not Inquiry.objects.filter(question="One more").exists()


def test_rate_limit_is_per_client(ask, client, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert ask().status_code == 302
    assert ask(question="again").status_code == 429
    token = form_token(client)
    other = client.post(
        "/ask/",
        {"question": "From elsewhere", "form_token": token},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302


def test_reading_the_form_is_not_rate_limited(client, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    for _ in range(3):
        assert client.get("/ask/").status_code == 200


def test_staff_notification_has_a_link_but_no_question_or_personal_data(ask, settings):
    settings.INQUIRY_NOTIFY_EMAIL = "team@example.org"
    ask(
        question="A very private question",
        reply_wanted="on",
        email="sam@example.org",
        consent="on",
        name="Sam Private",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["team@example.org"]
    inquiry = Inquiry.objects.get()
    assert f"/admin/inquiries/inquiry/{inquiry.pk}/change/" in message.body
    for secret in ("A very private question", "sam@example.org", "Sam Private"):
        assert secret not in message.body and secret not in message.subject


def test_no_notification_without_a_configured_address(ask):
    ask()
    assert mail.outbox == []


def test_question_text_never_reaches_the_logs(ask, caplog):
    with caplog.at_level("DEBUG"):
        ask(question="Secret words about my health", name="Sam Private")
    assert "Secret words" not in caplog.text
    assert "Sam Private" not in caplog.text


def test_ask_form_tag_renders_prefilled_compact_form(rf):
    from django.template import Context, Template

    topic = make_topic("Lupus")
    article = make_live_article("Living with lupus", slug="living", topics=[topic])
    html = Template("{% load inquiries %}{% ask_form article %}").render(
        Context({"article": article, "csrf_token": "x" * 64})
    )
    assert 'action="/ask/"' in html
    assert 'name="article" value="living"' in html
    assert f'<option value="{topic.pk}" selected>' in html
    assert "In an emergency" in html
    assert "style=" not in html
