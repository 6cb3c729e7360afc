"""Articles suggested while a reader types a question, and how readers use them."""

import pytest
from django.urls import reverse

from inquiries.models import ArticleSuggestion
from tests.factories import make_article, make_live_article

pytestmark = pytest.mark.django_db


def test_suggestions_are_live_articles_that_match_the_question(client):
    ldn = make_live_article("Low-dose naltrexone and lupus")
    make_live_article("Sleep and fatigue")
    make_article("Naltrexone draft nobody may see")

    response = client.get(
        reverse("inquiries:suggestions"), {"q": "Is naltrexone safe with lupus medicines?"}
    )

    assert response["Cache-Control"] == "private, no-store"
    suggestions = response.json()["suggestions"]
    assert [s["title"] for s in suggestions] == ["Low-dose naltrexone and lupus"]
    assert suggestions[0]["url"] == reverse("inquiries:open_suggestion", args=[ldn.pk])


def test_a_few_letters_suggest_nothing(client):
    make_live_article("Low-dose naltrexone and lupus")
    assert client.get(reverse("inquiries:suggestions"), {"q": "naltr"}).json() == {
        "suggestions": []
    }


def test_opening_a_suggestion_is_counted_and_shows_the_article(client):
    ldn = make_live_article("Low-dose naltrexone and lupus")

    response = client.get(reverse("inquiries:open_suggestion", args=[ldn.pk]))
    client.get(reverse("inquiries:open_suggestion", args=[ldn.pk]))

    assert response.status_code == 302 and response["Location"] == ldn.get_absolute_url()
    row = ArticleSuggestion.objects.get()
    assert (row.article, row.opened, row.sent_anyway) == (ldn, 2, 0)


def test_a_question_sent_anyway_counts_for_the_articles_it_was_shown(ask):
    ldn = make_live_article("Low-dose naltrexone and lupus")
    draft = make_article("Not live")

    ask(question="Is naltrexone safe?", suggested=f"{ldn.pk},{draft.pk},junk")

    row = ArticleSuggestion.objects.get()
    assert (row.article, row.opened, row.sent_anyway) == (ldn, 0, 1)


def test_staff_see_the_counts_in_the_admin(admin_client):
    ldn = make_live_article("Low-dose naltrexone and lupus")
    ArticleSuggestion.objects.record([ldn.pk], "opened")

    html = admin_client.get(reverse("admin:inquiries_articlesuggestion_changelist")).content
    assert b"Low-dose naltrexone and lupus" in html
