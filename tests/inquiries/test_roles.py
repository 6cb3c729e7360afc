"""Every default role can use what it is shown; a refusal says what is missing, in the admin."""

import html
import re

import pytest
from django.urls import reverse

from tests.factories import make_inquiry, make_staff, make_topic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["Editors", "Inquiry staff"])
def test_every_link_on_the_dashboard_opens_for_the_roles_that_see_it(client, role):
    topic = make_topic("Fatigue")
    for number in range(4):
        make_inquiry(f"Question {number} about fatigue", topics=[topic])
    client.force_login(make_staff("someone", role))

    response = client.get(reverse("admin:inquiries_demandreport_changelist"))

    assert response.status_code == 200
    links = set(re.findall(r'href="(/admin/[^"#]*)"', response.content.decode()))
    assert any("start-draft" in link for link in links) == (role == "Editors")
    assert any("review-queue" in link for link in links) == (role == "Editors")
    for link in links:
        assert client.get(html.unescape(link)).status_code == 200, link


def test_editors_can_start_a_draft_from_questions(client):
    topic = make_topic("Fatigue")
    client.force_login(make_staff("edna", "Editors"))
    url = reverse("admin:inquiries_demandreport_start_draft", args=[topic.pk])
    assert client.get(url).status_code == 200


def test_a_refusal_is_an_admin_page_that_says_what_is_missing_and_who_can_give_it(client):
    client.force_login(make_staff("arthur", "Authors"))

    response = client.get(reverse("admin:inquiries_demandreport_changelist"))

    html = response.content.decode()
    assert response.status_code == 403
    assert "needs the permission “Can view inquiry”" in html
    assert "Your role: Authors." in html and "superuser" in html
    assert 'id="site-name"' in html  # the admin's layout, not a bare "403 Forbidden"


def _links(page_url, html_text):
    """Every admin address a page links to (its own query links resolved against it)."""
    found = set()
    for href in re.findall(r'href="([^"#]*)', html_text):
        href = html.unescape(href)
        if href.startswith("?"):
            href = page_url.split("?")[0] + href
        if href.startswith("/admin/") and "logout" not in href:
            found.add(href)
    return found


@pytest.mark.parametrize("role", ["Editors", "Inquiry staff"])
def test_every_link_on_the_triage_pages_and_review_queue_opens_for_the_role(client, role):
    topic = make_topic("Fatigue")
    inquiry = make_inquiry("A question about fatigue", topics=[topic], email="ann@example.net")
    client.force_login(make_staff("someone", role))
    pages = [
        reverse("admin:inquiries_inquiry_changelist"),
        reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]),
    ]
    if role == "Editors":  # the only default role the dashboard shows the review queue to
        pages.append(reverse("admin:inquiries_demandreport_review_queue"))
    for page_url in pages:
        response = client.get(page_url)
        assert response.status_code == 200, page_url
        for link in _links(page_url, response.content.decode()):
            assert client.get(link, follow=True).status_code == 200, (page_url, link)
