"""Checks every uploaded image before it is stored: real image, size and pixel limits,
metadata removed, random file name. And the storage that writes uploads all or nothing.

An upload is only ever stored as a fresh encoding of its pixels, so whatever else the
original carried (GPS position in EXIF, XMP, comments, a hidden archive or script) is gone
even if a check here missed it. The checks exist so staff get a clear reason instead.
"""

import contextlib
import errno
import io
import logging
import os
import re
import tempfile
import threading
import uuid
import warnings
import weakref
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

ACCEPTED = "JPEG, PNG, WebP or GIF"

# Leading bytes of each accepted format, and what a well-formed file of it ends with.
_MAGIC = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "GIF": (b"GIF87a", b"GIF89a"),
}
_EXTENSIONS = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "PNG": {".png"},
    "GIF": {".gif"},
    "WEBP": {".webp"},
}
# What each format is stored as. A GIF keeps its first frame only, as a PNG.
_OUTPUT = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "GIF": ("PNG", "png"),
           "WEBP": ("WEBP", "webp")}  # fmt: skip
# Markup that turns an image into something a browser might run if it ever sniffed it. The tag
# must be followed by a tag-ending character, which keeps chance matches in compressed pixel
# data rare; a refused photo passes once re-saved, and the re-encoding below is the real guard.
_MARKUP = re.compile(rb"<(?:script|svg|html|iframe|body|\?php|!doctype)[\s/>]", re.IGNORECASE)

# Pillow's own guard (a warning above the limit, an error at twice it) backs up ours.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_UPLOAD_MAX_PIXELS


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB"


def _sniff_format(data):
    for name, prefixes in _MAGIC.items():
        if data.startswith(prefixes):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _ends_cleanly(image_format, data):
    """True when nothing follows the format's end marker (where archives hide in polyglots)."""
    if image_format == "JPEG":
        return data.endswith(b"\xff\xd9")
    if image_format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")
    if image_format == "GIF":
        return data.endswith(b"\x3b")
    return int.from_bytes(data[4:8], "little") + 8 == len(data)


def _check_bytes(data, name):
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    if _sniff_format(data) is None and re.search(rb"<svg[\s>]", data[:4096], re.IGNORECASE):
        raise ValidationError(
            f"SVG images are not accepted, because they can carry scripts. "
            f"Please upload a {ACCEPTED} image.",
            code="svg",
        )
    image_format = _sniff_format(data)
    if image_format is None:
        raise ValidationError(
            f"This file is not a {ACCEPTED} image. Please upload a photo or picture in one "
            f"of those formats.",
            code="not_an_image",
        )
    extension = PurePath(name or "").suffix.lower()
    known = set().union(*_EXTENSIONS.values())
    if extension in known and extension not in _EXTENSIONS[image_format]:
        raise ValidationError(
            f"The file is named '{extension}' but is really a {image_format} image. Rename it "
            f"or save it again in the right format.",
            code="wrong_extension",
        )
    if _MARKUP.search(data):
        raise ValidationError(
            "This image contains web page code (HTML or script) and was refused. Open it in "
            "an image editor, save it again and upload the new copy.",
            code="markup",
        )
    return image_format


def _open_verified(data, image_format):
    """Open, verify and fully decode the image; translate every failure into a message."""
    limit = settings.IMAGE_UPLOAD_MAX_PIXELS
    too_big = ValidationError(
        f"The image has too many pixels (the limit is {limit / 1_000_000:g} million). "
        f"Please make it smaller and upload it again.",
        code="too_many_pixels",
    )
    broken = ValidationError(
        "The image is damaged or incomplete (perhaps the upload was cut off). "
        "Please upload it again.",
        code="broken",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                # Pillow calls multi-picture JPEGs from some phone cameras "MPO".
                if probe.format not in {image_format, "MPO" if image_format == "JPEG" else None}:
                    raise broken
                if probe.width * probe.height > limit:
                    raise too_big
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.seek(0)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    return image


def _reencode(image, image_format):
    """Fresh pixels only: orientation applied, every metadata block (EXIF, XMP, ICC) dropped."""
    # Each step drops the previous picture at once: at the pixel limit one RGB copy is
    # 72 MB, and a worker should hold as few of them as it can.
    upright = ImageOps.exif_transpose(image)
    output_format, extension = _OUTPUT[image_format]
    has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
    if output_format == "JPEG":
        mode = "L" if upright.mode == "L" else "RGB"
    else:
        mode = "RGBA" if has_alpha else ("L" if upright.mode == "L" else "RGB")
    converted = upright if upright.mode == mode else upright.convert(mode)
    del upright
    image.close()
    # Pixels pasted into a new picture: no metadata of the original can come along.
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    del converted
    buffer = io.BytesIO()
    options = {"quality": 90} if output_format in {"JPEG", "WEBP"} else {}
    clean.save(buffer, format=output_format, **options)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def clean_uploaded_image(uploaded_file):
    """Return a safe copy of `uploaded_file`, or raise ValidationError with a clear message.

    Accepts JPEG, PNG, WebP and GIF (first frame) within IMAGE_UPLOAD_MAX_BYTES and
    IMAGE_UPLOAD_MAX_PIXELS. The copy is re-encoded from pixels, upright, with no metadata,
    under a random name (uuid4 hex plus the format's extension).
    """
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"The file is {_megabytes(size)}; the limit is {_megabytes(limit)}. "
            f"Please upload a smaller image.",
            code="too_large",
        )
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    # Back to the start: a form shown again (a refused save) checks the same upload again.
    uploaded_file.seek(0)
    if len(data) > limit:
        raise ValidationError(
            f"The file is larger than the limit of {_megabytes(limit)}. "
            f"Please upload a smaller image.",
            code="too_large",
        )
    image_format = _check_bytes(data, getattr(uploaded_file, "name", ""))
    image = _open_verified(data, image_format)
    if not _ends_cleanly(image_format, data):
        image.close()
        raise ValidationError(
            "This image has extra data hidden after its end (for example an archive). Open it "
            "in an image editor, save it again and upload the new copy.",
            code="trailing_data",
        )
    with image:
        return _reencode(image, image_format)


class VerifiedImagesFormMixin:
    """For ModelForms with image fields: every new upload goes through clean_uploaded_image.

    List the fields in `verified_image_fields`, e.g. ("photo",). An unchanged image (the one
    already stored) is left alone; a new one is replaced by its safe copy or gets the message.
    """

    verified_image_fields = ()

    def clean(self):
        cleaned_data = super().clean()
        for name in self.verified_image_fields:
            value = cleaned_data.get(name)
            if isinstance(value, UploadedFile):
                try:
                    cleaned_data[name] = clean_uploaded_image(value)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned_data


# All-or-nothing writes (issue 18) -----------------------------------------------------------

UPLOAD_NOT_STORED = (
    "The file could not be stored: the server has no room for it (or its folder cannot be "
    "written). Nothing was saved. Please try again later, and tell the site's administrator."
)
_uncommitted = threading.local()
# Files saved inside a transaction that has not committed yet: {real path: temporary path}.
# The saving code reads them back before the commit (an image's width and height, for the
# version's snapshot), and their names count as taken.
_awaiting_commit = {}


class FileNotStored(OSError):
    """Writing an upload failed (disk full, no permission); nothing of it is left behind."""


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that never leaves a partial or orphan file.

    Each file is written in full under a temporary name beside its place (``.*.part``) and
    flushed to disk. Saved inside a transaction (every admin save, any script's
    `transaction.atomic()`), it is linked to its real name only when that transaction
    commits, so no file appears before the row that names it exists; if the transaction (or
    the savepoint around the save) rolls back instead, the temporary file is removed, in a
    request or not. Saved outside a transaction (autocommit: the editor's own upload, whose
    file is the whole of the change), it is linked at once. A full disk or a killed worker
    leaves no truncated file under a name a row could point to.
    """

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
        except OSError as error:
            raise FileNotStored(error.errno, UPLOAD_NOT_STORED) from error
        try:
            with os.fdopen(handle, "wb") as output:
                for chunk in content.chunks():
                    output.write(chunk.encode() if isinstance(chunk, str) else chunk)
                output.flush()
                os.fsync(output.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            if _in_transaction():
                _awaiting_commit[full_path] = temporary
                transaction.on_commit(_LinkOnCommit(temporary, full_path))
            else:
                full_path = self._link_into_place(temporary, name, full_path)
                together = getattr(_uncommitted, "together", None)
                if together is not None:
                    together.append(full_path)
        except OSError as error:
            _remove(temporary)
            raise FileNotStored(error.errno, UPLOAD_NOT_STORED) from error
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _open(self, name, mode="rb"):
        awaiting = _awaiting_commit.get(self.path(name))
        if awaiting is not None:
            return File(open(awaiting, mode), name)  # noqa: SIM115 (the File owns it)
        return super()._open(name, mode)

    def exists(self, name):
        return self.path(name) in _awaiting_commit or super().exists(name)

    def _link_into_place(self, temporary, name, full_path):
        """A hard link never replaces a file already there (names taken meanwhile move on)."""
        while True:
            try:
                _link(temporary, full_path)
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
            else:
                return full_path


def _in_transaction():
    """Whether a save now belongs to a transaction that may still roll back. The atomic
    blocks a TestCase wraps each test in stand for autocommit here, as they do for Django's
    own durable check: they never commit."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and not all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def _link(temporary, full_path):
    """Give the complete file its real name (FileExistsError if the name is taken), and drop
    the temporary one."""
    try:
        os.link(temporary, full_path)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in {errno.EPERM, errno.ENOTSUP, errno.EXDEV}:
            raise
        # A file system without hard links: a rename, which is just as atomic (and replaces
        # a file of the same name, which the random names make as good as impossible).
        os.rename(temporary, full_path)
        return
    _remove(temporary)


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class _LinkOnCommit:
    """The on-commit callback of one saved file. Django drops the callbacks of a transaction
    or savepoint that rolls back; when this one is dropped uncalled, the finalizer removes the
    temporary file (and after the call, finds it gone)."""

    def __init__(self, temporary, full_path):
        self.temporary, self.full_path = temporary, full_path
        weakref.finalize(self, _forget, temporary, full_path)

    def __call__(self):
        _awaiting_commit.pop(self.full_path, None)
        try:
            _link(self.temporary, self.full_path)
        except OSError as error:
            # The row is committed: say loudly that its file is missing.
            logger.error(
                "A committed upload could not be put in place (%s): %s",
                os.strerror(error.errno or 0),
                self.full_path,
            )
            _remove(self.temporary)


def _forget(temporary, full_path):
    if _awaiting_commit.get(full_path) == temporary:
        del _awaiting_commit[full_path]
    _remove(temporary)


@contextlib.contextmanager
def saved_together():
    """Files saved inside are kept only if every save succeeds (an image and its thumbnail).
    For saves outside a transaction; inside one, the transaction decides."""
    saved, previous = [], getattr(_uncommitted, "together", None)
    _uncommitted.together = saved
    try:
        yield
    except BaseException:
        for full_path in saved:
            _remove(full_path)
        raise
    finally:
        _uncommitted.together = previous


class FileNotStoredMiddleware:
    """A clear 507 page, not a 500, when a staff form's upload could not be written.

    The admin's transaction is rolled back by then, so nothing of the save is kept; the
    editor's own upload view answers in CKEditor's format before this is reached.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, FileNotStored):
            return None
        logger.error("An upload could not be stored: %s", os.strerror(exception.errno or 0))
        html = render_to_string(
            "articles/upload_not_stored.html", {"message": UPLOAD_NOT_STORED}, request=request
        )
        return HttpResponse(html, status=507)
