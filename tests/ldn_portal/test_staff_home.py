"""The staff home (/admin/): panels of work for each role, every link opening for that role."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import (
    _role_definitions,
    make_article,
    make_inquiry,
    make_live_article,
    make_staff,
)

pytestmark = pytest.mark.django_db


def links(page):
    return sorted(set(re.findall(r'<a [^>]*href="(/[^"#]*)"', page)))


@pytest.fixture
def work():
    """One article for each panel: awaiting review, a draft, a live one due for review."""
    writer = make_staff("wren", "Authors")
    submitted = make_article("Fatigue and pacing", by=writer)
    submitted.submit_for_review(by=writer)
    make_article("Sun and lupus", by=writer)
    due = timezone.localdate() + datetime.timedelta(days=5)
    make_live_article("Naltrexone in low doses", next_review_due=due)
    planned = make_live_article("Hydroxychloroquine and eyes")
    planned.title = "Hydroxychloroquine and your eyes"
    planned.save()
    planned.save_version(change_note="Clearer title")
    planned.publish(2, at=timezone.now() + datetime.timedelta(days=1))
    make_inquiry("I have chest pain since the new dose")  # urgent
    make_inquiry("When will you answer?", reply_wanted=True, email="a@example.net")
    return writer


@pytest.mark.parametrize("role", sorted(_role_definitions()) + ["superuser"])
def test_every_link_on_the_staff_home_opens_for_each_role(client, work, role):
    user = (
        make_staff("root", superuser=True) if role == "superuser" else make_staff("someone", role)
    )
    make_article("My own draft", by=user)
    client.force_login(user)

    page = client.get("/admin/").content.decode()

    found = links(page)
    assert found, "the staff home shows no links"
    for url in found:
        assert client.get(url).status_code == 200, (role, url)


def test_editor_sees_review_queue_drafts_and_due_reviews(client, work):
    editor = make_staff("edith", "Editors")
    make_article("Edith's draft", by=editor)
    client.force_login(editor)

    response = client.get("/admin/")

    panels = {panel["title"]: panel for panel in response.context["panels"]}
    assert [item["label"] for item in panels["Awaiting review"]["items"]] == ["Fatigue and pacing"]
    assert [item["label"] for item in panels["My drafts"]["items"]] == ["Edith's draft"]
    assert [item["label"] for item in panels["Due for review soon"]["items"]] == [
        "Naltrexone in low doses"
    ]
    assert panels["Scheduled"]["items"][0]["detail"].startswith("Version 2 goes live")


def test_author_sees_own_drafts_but_no_review_queue(client, work):
    client.force_login(work)

    response = client.get("/admin/")

    panels = {panel["title"]: panel for panel in response.context["panels"]}
    assert "Awaiting review" not in panels
    assert {item["label"] for item in panels["My drafts"]["items"]} == {
        "Fatigue and pacing",
        "Sun and lupus",
    }


def test_inquiry_staff_get_no_article_panels(client, work):
    client.force_login(make_staff("ines", "Inquiry staff"))

    response = client.get("/admin/")

    titles = [panel["title"] for panel in response.context["panels"]]
    assert titles == ["Urgent questions", "Unanswered questions"]


def test_staff_home_needs_a_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "role, shown", [("Inquiry staff", True), ("Editors", True), ("Authors", False)]
)
def test_staff_who_answer_readers_see_urgent_and_unanswered_questions(client, work, role, shown):
    client.force_login(make_staff("someone", role))

    panels = {panel["title"]: panel for panel in client.get("/admin/").context["panels"]}

    assert ("Urgent questions" in panels) == shown
    if shown:
        assert [i["label"] for i in panels["Urgent questions"]["items"]] == [
            "I have chest pain since the new dose"
        ]
        assert [i["label"] for i in panels["Unanswered questions"]["items"]] == [
            "When will you answer?"
        ]
