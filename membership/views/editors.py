"""Requests from other officials to become editors of a community, and their decision."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


join_request_create = join_request_decide = _todo
