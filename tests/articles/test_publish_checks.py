import pytest

from articles.models import PublishBlocked
from tests.factories import make_article, make_live_article

pytestmark = pytest.mark.django_db


def test_body_image_without_alt_text_blocks_publishing():
    article = make_article(body='<p>See the rash.</p><img src="/media/rash.png">')
    with pytest.raises(PublishBlocked) as refused:
        article.publish()
    assert any("no alt text" in problem for problem in refused.value.problems)


def test_editor_shows_reading_level_and_checks(admin_client):
    article = make_live_article(body='<h2>A</h2><h4>B</h4><p><a href="http://a.org/">here</a></p>')
    html = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Reading level: grade" in html and "Flesch-Kincaid" in html
    assert "skips from level 2 to level 4" in html
    assert '<a href="#id_body">Warning: The link text “here”' in html
    assert "js/content-checks.js" in html


def test_compare_view_shows_both_reading_levels(admin_client):
    article = make_live_article(body="<p>Short words. Easy to read.</p>")
    article.body = "<p>Considerably more polysyllabic terminology characterizes this revision.</p>"
    article.save()
    article.save_version(change_note="Harder words.")
    html = admin_client.get(f"/admin/articles/article/{article.pk}/compare/").content.decode()
    assert "Older version: Reading level: grade" in html
    assert "Newer version: Reading level: grade" in html and "is above the target" in html
    assert "polysyllabic" in html
