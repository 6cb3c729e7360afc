"""Crafted files against articles.uploads.clean_uploaded_image and CKEditor's upload URL."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.uploads import clean_uploaded_image
from tests.images import image_bytes, jpeg_with_gps_and_orientation


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def rejection(data, name="photo.jpg"):
    with pytest.raises(ValidationError) as caught:
        clean_uploaded_image(upload(data, name))
    return " ".join(caught.value.messages)


def test_jpeg_is_stored_upright_without_exif_or_gps_under_a_random_name():
    original = jpeg_with_gps_and_orientation(size=(64, 48))
    assert b"Example Camera Maker" in original

    cleaned = clean_uploaded_image(upload(original, "my-home-garden.jpg"))

    stored = cleaned.read()
    assert b"Example Camera Maker" not in stored
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (48, 64)  # the orientation was applied to the pixels
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    stem, extension = cleaned.name.rsplit(".", 1)
    assert extension == "jpg"
    assert len(stem) == 32 and int(stem, 16) >= 0
    assert "garden" not in cleaned.name


def test_two_uploads_of_the_same_file_get_different_names():
    data = image_bytes()

    assert clean_uploaded_image(upload(data)).name != clean_uploaded_image(upload(data)).name


def test_png_with_text_and_icc_metadata_is_stored_without_it():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 12 Example Street")
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(
        buffer, format="PNG", pnginfo=info, icc_profile=b"\0" * 128
    )

    cleaned = clean_uploaded_image(upload(buffer.getvalue(), "chart.png"))

    stored = cleaned.read()
    assert b"Example Street" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert "icc_profile" not in image.info
    assert cleaned.name.endswith(".png")


def test_webp_is_accepted():
    cleaned = clean_uploaded_image(upload(image_bytes("WEBP"), "picture.webp"))

    assert cleaned.name.endswith(".webp")
    with Image.open(cleaned) as image:
        assert image.format == "WEBP"


def test_animated_gif_is_stored_as_its_first_frame():
    frames = [Image.new("RGB", (10, 10), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])

    cleaned = clean_uploaded_image(upload(buffer.getvalue(), "animation.gif"))

    with Image.open(cleaned) as image:
        assert image.format == "PNG"
        assert not getattr(image, "is_animated", False)
        assert image.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_text_file_is_rejected():
    assert "is not a JPEG, PNG, WebP or GIF image" in rejection(b"Dear team, here is my story.")


def test_empty_file_is_rejected():
    assert "The file is empty" in rejection(b"")


def test_svg_is_rejected_with_its_own_reason():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    assert "SVG images are not accepted" in rejection(svg, "logo.svg")


def test_html_renamed_to_jpg_is_rejected():
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

    assert "is not a JPEG, PNG, WebP or GIF image" in rejection(html, "holiday.jpg")


def test_png_named_jpg_is_rejected():
    assert "named '.jpg' but is really a PNG image" in rejection(image_bytes("PNG"), "a.jpg")


def test_truncated_jpeg_is_rejected():
    data = image_bytes("JPEG", size=(400, 300))

    assert "damaged or incomplete" in rejection(data[: len(data) // 2])


def test_truncated_png_is_rejected():
    data = image_bytes("PNG", size=(400, 300))

    assert "damaged or incomplete" in rejection(data[: len(data) // 2], "a.png")


def test_corrupt_data_with_valid_markers_is_rejected():
    data = image_bytes("PNG", size=(50, 50))
    corrupted = data[:60] + bytes(b ^ 0xFF for b in data[60:80]) + data[80:]

    assert "damaged or incomplete" in rejection(corrupted, "a.png")


def test_file_over_the_byte_limit_is_rejected(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100_000
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 200_000

    message = rejection(buffer.getvalue(), "a.png")

    assert "the limit is 0.1 MB. Please upload a smaller image" in message


def test_file_over_the_byte_limit_is_rejected_even_if_its_size_is_misreported(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    file = upload(b"\xff\xd8\xff" + b"\0" * 5000)
    file.size = 10

    with pytest.raises(ValidationError, match="larger than the limit"):
        clean_uploaded_image(file)


def test_decompression_bomb_is_rejected_before_decoding():
    # 20000 x 20000 pixels of one colour compress to a few hundred kilobytes.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < 5 * 1024 * 1024

    assert "too many pixels (the limit is 24 million)" in rejection(buffer.getvalue(), "a.png")


def test_image_just_over_a_lowered_pixel_limit_is_rejected(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100 * 100 - 1

    assert "too many pixels" in rejection(image_bytes("PNG", size=(100, 100)), "a.png")


def test_jpeg_with_a_zip_archive_appended_is_rejected():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.txt", "anything")
    polyglot = image_bytes("JPEG") + archive.getvalue()
    with Image.open(io.BytesIO(polyglot)) as image:
        image.load()  # Pillow alone would accept it

    assert "extra data hidden after its end" in rejection(polyglot)


def test_jpeg_with_a_pdf_appended_is_rejected():
    polyglot = image_bytes("JPEG") + b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"

    assert "extra data hidden after its end" in rejection(polyglot)


def test_gif_with_a_script_in_its_comment_is_rejected():
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, format="GIF", comment=b"<script>alert('gif')</script>")

    assert "contains web page code" in rejection(buffer.getvalue(), "a.gif")


def test_jpeg_with_html_in_its_comment_is_rejected():
    polyglot = image_bytes("JPEG", comment=b"<html><body onload=alert(1)>")

    assert "contains web page code" in rejection(polyglot)


def test_form_mixin_replaces_a_new_upload_with_its_safe_copy_or_reports_the_error():
    from django import forms

    from articles.uploads import VerifiedImagesFormMixin

    class PhotoForm(VerifiedImagesFormMixin, forms.Form):
        verified_image_fields = ("photo",)
        photo = forms.ImageField()

    good = PhotoForm(files={"photo": upload(jpeg_with_gps_and_orientation(), "me.jpg")})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["photo"].name.endswith(".jpg")
    assert b"Example Camera Maker" not in good.cleaned_data["photo"].read()

    archive = image_bytes("JPEG") + b"PK\x05\x06" + b"\0" * 18
    bad = PhotoForm(files={"photo": upload(archive, "me.jpg")})
    assert not bad.is_valid()
    assert "extra data hidden after its end" in bad.errors["photo"][0]
