"""Evidence files, for their applicant and for staff: the file itself, and the pages of a PDF
drawn as pictures so that a letter is read in the browser without opening the file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from membership.evidence import JPEG, SUFFIXES
from membership.models import Evidence
from membership.previews import MAX_PAGES, PreviewError, count_pages, render_pdf_page

REVIEWER_PERMISSIONS = ("membership.view_application", "membership.change_application")


def _get_evidence_for_viewer(request: HttpRequest, pk: int, evidence_pk: int) -> Evidence:
    """Evidence for its applicant, or for staff who may view or change applications (as the
    admin shows them the application); else not found."""
    user = request.user
    evidence = get_object_or_404(
        Evidence.objects.select_related("application__community"),
        pk=evidence_pk,
        application_id=pk,
    )
    is_reviewer = (
        user.is_active
        and user.is_staff
        and any(user.has_perm(permission) for permission in REVIEWER_PERMISSIONS)
    )
    if evidence.application.applicant_id != user.pk and not is_reviewer:
        raise Http404
    return evidence


def _private(response: HttpResponseBase) -> HttpResponseBase:
    """Uploaded bytes are never sniffed into HTML, cached, or run as the portal."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Set here, so the CSP middleware leaves it as it is.
    response["Content-Security-Policy"] = "sandbox"
    return response


def _read(evidence: Evidence) -> bytes:
    try:
        with evidence.file.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, ValueError, OSError) as error:
        raise Http404 from error


@require_safe
@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """An image is shown in the browser, sandboxed so that it may not run scripts as the
    portal; a PDF is downloaded, because browsers refuse to show sandboxed PDFs (its pages
    are read on `evidence_detail` instead)."""
    evidence = _get_evidence_for_viewer(request, pk, evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError, OSError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        content_type=evidence.content_type,
        filename=_safe_filename(evidence),
        as_attachment=not evidence.is_image,
    )
    return _private(response)


def _safe_filename(evidence: Evidence) -> str:
    """The uploaded name without control characters or path separators, ending in the type
    the content was checked to be ("letter.exe" is downloaded as "letter.exe.pdf"); Django
    quotes it."""
    name = "".join(c for c in evidence.original_name if c.isprintable() and c not in "/\\")
    name = name.strip(" .") or f"evidence-{evidence.pk}"
    suffixes = (
        {".jpg", ".jpeg"} if evidence.content_type == JPEG else {SUFFIXES[evidence.content_type]}
    )
    if Path(name).suffix.lower() not in suffixes:
        name += SUFFIXES[evidence.content_type]
    return name


@require_safe
@login_required
def evidence_detail(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """The document on a page of its own: an image as it is, a PDF as a picture per page."""
    evidence = _get_evidence_for_viewer(request, pk, evidence_pk)
    pages: range = range(0)
    total = 0
    unreadable = False
    if not evidence.is_image:
        try:
            total = count_pages(_read(evidence))
        except PreviewError:
            unreadable = True
        pages = range(1, min(total, MAX_PAGES) + 1)
    return render(
        request,
        "membership/evidence_detail.html",
        {
            "evidence": evidence,
            "application": evidence.application,
            "pages": pages,
            "total_pages": total,
            "more_pages": total > MAX_PAGES,
            "unreadable": unreadable,
        },
    )


@require_safe
@login_required
def evidence_page(request: HttpRequest, pk: int, evidence_pk: int, page: int) -> HttpResponseBase:
    """One page of a PDF as a PNG picture."""
    evidence = _get_evidence_for_viewer(request, pk, evidence_pk)
    if evidence.is_image:
        raise Http404
    try:
        png = render_pdf_page(_read(evidence), page_number=page)
    except PreviewError as error:
        raise Http404 from error
    return _private(HttpResponse(png, content_type="image/png"))
