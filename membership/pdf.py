"""The printable membership form: a pure renderer from class rows to PDF bytes.

It reads no database and no request, so it is tested directly and its output can be cached by
its arguments alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.template.loader import render_to_string
from weasyprint import HTML

from membership.models import Application, Community, Evidence

TEMPLATE = "membership/membership_form_pdf.html"


class ClassRow(NamedTuple):
    """What the form shows of a membership class; immutable, so it can be a cache key."""

    name: str
    band_label: str
    annual_dues: Decimal
    is_seeded_default: bool


def render_membership_form(
    classes: Sequence[ClassRow], *, year: int, send_to: str, apply_url: str
) -> bytes:
    """The membership application on paper, with this year's classes and dues, as a PDF.

    `send_to` is the e-mail address completed forms go to; `apply_url` the online application,
    which the form recommends as the faster way. Strings follow the active language.
    """
    html = render_to_string(
        TEMPLATE,
        {
            "classes": classes,
            "year": year,
            "has_seeded_rates": any(row.is_seeded_default for row in classes),
            "send_to": send_to,
            "apply_url": apply_url,
            "kinds": Community.Kind.choices,
            "roles": Application.Role.choices,
            "evidence_kinds": Evidence.Kind.choices,
        },
    )
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None  # write_pdf() returns bytes when given no target
    return pdf
