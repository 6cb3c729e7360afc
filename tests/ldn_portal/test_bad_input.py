"""NUL characters and non-UTF-8 form bodies: a clear 400 page, before any view runs."""

import pytest
from django.test import Client

from inquiries.models import Inquiry
from tests.factories import make_live_article

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "The address contains a NUL character."
CHARSET_MESSAGE = "Forms must be sent as UTF-8."


@pytest.mark.parametrize(
    "url",
    ["/articles/?q=%00", "/articles/?q=lupus%00fatigue", "/ask/?article=%00", "/?x%00=1"],
)
def test_a_nul_character_in_the_query_string_is_a_clear_400(client, url):
    make_live_article("Living with fatigue")

    response = client.get(url)

    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize("url", ["/ask/", "/feedback/", "/admin/login/"])
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "iso-8859-1", "cp500", "utf8"])
def test_a_form_post_in_another_charset_is_a_clear_400(url, charset):
    # As a browser would: CSRF checked, the request from our own origin.
    client = Client(enforce_csrf_checks=True)
    client.get("/ask/")  # the CSRF cookie a reader's browser has
    body = "question=Is+LDN+safe%3F&username=a&password=b&kind=helpful".encode(
        "utf-8" if charset == "utf8" else charset
    )

    response = client.generic(
        "POST",
        url,
        body,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 400
    assert CHARSET_MESSAGE in response.content.decode()
    assert not Inquiry.objects.exists()


def test_utf8_forms_and_forms_without_a_charset_still_work(client, settings):
    settings.INQUIRY_MIN_FILL_SECONDS = 0
    settings.INQUIRY_NOTIFY_EMAIL = ""
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        'application/x-www-form-urlencoded; charset="utf-8"',
    ]:
        page = client.get("/ask/").content.decode()
        token = page.split('name="form_token" value="')[1].split('"')[0]
        body = f"question=Can+I+take+LDN%3F+{len(content_type)}&form_token={token}"

        response = client.generic("POST", "/ask/", body.encode(), content_type=content_type)

        assert response.status_code == 302, content_type
    assert Inquiry.objects.count() == 3
