"""Domain methods added for the admin: restore, and the version comparison."""

import pytest

from articles.diff import compare, diff_html, diff_text
from articles.models import Article
from tests.factories import make_article, make_author, make_live_article, make_topic

pytestmark = pytest.mark.django_db


def test_restore_copies_the_whole_snapshot_back_as_a_new_version():
    first_author, second_author = make_author("First"), make_author("Second")
    lupus, fatigue = make_topic("Lupus"), make_topic("Fatigue")
    article = make_article("Original", authors=[first_author], topics=[lupus], sources=2)
    original = article.latest_version
    article.title = "Changed"
    article.cautions = "A new caution"
    article.save()
    article.topics.set([fatigue])
    article.article_authors.all().delete()
    article.article_authors.create(author=second_author, order=0)
    article.sources.all().delete()
    article.save_version()

    restored = article.restore(original)

    assert restored.number == 3
    assert restored.change_note == "Restored version 1"
    assert restored.content == original.content
    article.refresh_from_db()
    assert article.title == "Original"
    assert list(article.topics.all()) == [lupus]
    assert [link.author for link in article.article_authors.all()] == [first_author]
    assert article.sources.count() == 2
    assert article.versions.count() == 3


def test_restore_of_a_live_article_leaves_readers_on_the_live_version():
    article = make_live_article("Live title")
    article.title = "Draft title"
    article.save()
    article.save_version(change_note="Retitled")

    article.restore(article.versions.get(number=1))

    live = Article.objects.live().get(pk=article.pk)
    assert live.live_version.number == 1
    assert live.latest_version.number == 3
    assert live.has_unpublished_changes


def test_restore_of_identical_content_creates_no_version():
    article = make_article()
    assert article.restore(article.latest_version) is None
    assert article.versions.count() == 1


def test_restore_refuses_another_articles_version():
    article, other = make_article(), make_article()
    with pytest.raises(ValueError):
        article.restore(other.latest_version)


def test_text_diff_escapes_and_marks_changes():
    assert diff_text("a <b> c", "a <i> c") == ("a &lt;<del>b</del><ins>i</ins>&gt; c")


def test_body_diff_keeps_the_newer_markup_and_sanitizes():
    old = "<p>Rest often.</p>"
    new = '<p>Rest <a href="javascript:alert(1)">often</a>.</p><script>x()</script>'

    html = diff_html(old, new)

    assert "javascript" not in html
    assert "script" not in html
    assert "<a" in html and "often" in html


def test_body_diff_cannot_be_tricked_by_marker_characters():
    html = diff_html("<p>a</p>", "<p>a \ue000<script>b</script>\ue001</p>")
    assert "<ins><script>" not in html
    assert "<script" not in html


def test_compare_lists_every_field_and_says_which_changed():
    article = make_article(summary="Old summary")
    first = article.latest_version.content
    article.summary = "New summary"
    article.save()
    second = article.save_version().content

    rows = {row["label"]: row for row in compare(first, second)}

    assert rows["Summary"]["changed"]
    assert not rows["Title"]["changed"]
    assert not rows["Body"]["changed"]
    assert {"Sources", "Authors", "Topics", "Disclaimer", "Hero image"} <= set(rows)


def test_a_missing_image_file_does_not_stop_a_new_version():
    import io
    from pathlib import Path

    from django.core.files.base import ContentFile
    from PIL import Image

    article = make_article()
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    article.image.save("hero.png", ContentFile(buffer.getvalue()), save=False)
    article.image_alt, article.image_credit = "A square", "Staff"
    article.save()
    Path(article.image.path).unlink()
    article = Article.objects.get(pk=article.pk)
    article.summary = "Changed"
    article.save()

    version = article.save_version()

    assert version.content["image"]["alt"] == "A square"
    assert version.content["image"]["width"] is None
