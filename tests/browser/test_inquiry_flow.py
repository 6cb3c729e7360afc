"""A reader asks from an article page; staff triage it and see the demand rise."""

import pytest
from playwright.sync_api import expect

from inquiries.models import Inquiry
from tests.factories import make_live_article, make_staff, make_topic

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct horse battery staple"


def _topic_count(page, base):
    page.goto(base + "/admin/inquiries/demandreport/?days=30")
    cell = page.locator('#topic-demand tr[data-topic="Low-dose naltrexone"] td.count')
    return int(cell.inner_text()) if cell.count() else 0


def test_reader_question_reaches_staff_and_the_dashboard(live_server, page, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    ldn = make_topic("Low-dose naltrexone")
    article = make_live_article(
        "Low-dose naltrexone and lupus", slug="low-dose-naltrexone-lupus", topics=[ldn]
    )
    make_staff("ines", "Inquiry staff")
    base = live_server.url

    staff = page.context.browser.new_context().new_page()
    staff.goto(base + "/admin/login/")
    staff.fill("#id_username", "ines")
    staff.fill("#id_password", PASSWORD)
    staff.click("input[type=submit]")
    before = _topic_count(staff, base)

    page.goto(base + article.get_absolute_url())
    assert page.locator("#ask_topic").input_value() == str(ldn.pk)
    page.get_by_text("Ask us a question about this article").click()  # it starts collapsed
    page.fill("#ask_question", "Could LDN help with my lupus fatigue?")
    page.click(".ask-article button[type=submit]")
    page.wait_for_url("**/ask/thanks/")
    expect(page.locator("main")).to_contain_text("In an emergency")

    staff.goto(base + "/admin/inquiries/inquiry/")
    row = staff.locator("#result_list tbody tr", has_text="Could LDN help")
    assert row.count() == 1
    row.locator("input[name=_selected_action]").check()
    staff.select_option("select[name=action]", "link_to_article")
    staff.click("button[name=index]")
    staff.select_option("#id_article", str(article.pk))
    staff.select_option("#id_role", "prompted")
    staff.click("input[name=apply]")
    expect(staff.locator(".messagelist")).to_contain_text("1 inquiry linked")

    inquiry = Inquiry.objects.get(question="Could LDN help with my lupus fatigue?")
    assert inquiry.source_article == article and inquiry.related_article == article
    assert _topic_count(staff, base) == before + 1
    staff.context.close()
