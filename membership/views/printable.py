"""The printable membership form, for those who apply by post or e-mail."""

from django.http import Http404, HttpRequest, HttpResponse


def membership_form_pdf(request: HttpRequest) -> HttpResponse:
    raise Http404
