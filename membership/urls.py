from django.urls import path

from membership import converters  # noqa: F401  (registers the <id:...> part of the paths below)
from membership.views import applications, editors, evidence, home, printable

app_name = "membership"
urlpatterns = [
    path("", home.home, name="home"),
    path("membership/", applications.dashboard, name="dashboard"),
    path("membership/apply/", applications.apply, name="apply"),
    path("membership/form.pdf", printable.membership_form_pdf, name="membership-form-pdf"),
    path(
        "membership/applications/<id:pk>/",
        applications.application_detail,
        name="application-detail",
    ),
    path(
        "membership/applications/<id:pk>/evidence/<id:evidence_pk>/",
        evidence.evidence_download,
        name="evidence-download",
    ),
    path(
        "membership/applications/<id:pk>/evidence/<id:evidence_pk>/view/",
        evidence.evidence_detail,
        name="evidence-detail",
    ),
    path(
        "membership/applications/<id:pk>/evidence/<id:evidence_pk>/pages/<id:page>.png",
        evidence.evidence_page,
        name="evidence-page",
    ),
    path(
        "membership/applications/<id:pk>/evidence/<id:evidence_pk>/remove/",
        applications.evidence_remove,
        name="evidence-remove",
    ),
    path(
        "membership/applications/<id:pk>/submit/",
        applications.application_submit,
        name="application-submit",
    ),
    path(
        "membership/applications/<id:pk>/withdraw/",
        applications.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "membership/applications/<id:pk>/answer/",
        applications.application_answer,
        name="application-answer",
    ),
    path(
        # After submit/, withdraw/ and answer/, which would otherwise match as steps.
        "membership/applications/<id:pk>/<slug:step>/",
        applications.application_step,
        name="application-step",
    ),
    path(
        "membership/confirm-email/<str:token>/",
        applications.official_email_confirm,
        name="official-email-confirm",
    ),
    path(
        "membership/communities/<slug:slug>/join/",
        editors.join_request_create,
        name="join-request-create",
    ),
    path(
        "membership/join-requests/<id:pk>/<slug:decision>/",
        editors.join_request_decide,
        name="join-request-decide",
    ),
]
