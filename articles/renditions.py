"""Responsive renditions of hero images: WebP with a JPEG fallback, a few widths each.

Made with Pillow the first time a page needs them and kept on disk under
MEDIA_ROOT/renditions/, so later requests only check that the files exist. The name of a
rendition carries a hash of the original's name, so a replaced image gets new renditions
and browsers never see a stale one.
"""

import hashlib
import logging
import os
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

WIDTHS = (480, 800, 1200)
FORMATS = (("webp", "WEBP", "image/webp"), ("jpg", "JPEG", "image/jpeg"))
QUALITY = {"WEBP": 78, "JPEG": 80}
RENDITIONS_DIR = "renditions"
# The hero spans the text column (44rem at 18px = 792 CSS px) on wide screens.
SIZES = "(min-width: 50rem) 792px, 100vw"


def _widths_for(original_width):
    widths = [width for width in WIDTHS if width < original_width]
    return widths + [min(original_width, WIDTHS[-1])] if len(widths) < len(WIDTHS) else widths


def _rendition_name(file_name, width, extension):
    digest = hashlib.sha256(file_name.encode()).hexdigest()[:12]
    stem = PurePosixPath(file_name).stem[:60]
    return f"{RENDITIONS_DIR}/{stem}-{digest}-{width}.{extension}"


def _write(image, path, image_format):
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never gets a half-written file from a concurrent request.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            image.save(output, image_format, quality=QUALITY[image_format], optimize=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _make(file_name, missing):
    """True when every missing rendition was written, False when the original cannot be
    read, None when it can but the renditions could not be written."""
    source = Path(settings.MEDIA_ROOT) / file_name
    try:
        with Image.open(source) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, UnidentifiedImageError):
        logger.warning("Hero image %s could not be read for renditions", file_name)
        return False
    try:
        for width, image_format, path in missing:
            height = round(image.height * width / image.width)
            resized = (
                image if width == image.width else image.resize((width, height), Image.LANCZOS)
            )
            _write(resized, path, image_format)
    except OSError as error:
        # A full disk or an unwritable folder: the page shows the original instead (and the
        # next request tries again), rather than failing for every reader.
        logger.error("Renditions of %s could not be written: %s", file_name, error.strerror)
        return None
    return True


def hero_picture(image):
    """What a <picture> needs for a snapshot's image data, making missing renditions.

    Returns None when there is no image or its file cannot be read (the page then shows
    no image rather than a broken one).
    """
    if not image or not image.get("file"):
        return None
    file_name = image["file"]
    original_width = int(image.get("width") or 0)
    original_height = int(image.get("height") or 0)
    if original_width <= 0 or original_height <= 0:
        return None
    widths = _widths_for(original_width)
    media_root = Path(settings.MEDIA_ROOT)
    missing = []
    sources = {}
    for extension, image_format, mime in FORMATS:
        candidates = []
        for width in widths:
            name = _rendition_name(file_name, width, extension)
            if not (media_root / name).exists():
                missing.append((width, image_format, media_root / name))
            candidates.append(f"{settings.MEDIA_URL}{name} {width}w")
        sources[extension] = {"type": mime, "srcset": ", ".join(candidates)}
    if missing:
        made = _make(file_name, missing)
        if made is False:
            return None
        if made is None:
            return _original_only(image, file_name, original_width, original_height)
    default_width = widths[min(1, len(widths) - 1)]
    return {
        "webp": sources["webp"],
        "jpeg": sources["jpg"],
        "src": settings.MEDIA_URL + _rendition_name(file_name, default_width, "jpg"),
        "og_image": settings.MEDIA_URL + _rendition_name(file_name, widths[-1], "jpg"),
        "sizes": SIZES,
        "width": original_width,
        "height": original_height,
        "alt": image.get("alt", ""),
    }


def _original_only(image, file_name, width, height):
    """The <picture> data with the original file in every place a rendition would be."""
    url = settings.MEDIA_URL + file_name
    mime = Image.MIME.get(_FORMAT_BY_EXTENSION.get(PurePosixPath(file_name).suffix.lower(), ""))
    source = {"type": mime or "image/jpeg", "srcset": f"{url} {width}w"}
    return {
        "webp": source,
        "jpeg": source,
        "src": url,
        "og_image": url,
        "sizes": SIZES,
        "width": width,
        "height": height,
        "alt": image.get("alt", ""),
    }


_FORMAT_BY_EXTENSION = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
