"""What a person sees when the site refuses an address: a staff member without the personal-data
permission who follows a crafted inquiry-list link, and a reader with a NUL in the address."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from tests.factories import make_inquiry, make_staff

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = "/work/shots/holes"


def test_a_crafted_filter_link_explains_itself_and_leads_back_to_the_list(live_server, page):
    make_inquiry("Is LDN safe with my tablets?", name="Rosa Q", email="rosa.q@example.net")
    user = make_staff("val")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inquiries", codename__in=["view_inquiry", "change_inquiry"]
        )
    )
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "val")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(live_server.url + "/admin/inquiries/inquiry/?email__startswith=rosa")
    expect(page.locator(".errornote")).to_contain_text(
        "does not accept the parameter “email__startswith”"
    )
    page.screenshot(path=f"{SHOTS}/refused-filter.png", full_page=True)
    page.locator("#content").get_by_role("link", name="inquiry list").click()

    page.wait_for_url("**/admin/inquiries/inquiry/")
    expect(page.locator("#result_list")).to_contain_text("Is LDN safe with my tablets?")
    expect(page.locator("#result_list")).not_to_contain_text("rosa")


def test_a_reader_with_a_nul_in_the_address_gets_a_page_that_says_so(live_server, page):
    response = page.goto(live_server.url + "/articles/?q=lupus%00")

    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not read that request")
    expect(page.locator("main")).to_contain_text("The address contains a NUL character.")
    page.screenshot(path=f"{SHOTS}/bad-request.png", full_page=True)
    page.get_by_role("main").get_by_role("link", name="Browse all articles").click()
    page.wait_for_url("**/articles/")
