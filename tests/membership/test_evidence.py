"""Evidence files are judged by their content, not their name."""

import io

import pytest
import weasyprint  # noqa: F401  (it tells Pillow to accept truncated images: ours must not)
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from membership.evidence import MAX_EVIDENCE_BYTES, check_evidence_file
from tests.factories import PDF_BYTES, png_bytes


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("letter.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("scan.png", png_bytes(), "image/png", ".png"),
        ("photo.jpeg", jpeg_bytes(), "image/jpeg", ".jpg"),
        # The name is not what counts: a PNG saved as .pdf is still a PNG.
        ("letter.pdf", png_bytes(), "image/png", ".png"),
        ("SCAN", jpeg_bytes(), "image/jpeg", ".jpg"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_by_content(name, content, content_type, suffix) -> None:
    checked = check_evidence_file(SimpleUploadedFile(name, content))

    assert (checked.content_type, checked.suffix) == (content_type, suffix)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("letter.pdf", b"<!DOCTYPE html><html><body>hi</body></html>", "unsupported_type"),
        ("scan.png", b"just some text", "unsupported_type"),
        ("letter.docx", b"PK\x03\x04" + b"\x00" * 100, "unsupported_type"),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "unsupported_type"),
        ("letter.pdf", b"", "empty_file"),
        ("letter.pdf", PDF_BYTES[:-8], "damaged_pdf"),
        (
            "letter.pdf",
            PDF_BYTES.replace(b"trailer<<", b"trailer<</Encrypt 3 0 R"),
            "encrypted_pdf",
        ),
        ("scan.png", png_bytes()[:40], "damaged_image"),
        ("scan.png", png_bytes((64, 64))[:-20], "damaged_image"),
        ("photo.jpg", jpeg_bytes()[:30], "damaged_image"),
        ("photo.jpg", jpeg_bytes()[: len(jpeg_bytes()) // 2], "damaged_image"),
        # A PDF header and end marker around a web page, or around half a letter, are not a PDF.
        ("letter.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n", "damaged_pdf"),
        ("letter.pdf", PDF_BYTES[: len(PDF_BYTES) // 2] + b"\n%%EOF\n", "damaged_pdf"),
        # A web page that names the PDF header further in is still a web page.
        ("letter.pdf", b"<html><!-- %PDF-1.4 --></html>\n%%EOF", "unsupported_type"),
    ],
)
def test_other_and_damaged_files_are_refused_with_a_reason(name, content, code) -> None:
    with pytest.raises(ValidationError) as excinfo:
        check_evidence_file(SimpleUploadedFile(name, content))

    assert excinfo.value.code == code
    assert excinfo.value.messages[0].endswith(".")


def test_a_file_over_ten_megabytes_is_refused_with_its_size() -> None:
    content = PDF_BYTES[:-6] + b" " * (MAX_EVIDENCE_BYTES - len(PDF_BYTES) + 1) + b"%%EOF\n"
    assert len(content) == MAX_EVIDENCE_BYTES + 1

    with pytest.raises(ValidationError) as excinfo:
        check_evidence_file(SimpleUploadedFile("letter.pdf", content))

    assert excinfo.value.code == "file_too_large"
    assert "10.0\xa0MB" in excinfo.value.messages[0]


def test_a_file_of_exactly_ten_megabytes_is_accepted() -> None:
    content = PDF_BYTES[:-6] + b" " * (MAX_EVIDENCE_BYTES - len(PDF_BYTES)) + b"%%EOF\n"
    assert len(content) == MAX_EVIDENCE_BYTES

    assert (
        check_evidence_file(SimpleUploadedFile("letter.pdf", content)).content_type
        == "application/pdf"
    )


def test_an_image_of_absurd_dimensions_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 9_000)).save(buffer, "PNG")

    with pytest.raises(ValidationError) as excinfo:
        check_evidence_file(SimpleUploadedFile("scan.png", buffer.getvalue()))

    assert excinfo.value.code == "damaged_image"
