"""The printable membership form: the pure renderer, and its download for anyone."""

import logging
import subprocess  # nosec B404: runs poppler's pdftotext on bytes we made
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import MembershipClass
from membership.pdf import ClassRow, render_membership_form

ROWS = (
    ClassRow("Small Towns", "under 30,000", Decimal("275.00"), False),
    ClassRow("Middle Towns", "30,000 – 299,999", Decimal("640.50"), True),
    ClassRow("Big Cities", "300,000 and more", Decimal("1250.00"), False),
)

# Every field of the online application (Application and its Community), as the form labels it.
FIELD_LABELS = [
    # Community
    "Name in Latin script",
    "Name in its own script",
    "Kind of community",
    "City or town",
    "District",
    "County",
    "Province, state or region",
    "Other community",
    "Country",
    "Region or province",
    # Population
    "Population (number of people)",
    "Source of the figure",
    "Year",
    # Who is applying
    "Government employee",
    "Elected official",
    "Organization recognized by the local government as its sister city program",
    "Title or position",
    "Office, department or organization",
    "Official e-mail address",
    # Evidence
    "letter on official letterhead",
    "Letter of appointment or recognition",
    "Other official document",
    # Contacts
    "Primary contact",
    "Phone",
    "Billing contact",
    "Same as the primary contact",
    "Postal address for invoices",
    # Terms and signature
    "Dues are payable every year, on invoice.",
    "The member keeps its profile information accurate.",
    "The association may publish the member's listing in the Annual Membership Directory.",
    "Each member community has one vote at the annual meeting.",
    "I accept the membership terms.",
    "Signature",
    "Name of the person signing",
    "Date",
]


def pdf_text(pdf: bytes, *, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text as poppler lays it out (a table row on one line), with runs of white
    space made single spaces."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(  # noqa: S603  # nosec B603: fixed arguments, our own bytes
        ["/usr/bin/pdftotext", "-layout", *pages, "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode().split())


def render(rows: tuple[ClassRow, ...] = ROWS, **kwargs: object) -> bytes:
    arguments: dict = {
        "year": 2031,
        "send_to": "members@association.example.org",
        "apply_url": "https://portal.example.org/membership/apply/",
        **kwargs,
    }
    return render_membership_form(rows, **arguments)


@pytest.fixture(scope="module")
def form_text() -> str:
    return pdf_text(render())


def test_the_form_is_a_pdf_titled_for_its_year() -> None:
    pdf = render()

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Global Membership application" in text
    assert "Membership year 2031" in text


def test_the_form_lists_each_class_with_its_band_and_dues(form_text: str) -> None:
    assert "Membership classes and annual dues for 2031" in form_text
    assert "Small Towns under 30,000 US$ 275" in form_text
    assert "Middle Towns 30,000 – 299,999 US$ 640.50" in form_text
    assert "Big Cities 300,000 and more US$ 1,250" in form_text


def test_a_seeded_default_rate_is_marked_as_still_to_be_confirmed(form_text: str) -> None:
    assert "US$ 640.50 *" in form_text
    assert "US$ 275 *" not in form_text
    assert "* A default rate, still to be confirmed" in form_text


def test_confirmed_rates_carry_no_default_note() -> None:
    confirmed = tuple(row._replace(is_seeded_default=False) for row in ROWS)

    text = pdf_text(render(confirmed))

    assert "default rate" not in text
    assert "*" not in text


def test_the_form_says_who_may_apply(form_text: str) -> None:
    assert "Who may apply" in form_text
    assert "a government employee" in form_text
    assert "an elected official" in form_text
    assert (
        "an organization formally recognized by the local government as the representative "
        "of its sister city program" in form_text
    )


@pytest.mark.parametrize("label", FIELD_LABELS)
def test_the_form_has_every_field_of_the_online_application(form_text: str, label: str) -> None:
    assert label in form_text


def test_the_form_says_where_to_send_it_and_that_applying_online_is_faster(
    form_text: str,
) -> None:
    assert "members@association.example.org" in form_text
    assert "Applying online is faster: https://portal.example.org/membership/apply/" in form_text


def test_the_form_starts_with_the_classes_and_fields_follow_on_later_pages() -> None:
    pdf = render()

    first_page = pdf_text(pdf, first=1, last=1)
    assert "Big Cities" in first_page
    assert "Where to send this form" in first_page
    assert "Signature" in pdf_text(pdf, first=2)


def test_the_form_prints_every_character_it_uses(caplog: pytest.LogCaptureFixture) -> None:
    """Text in a font without the glyph prints as empty boxes, which pdftotext cannot see."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render((*ROWS, ClassRow("Klasse Ü – Groß", "über 1.000", Decimal("9.99"), True)))

    assert not [r for r in caplog.records if "notdef" in r.getMessage()]


# The download


@pytest.mark.django_db
def test_anyone_downloads_the_form_with_this_years_classes(
    client: Client, default_classes: None
) -> None:
    year = timezone.localdate().year

    response = client.get(reverse("membership:membership-form-pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="global-membership-form-{year}.pdf"'
    )
    text = pdf_text(response.content)
    assert f"Membership classes and annual dues for {year}" in text
    assert "Class I under 25,000 US$ 300 *" in text
    assert "Class VII 1,000,000 and more US$ 1,500 *" in text
    assert "membership@localhost" in text  # DEFAULT_FROM_EMAIL's address, without the name
    assert "http://testserver/membership/apply/" in text


@pytest.mark.django_db
def test_new_dues_show_in_the_next_download(
    client: Client, default_classes: None, settings
) -> None:
    settings.DEBUG = False  # the per-process cache is on, as in production
    url = reverse("membership:membership-form-pdf")
    assert "Class IV 100,000 – 249,999 US$ 800 *" in pdf_text(client.get(url).content)

    class_iv = MembershipClass.objects.current().get(name="Class IV")
    class_iv.annual_dues = Decimal("875.00")
    class_iv.is_seeded_default = False
    class_iv.save()

    text = pdf_text(client.get(url).content)
    assert "Class IV 100,000 – 249,999 US$ 875" in text
    assert "US$ 800" not in text
    assert "US$ 875 *" not in text


@pytest.mark.django_db
def test_without_classes_the_page_says_the_form_is_not_available_yet(client: Client) -> None:
    response = client.get(reverse("membership:membership-form-pdf"))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "The printable membership form is not available yet" in response.content.decode()


@pytest.mark.django_db
def test_the_form_cannot_be_posted_to(client: Client, default_classes: None) -> None:
    response = client.post(reverse("membership:membership-form-pdf"))

    assert response.status_code == 405


@pytest.mark.django_db
def test_the_home_page_links_to_the_printable_form(client: Client, default_classes: None) -> None:
    response = client.get(reverse("membership:home"))

    assert f'href="{reverse("membership:membership-form-pdf")}"' in response.content.decode()


@pytest.mark.django_db
def test_the_home_page_offers_no_form_before_the_dues_are_published(client: Client) -> None:
    response = client.get(reverse("membership:home"))

    assert reverse("membership:membership-form-pdf") not in response.content.decode()
