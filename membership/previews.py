"""Pictures of the pages of uploaded PDFs, so that staff read a letter in the browser.

Browsers refuse to show a PDF under the sandbox that evidence is served with, and a PDF shown
unsandboxed would run as the portal; a PNG of each page, drawn here by PDFium, is safe to show
inline. Rendering touches no database or request.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium

# Enough to read a letter on a laptop screen; a page of odd proportions is capped in height.
PAGE_WIDTH = 1000
MAX_PAGE_HEIGHT = 2000
# Staff read the first pages of a letter; a 300-page scan is opened as a file.
MAX_PAGES = 10


class PreviewError(Exception):
    """The PDF could not be drawn (damaged, or a kind PDFium does not read)."""


def count_pages(data: bytes) -> int:
    try:
        return len(pdfium.PdfDocument(data))
    except pdfium.PdfiumError as error:
        raise PreviewError(str(error)) from error


def render_pdf_page(data: bytes, *, page_number: int) -> bytes:
    """Page `page_number` (from 1) of the PDF as PNG bytes, PAGE_WIDTH pixels wide."""
    try:
        document = pdfium.PdfDocument(data)
        if not 1 <= page_number <= min(len(document), MAX_PAGES):
            raise PreviewError(f"no page {page_number}")
        page = document[page_number - 1]
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise PreviewError("a page without size")
        scale = min(PAGE_WIDTH / width, MAX_PAGE_HEIGHT / height)
        image = page.render(scale=scale).to_pil()
    except pdfium.PdfiumError as error:
        raise PreviewError(str(error)) from error
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
