"""The applicant's side of an application: steps, evidence, submission, dashboard."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


dashboard = apply = application_detail = application_step = evidence_download = _todo
evidence_remove = application_submit = application_withdraw = application_answer = _todo
official_email_confirm = _todo
