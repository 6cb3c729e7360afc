import pytest
from django.core.exceptions import ValidationError

from articles.models import Article, PublishBlocked
from tests.factories import make_article, make_live_article, make_topic

pytestmark = pytest.mark.django_db


def test_saving_changed_content_creates_numbered_versions():
    article = make_article("Low-dose naltrexone")

    article.title = "Low-dose naltrexone and lupus"
    article.save()
    second = article.save_version()

    assert second.number == 2
    assert list(article.versions.values_list("number", flat=True)) == [2, 1]
    assert second.content["title"] == "Low-dose naltrexone and lupus"


def test_saving_unchanged_content_creates_no_version():
    article = make_article()

    assert article.save_version() is None
    assert article.versions.count() == 1


def test_live_article_change_needs_a_change_note():
    article = make_live_article()
    article.summary = "A revised summary."
    article.save()

    with pytest.raises(ValidationError):
        article.save_version()
    assert article.save_version(change_note="Clarified the summary.").number == 2


def test_readers_keep_seeing_live_version_while_staff_edit():
    article = make_live_article("Original title")
    article.title = "Edited title"
    article.save()
    article.save_version(change_note="New title")

    live = Article.objects.live().get(pk=article.pk)
    assert live.live_version.title == "Original title"
    assert live.has_unpublished_changes


def test_publish_checklist_names_what_is_missing():
    article = make_article(authors=[], sources=0, topics=[make_topic(is_off_label=True)])

    with pytest.raises(PublishBlocked) as blocked:
        article.publish()

    assert "Add at least one author." in blocked.value.problems
    assert "Add at least one source." in blocked.value.problems
    assert any("evidence note" in p for p in blocked.value.problems)
    assert not Article.objects.live().exists()
