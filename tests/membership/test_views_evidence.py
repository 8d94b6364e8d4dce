"""Reading an uploaded document in the browser: an image as it is, a PDF's pages as pictures."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from weasyprint import HTML

from membership.models import Application, Evidence
from membership.previews import MAX_PAGES, PAGE_WIDTH, PreviewError, render_pdf_page
from tests.directory.pages import attr, find_all, parse
from tests.factories import (
    PDF_BYTES,
    ApplicationFactory,
    EvidenceFactory,
    StaffFactory,
    UserFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def blank_pages(count: int) -> bytes:
    """A PDF of `count` blank A4 pages."""
    kids = " ".join(f"{3 + n} 0 R" for n in range(count))
    pages = b"".join(
        f"{3 + n} 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n".encode()
        for n in range(count)
    )
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        + f"2 0 obj<</Type/Pages/Kids[{kids}]/Count {count}>>endobj\n".encode()
        + pages
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def letter_pdf() -> bytes:
    """A one-page letter whose upper half is a black block, so its picture cannot be blank."""
    return HTML(
        string="<style>@page{size:A4;margin:0}div{height:148mm;background:#000}</style><div></div>"
    ).write_pdf()


def document_pictures(response: Any) -> list[tuple[str | None, str | None]]:
    """The (src, alt) of each picture of the document on the page."""
    return [
        (attr(img, "src"), attr(img, "alt"))
        for img in find_all(parse(response), "img")
        if "/evidence/" in (attr(img, "src") or "")
    ]


def page_url(evidence: Evidence, page: int) -> str:
    return reverse(
        "membership:evidence-page",
        kwargs={"pk": evidence.application_id, "evidence_pk": evidence.pk, "page": page},
    )


@pytest.fixture
def application(applicant: Any) -> Application:
    return ApplicationFactory(applicant=applicant, submitted=True)


def pdf_evidence(application: Application, data: bytes, name: str = "letter.pdf") -> Evidence:
    return EvidenceFactory(
        application=application,
        original_name=name,
        size=len(data),
        file=ContentFile(data, name=name),
    )


# The renderer ----------------------------------------------------------------------------


def test_a_page_is_drawn_at_reading_width_with_what_is_printed_on_it():
    png = render_pdf_page(letter_pdf(), page_number=1)

    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == PAGE_WIDTH
    assert image.height == pytest.approx(PAGE_WIDTH * 842 / 595, abs=2)
    assert image.getpixel((PAGE_WIDTH // 2, 10)) < 40  # the black block, at the top
    assert image.getpixel((PAGE_WIDTH // 2, image.height - 10)) > 215  # white paper below


@pytest.mark.parametrize("page", [0, 2, MAX_PAGES + 1])
def test_a_page_that_is_not_there_is_refused(page: int):
    with pytest.raises(PreviewError):
        render_pdf_page(blank_pages(MAX_PAGES + 1) if page > 2 else PDF_BYTES, page_number=page)


def test_a_damaged_pdf_is_refused_not_crashed_on():
    with pytest.raises(PreviewError):
        render_pdf_page(b"%PDF-1.4\nnot really a PDF\n%%EOF\n", page_number=1)


# The page that shows a document ----------------------------------------------------------


def test_the_applicant_reads_each_page_of_a_pdf(signed_in: Client, application: Application):
    evidence = pdf_evidence(application, blank_pages(3), name="Beschluss des Rates.pdf")

    response = signed_in.get(evidence.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert document_pictures(response) == [
        (page_url(evidence, n), f"Page {n} of 3") for n in (1, 2, 3)
    ]
    assert "Beschluss des Rates.pdf" in html
    assert "3 pages" in html
    assert f'href="{evidence.get_download_url()}"' in html
    assert f'href="{application.get_absolute_url()}"' in html  # back to the application


def test_a_page_picture_is_a_png_served_privately(signed_in: Client, application: Application):
    evidence = pdf_evidence(application, letter_pdf())

    response = signed_in.get(page_url(evidence, 1))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.content)).width == PAGE_WIDTH


def test_a_long_pdf_shows_its_first_pages_and_says_so(signed_in: Client, application: Application):
    evidence = pdf_evidence(application, blank_pages(MAX_PAGES + 2))

    response = signed_in.get(evidence.get_absolute_url())

    assert len(document_pictures(response)) == MAX_PAGES
    assert f"The first {MAX_PAGES} pages are shown" in response.content.decode()
    assert signed_in.get(page_url(evidence, MAX_PAGES + 1)).status_code == 404


def test_a_pdf_that_cannot_be_drawn_is_offered_for_download(
    signed_in: Client, application: Application
):
    evidence = pdf_evidence(application, b"%PDF-1.4\nnot really a PDF\n%%EOF\n")

    response = signed_in.get(evidence.get_absolute_url())

    assert response.status_code == 200
    assert "This PDF cannot be shown here. Download it to read it." in response.content.decode()
    assert signed_in.get(page_url(evidence, 1)).status_code == 404


def test_an_image_is_shown_on_the_page_as_it_is(signed_in: Client, application: Application):
    evidence = EvidenceFactory(
        application=application,
        original_name="stamp.png",
        content_type=Evidence.ContentType.PNG,
        file=ContentFile(png_bytes(), name="stamp.png"),
    )

    response = signed_in.get(evidence.get_absolute_url())

    assert document_pictures(response) == [
        (evidence.get_download_url(), "The uploaded image stamp.png")
    ]
    assert signed_in.get(page_url(evidence, 1)).status_code == 404  # pages are for PDFs


def test_staff_reviewing_applications_read_it_with_a_link_to_the_admin(
    client: Client, application: Application
):
    evidence = pdf_evidence(application, PDF_BYTES)
    client.force_login(StaffFactory())

    response = client.get(evidence.get_absolute_url())

    assert response.status_code == 200
    admin_url = reverse("admin:membership_application_change", args=[application.pk])
    assert f'href="{admin_url}"' in response.content.decode()
    assert client.get(page_url(evidence, 1)).status_code == 200


@pytest.mark.parametrize("who", ["another user", "staff without the permission"])
def test_others_get_not_found(client: Client, application: Application, who: str):
    evidence = pdf_evidence(application, PDF_BYTES)
    client.force_login(UserFactory() if who == "another user" else StaffFactory(may_decide=False))

    assert client.get(evidence.get_absolute_url()).status_code == 404
    assert client.get(page_url(evidence, 1)).status_code == 404


def test_a_forged_number_in_the_address_is_not_found(signed_in: Client, application: Application):
    evidence = pdf_evidence(application, PDF_BYTES)
    base = f"/membership/applications/{application.pk}/evidence/{evidence.pk}"

    for path in (
        f"{base}/pages/99999999999999999999999.png",
        f"{base}/pages/-1.png",
        f"/membership/applications/{application.pk}/evidence/123456789012345678901234/view/",
    ):
        assert signed_in.get(path).status_code == 404, path
