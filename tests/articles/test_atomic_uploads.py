"""Writes to disk are all or nothing (issue 18 item 5) and author photos get the image checks
(issue 14). tests/reliability fills a real 1 MB disk; here a file standing where a folder
should be makes every write under it fail, as a full or read-only disk does."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from articles.models import Author
from tests.admin_forms import change_url, form_data
from tests.factories import make_article, make_hero_image, make_live_article, make_staff
from tests.images import image_bytes, jpeg_with_gps_and_orientation

pytestmark = pytest.mark.django_db


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def hero_upload():
    return SimpleUploadedFile("hero.png", image_bytes("PNG", size=(40, 20)), "image/png")


def block(settings, folder):
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    (root / folder).write_bytes(b"")


def test_refused_save_writes_no_image_and_does_not_call_it_corrupted(client, editor, settings):
    article = make_live_article()
    before = media_files(settings)

    # A live article saved without a change note is refused.
    response = client.post(
        change_url(article),
        form_data(article, body="<p>New words</p>", image=hero_upload(), image_alt="A square"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "say what changed in a change note" in page
    assert "corrupted" not in page
    assert media_files(settings) == before


def test_saved_image_lands_in_place_under_a_random_name_when_the_save_commits(
    client, editor, settings, django_capture_on_commit_callbacks
):
    article = make_article()

    with django_capture_on_commit_callbacks() as on_commit:
        client.post(
            change_url(article),
            form_data(article, image=hero_upload(), image_alt="A square", image_credit="Staff"),
        )
        article.refresh_from_db()
        # Written in full, but under its real name only once the row naming it is committed.
        assert [Path(name).suffix for name in media_files(settings)] == [".part"]
    for callback in on_commit:
        callback()

    assert media_files(settings) == [article.image.name]
    assert article.image.name.startswith("articles/") and "hero" not in article.image.name


def test_image_that_cannot_be_written_answers_a_clear_error_and_saves_nothing(
    client, editor, settings
):
    article = make_article(title="Before")
    block(settings, "articles")

    response = client.post(
        change_url(article),
        form_data(article, title="After", image=hero_upload(), image_alt="A square"),
    )

    assert response.status_code == 507
    assert "The file was not stored" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "Before"
    assert article.versions.count() == 1
    assert media_files(settings) == ["articles"]


def author_data(photo, **fields):
    return {"name": "Jo Bloggs", "slug": "jo-bloggs", "credentials": "nurse", "bio": "",
            "photo": photo, **fields}  # fmt: skip


def test_author_photo_is_stored_without_gps_or_its_file_name(
    client, settings, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("root", superuser=True))
    photo = SimpleUploadedFile("jo-at-home-in-leeds.jpg", jpeg_with_gps_and_orientation())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_author_add"), author_data(photo))

    assert response.status_code == 302
    author = Author.objects.get()
    assert "leeds" not in author.photo.name
    with Image.open(author.photo.path) as stored:
        assert not stored.getexif()
        assert stored.size == (48, 64)  # turned upright, as the camera meant
    assert media_files(settings) == [author.photo.name]


def test_author_photo_with_script_appended_is_refused_and_not_stored(client, settings):
    client.force_login(make_staff("root", superuser=True))
    data = image_bytes("PNG") + b"<script>alert(document.cookie)</script>"
    photo = SimpleUploadedFile("jo.png", data, "image/png")

    response = client.post(reverse("admin:articles_author_add"), author_data(photo))

    assert response.status_code == 200
    assert "web page code" in response.content.decode()
    assert not Author.objects.exists()
    assert media_files(settings) == []


def test_image_over_the_pixel_limit_is_refused_before_it_is_decoded(client, editor, settings):
    # 6300 x 6300 pixels in a 1-bit PNG: a small file that would decode to 119 MB of RGB.
    buffer = io.BytesIO()
    Image.new("1", (6300, 6300)).save(buffer, format="PNG")
    article = make_article()
    upload = SimpleUploadedFile("big.png", buffer.getvalue(), "image/png")

    response = client.post(
        change_url(article), form_data(article, image=upload, image_alt="Big", image_credit="S")
    )

    assert "too many pixels" in response.content.decode()
    assert media_files(settings) == []


def test_page_shows_the_original_when_renditions_cannot_be_written(client, settings):
    article = make_live_article(
        "Pictured",
        image=make_hero_image(size=(1600, 900)),
        image_alt="Morning light",
        image_credit="Staff",
    )
    block(settings, "renditions")

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    original = f"/media/{article.image.name}"
    assert f'<img src="{original}" srcset="{original} 1600w"' in html
    assert 'alt="Morning light"' in html


class Refused(Exception):
    pass


def test_a_script_whose_transaction_rolls_back_leaves_no_file(settings):
    article = make_article()

    with pytest.raises(Refused), transaction.atomic():
        article.image = make_hero_image()
        article.save()
        assert media_files(settings)  # written in full, under its temporary name
        raise Refused

    assert media_files(settings) == []


@pytest.mark.django_db(transaction=True)
def test_a_script_saves_its_file_under_the_real_name_only_when_the_row_is_committed(settings):
    article = make_article()

    with transaction.atomic():
        article.image = make_hero_image()
        article.save()
        name = article.image.name
        assert not (Path(settings.MEDIA_ROOT) / name).exists()

    assert media_files(settings) == [name]
    with Image.open(Path(settings.MEDIA_ROOT) / name) as image:
        assert image.size == (1600, 900)


@pytest.mark.django_db(transaction=True)
def test_a_file_awaiting_its_commit_reads_back_for_the_version_snapshot(settings):
    article = make_article()

    with transaction.atomic():
        article.image = make_hero_image()
        article.save()
        # A fresh read of the dimensions, as the snapshot of a version saved now makes.
        stored = type(article).objects.get(pk=article.pk).image
        assert stored.storage.exists(stored.name)
        assert (stored.width, stored.height) == (1600, 900)
        version = article.save_version(change_note="With its image")

    assert version.content["image"]["width"] == 1600


@pytest.mark.django_db(transaction=True)
def test_only_the_file_of_a_rolled_back_savepoint_is_removed(settings):
    kept, dropped = make_article(title="Kept"), make_article(title="Dropped")

    with transaction.atomic():
        kept.image = make_hero_image("kept.jpg")
        kept.save()
        with pytest.raises(Refused), transaction.atomic():
            dropped.image = make_hero_image("dropped.jpg")
            dropped.save()
            raise Refused

    kept.refresh_from_db()
    assert media_files(settings) == [kept.image.name]
