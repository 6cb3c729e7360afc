"""A question that may describe an emergency is answered with emergency guidance at once."""

import re

import pytest

from inquiries.models import Inquiry
from inquiries.urgent import PHRASES

pytestmark = pytest.mark.django_db

# One reader's sentence for each phrase in inquiries/urgent.py.
MESSAGES = [
    "I started LDN last week and now I have chest pain and I cannot breathe properly",
    "there is a pain in my chest when I climb stairs",
    "could this be a heart attack?",
    "since the new dose I can't breathe well",
    "I have trouble breathing at night",
    "I get short of breath after taking it",
    "my daughter is choking on the tablets",
    "I feel suicidal since my diagnosis",
    "some days I want to kill myself",
    "I keep thinking about ending my life",
    "I might take my own life",
    "I don't want to live like this",
    "I have been harming myself again",
    "I keep hurting myself",
    "is self-harm common with lupus?",
    "my mum may have had a stroke",
    "her face is drooping on one side",
    "I woke up with a drooping face",
    "he has slurred speech today",
    "I am slurring my words",
    "I had sudden weakness in my left side",
    "I can't move my arm this morning",
    "I think I took an overdose",
    "I took too many tablets by mistake",
    "my son had a seizure last night",
    "she had convulsions after the infusion",
    "he was fitting for two minutes",
    "there is severe bleeding from my gums",
    "I am bleeding heavily",
    "the cut won't stop bleeding",
    "I am coughing up blood",
    "I was vomiting blood this morning",
    "she was unconscious for a minute",
    "I passed out at work",
    "my husband collapsed in the kitchen",
    "I think this is anaphylaxis",
    "my throat is swelling after the new pill",
]


def test_every_emergency_phrase_has_a_message_here():
    for phrase in PHRASES:
        pattern = re.compile(r"\b" + phrase.replace(" ", r"[\s-]+") + r"\b", re.IGNORECASE)
        assert any(pattern.search(message) for message in MESSAGES), phrase


@pytest.mark.parametrize("message", MESSAGES)
def test_the_page_after_an_urgent_question_leads_with_emergency_guidance(ask, client, message):
    response = ask(question=message)

    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<h1 id="urgent-heading">What you wrote may be an emergency</h1>' in html
    assert "Call your local emergency number now" in html
    assert "within two weeks" not in html
    assert Inquiry.objects.get().is_urgent


def test_an_ordinary_question_gets_the_routine_thank_you(ask, client):
    response = ask(question="Can I take LDN with hydroxychloroquine?")

    html = client.get(response["Location"]).content.decode()
    assert "within two weeks" in html
    assert "What you wrote may be an emergency" not in html
