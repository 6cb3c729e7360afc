"""CKEditor's upload URL: staff only, every file checked, answers in CKEditor's formats."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import make_staff
from tests.images import image_bytes, jpeg_with_gps_and_orientation

TOKEN = "a" * 40


@pytest.fixture
def staff_client(client, db):
    client.force_login(make_staff("writer", "Authors"))
    client.cookies["ckCsrfToken"] = TOKEN
    return client


def post_upload(client, data, name="photo.jpg", token=TOKEN, func_num=None):
    url = reverse("ckeditor_upload")
    if func_num is not None:
        url += f"?CKEditor=id_body&CKEditorFuncNum={func_num}&langCode=en"
    return client.post(url, {"upload": SimpleUploadedFile(name, data), "ckCsrfToken": token})


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_url_names_the_editor_widget_uses_still_resolve():
    assert reverse("ckeditor_upload") == "/ckeditor/upload/"
    assert reverse("ckeditor_browse") == "/ckeditor/browse/"


@pytest.mark.django_db
def test_anonymous_upload_is_sent_to_the_login_page_and_nothing_is_stored(client, settings):
    client.cookies["ckCsrfToken"] = TOKEN
    response = post_upload(client, image_bytes())

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_signed_in_non_staff_user_cannot_upload(client, settings):
    client.force_login(User.objects.create_user("reader", password="x" * 20))
    client.cookies["ckCsrfToken"] = TOKEN

    response = post_upload(client, image_bytes())

    assert response.status_code == 302
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_anonymous_cannot_browse_uploads(client):
    response = client.get(reverse("ckeditor_browse"))

    assert response.status_code == 302


def test_staff_upload_is_stored_clean_with_a_random_name(staff_client, settings):
    response = post_upload(staff_client, jpeg_with_gps_and_orientation(), "family-home.jpg")

    assert response.status_code == 200
    answer = response.json()
    assert answer["uploaded"] == 1
    assert answer["url"].startswith("/media/uploads/")
    assert "family" not in answer["url"]
    stored = Path(settings.MEDIA_ROOT) / answer["url"].removeprefix("/media/")
    data = stored.read_bytes()
    assert b"Example Camera Maker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
    assert len(Path(answer["fileName"]).stem) == 32


def test_image_dialog_upload_calls_back_into_the_editor(staff_client):
    response = post_upload(staff_client, image_bytes("PNG"), "chart.png", func_num=3)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("<script>window.parent.CKEDITOR.tools.callFunction(3, '")
    assert ".png', '');</script>" in body
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"just some text", "notes.txt", "is not a JPEG, PNG, WebP or GIF image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "SVG images"),
        (b"<html><script>alert(1)</script></html>", "x.jpg", "is not a JPEG, PNG"),
    ],
)
def test_refused_paste_upload_answers_with_the_reason_in_ckeditor_json(
    staff_client, settings, data, name, message
):
    response = post_upload(staff_client, data, name)

    answer = response.json()
    assert answer["uploaded"] == 0
    assert message in answer["error"]["message"]
    assert stored_files(settings) == []


def test_refused_dialog_upload_passes_the_reason_escaped_to_the_editor(staff_client, settings):
    response = post_upload(staff_client, b"plain text", "it's.jpg", func_num=7)

    assert response.status_code == 400
    body = response.content.decode()
    assert body.startswith("<script>window.parent.CKEDITOR.tools.callFunction(7, '', '")
    assert "is not a JPEG, PNG, WebP or GIF image" in body
    assert stored_files(settings) == []


def test_func_num_that_is_not_a_number_cannot_inject_script(staff_client):
    response = post_upload(staff_client, image_bytes(), func_num="1);alert(document.domain);//")

    assert "alert" not in response.content.decode()
    assert response.json()["uploaded"] == 1


def test_upload_without_the_editor_token_pair_is_refused(staff_client, settings):
    response = post_upload(staff_client, image_bytes(), token="b" * 40)

    assert response.json()["uploaded"] == 0
    assert "could not be verified" in response.json()["error"]["message"]
    assert stored_files(settings) == []


def test_upload_with_no_file_asks_for_one(staff_client):
    response = staff_client.post(reverse("ckeditor_upload"), {"ckCsrfToken": TOKEN})

    assert response.json()["error"]["message"] == "Choose an image to upload."


def test_get_is_not_allowed(staff_client):
    assert staff_client.get(reverse("ckeditor_upload")).status_code == 405


def test_upload_response_gets_the_staff_content_security_policy(staff_client):
    response = post_upload(staff_client, image_bytes(), func_num=1)

    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_staff_without_an_editing_role_can_neither_upload_nor_browse(client, settings):
    client.force_login(make_staff("helpdesk"))
    client.cookies["ckCsrfToken"] = TOKEN

    assert post_upload(client, image_bytes()).status_code == 403
    assert client.get(reverse("ckeditor_browse")).status_code == 403
    assert stored_files(settings) == []


@pytest.mark.parametrize("group", ["Authors", "Editors"])
@pytest.mark.django_db
def test_authors_and_editors_can_browse_the_editor_images(client, group):
    client.force_login(make_staff("writer", group))
    assert client.get(reverse("ckeditor_browse")).status_code == 200


def block_upload_folder(settings):
    """A file where the upload folder should be: every write under it fails, as on a full
    or read-only disk (tests/reliability fills a real 1 MB disk)."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    (root / "uploads").write_bytes(b"")


def test_upload_that_cannot_be_written_answers_ckeditor_json_and_leaves_nothing(
    staff_client, settings
):
    block_upload_folder(settings)

    response = post_upload(staff_client, image_bytes())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["uploaded"] == 0
    assert "could not be stored" in response.json()["error"]["message"]
    assert [p.name for p in stored_files(settings)] == ["uploads"]


def test_dialog_upload_that_cannot_be_written_tells_the_editor_why(staff_client, settings):
    block_upload_folder(settings)

    response = post_upload(staff_client, image_bytes(), func_num=4)

    assert response.status_code == 507
    assert "callFunction(4, ''" in response.content.decode()
    assert "could not be stored" in response.content.decode()
