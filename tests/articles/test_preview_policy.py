"""The admin preview is a reader page: it is served under the strict reader policy, through
the real preview addresses (SECURITY.md)."""

import pytest
from django.urls import reverse

from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


def _directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("name", ["preview", "preview_version"])
def test_the_admin_preview_gets_the_strict_reader_policy(client, name):
    article = make_article("Previewed")
    client.force_login(make_staff("author", "Authors"))
    args = [article.pk] if name == "preview" else [article.pk, 1]

    response = client.get(reverse(f"admin:articles_article_{name}", args=args))

    assert response.status_code == 200
    assert "Previewed" in response.content.decode()
    directives = _directives(response)
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_rest_of_the_admin_keeps_the_staff_policy(client):
    article = make_article()
    client.force_login(make_staff("author", "Authors"))

    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert "'unsafe-eval'" in _directives(response)["script-src"]
