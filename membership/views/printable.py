"""The printable membership form, for those who apply by post or e-mail."""

import functools
from email.utils import parseaddr

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from membership.models import MembershipClass
from membership.pdf import ClassRow, render_membership_form


@require_safe
def membership_form_pdf(request: HttpRequest) -> HttpResponse:
    """This year's classes and dues with the application's fields, as a PDF anyone may download."""
    classes = list(MembershipClass.objects.current())
    if not classes:
        return render(request, "membership/membership_form_unavailable.html", status=503)
    year = classes[0].year
    # With DEBUG on (development) nothing is cached, so an edited template shows at once.
    render_pdf = _render_form if settings.DEBUG else _form_pdf
    pdf = render_pdf(
        tuple(ClassRow(c.name, c.band_label, c.annual_dues, c.is_seeded_default) for c in classes),
        year=year,
        send_to=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        apply_url=f"{settings.PORTAL_URL}{reverse('membership:apply')}",
        language=get_language(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="global-membership-form-{year}.pdf"'
    return response


def _render_form(
    rows: tuple[ClassRow, ...], *, year: int, send_to: str, apply_url: str, language: str | None
) -> bytes:
    """The form from its arguments alone; the language is one too, as rendering uses it."""
    return render_membership_form(rows, year=year, send_to=send_to, apply_url=apply_url)


# Once per process for each set of rows and settings: a changed dues figure is a new entry.
# Rendering takes about half a second; a PDF is about 20 KB.
_form_pdf = functools.lru_cache(maxsize=16)(_render_form)
