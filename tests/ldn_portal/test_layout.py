import pytest
from django.test import Client
from django.urls import path


@pytest.mark.django_db
def test_home_page_has_landmarks_skip_link_and_footer_notices(client, settings):
    settings.ORGANIZATION_NAME = "Test Lupus Group"
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert 'class="skip-link" href="#main"' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert "Images on this site belong to Test Lupus Group" in html
    assert "do not replace advice from your own" in html
    assert "Ask a question" in html


@pytest.mark.django_db
def test_unknown_page_uses_site_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken_view)]
handler500 = "ldn_portal.views.server_error"


def test_500_page_renders_in_site_style_without_touching_the_database(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    # No django_db mark: any database query here would raise and fail the test.
    response = client.get("/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Medical disclaimer." in html
