"""Images in rich text may come only from inside our media folder."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_live_article

pytestmark = pytest.mark.django_db


def test_the_sanitizer_keeps_images_inside_the_media_folder(client):
    body = (
        '<p><img src="/media/uploads/ok.png" alt="kept"></p>'
        '<p><img src="/media/../admin/logout/" alt="dots"></p>'
        '<p><img src="/media/%2e%2e/admin/" alt="encoded"></p>'
        '<p><img src="/media/uploads/..%2f..%2fadmin/" alt="encoded slash"></p>'
        '<p><img src="/media/.\\..\\admin/" alt="backslash"></p>'
    )
    article = make_live_article("Images", body=body)

    html = client.get(reverse("articles:detail", args=[article.slug])).content.decode()

    sources = re.findall(r'<img[^>]* src="([^"]*)"', html)
    assert "/media/uploads/ok.png" in sources
    assert not [src for src in sources if ".." in src or "%2e" in src.lower() or "\\" in src]
