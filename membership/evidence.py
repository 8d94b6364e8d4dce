"""Checking an uploaded evidence file by what it contains, whatever its name says.

A PDF must start with `%PDF-`, end with an `%%EOF` marker and open in PDFium (the reader that
draws its pages for staff) with at least one page; a PNG or JPEG must be an image Pillow can
read to the end. Anything else (a web page named letter.pdf, a truncated scan, a
file over 10 MB) is refused with a message that says what was wrong.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from membership.previews import PreviewError, count_pages

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
SUFFIXES = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
# A scan larger than this many pixels is more likely a decompression bomb than a letter.
MAX_IMAGE_PIXELS = 80_000_000


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    suffix: str


def sniff_content_type(head: bytes) -> str | None:
    """The type the first bytes announce, or None when they are none of PDF, PNG or JPEG."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def check_evidence_file(upload: UploadedFile) -> CheckedFile:
    """Accept a PDF, PNG or JPEG of at most 10 MB, judged by its content; else ValidationError."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty_file")
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is 10 MB. A scan at 150 dpi is usually enough.")
            % {"size": filesizeformat(size)},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(2048)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            _(
                "This file is not a PDF, PNG or JPEG, whatever its name says. "
                "Save or scan the letter as one of those and upload it again."
            ),
            code="unsupported_type",
        )
    if content_type == PDF:
        _check_pdf(upload, size)
    else:
        _check_image(upload, content_type)
    upload.seek(0)
    return CheckedFile(content_type=content_type, suffix=SUFFIXES[content_type])


def _check_pdf(upload: UploadedFile, size: int) -> None:
    upload.seek(max(0, size - 2048))
    tail = upload.read()
    if b"%%EOF" not in tail:
        raise ValidationError(
            _("This PDF is incomplete or damaged (it has no end). Save it again and re-upload it."),
            code="damaged_pdf",
        )
    upload.seek(0)
    data = upload.read(MAX_EVIDENCE_BYTES)
    if b"/Encrypt" in data:
        raise ValidationError(
            _("This PDF is password-protected, so staff could not read it. Upload it unprotected."),
            code="encrypted_pdf",
        )
    try:
        pages = count_pages(data)
    except PreviewError:
        pages = 0
    if pages == 0:
        # A web page or half a file behind a PDF header, say: it would look like a letter in
        # the list but show nothing.
        raise ValidationError(
            _("This PDF is damaged and cannot be opened. Save it again and re-upload it."),
            code="damaged_pdf",
        )


# What the last bytes of a complete image are: PNG's IEND chunk, JPEG's end-of-image marker.
# Checked here because Pillow may be told, process-wide, to accept truncated images (WeasyPrint
# does so when it is imported).
IMAGE_ENDINGS = {PNG: b"IEND\xaeB`\x82", JPEG: b"\xff\xd9"}


def _check_image(upload: UploadedFile, content_type: str) -> None:
    upload.seek(max(0, (upload.size or 0) - 64))
    if not upload.read().rstrip(b"\x00").endswith(IMAGE_ENDINGS[content_type]):
        raise ValidationError(
            _("This image is incomplete (it has no end). Scan or save it again and re-upload it."),
            code="damaged_image",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                expected = "PNG" if content_type == PNG else "JPEG"
                if image.format != expected:
                    raise UnidentifiedImageError(image.format)
                image.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise ValidationError(
            _(
                "This image is damaged or too large to open. Scan or save it again and re-upload it."
            ),
            code="damaged_image",
        ) from error
