"""One function per e-mail of the membership domain: it builds the context and queues it.

Templates are triplets under `templates/membership/emails/`; `sistercities.mail` sends them
after the surrounding transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from membership.models import Application, ApplicationMessage, Editor, JoinRequest
from sistercities.mail import send_templated_mail


def _url(path: str) -> str:
    return f"{settings.PORTAL_URL}{path}"


def _admin_url(application: Application) -> str:
    return _url(reverse("admin:membership_application_change", args=[application.pk]))


def team_addresses() -> list[str]:
    """MEMBERSHIP_TEAM_EMAILS, else the active staff who may decide applications."""
    if settings.MEMBERSHIP_TEAM_EMAILS:
        return list(settings.MEMBERSHIP_TEAM_EMAILS)
    deciders = get_user_model().objects.with_perm(  # type: ignore[attr-defined]
        "membership.decide_application",
        include_superusers=True,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return sorted(
        {user.email for user in deciders.filter(is_active=True, is_staff=True) if user.email}
    )


def _applicant_addresses(application: Application) -> list[str]:
    """The applicant only: the messages link to pages only the applicant can open."""
    return [application.applicant.email]


def _context(application: Application, **extra: Any) -> dict[str, Any]:
    return {
        "application": application,
        "community": application.community,
        "application_url": _url(application.get_absolute_url()),
        "dashboard_url": _url(reverse("membership:dashboard")),
        "apply_url": _url(reverse("membership:apply")),
        **extra,
    }


def send_official_email_confirmation(application: Application, confirm_url: str) -> None:
    send_templated_mail(
        "membership/emails/official_email_confirmation",
        _context(application, confirm_url=confirm_url),
        [application.official_email],
    )


def send_application_received(application: Application, *, resubmitted: bool) -> None:
    send_templated_mail(
        "membership/emails/application_received",
        _context(application, resubmitted=resubmitted),
        _applicant_addresses(application),
    )
    team = team_addresses()
    if team:
        answer = (
            application.messages.filter(from_staff=False).order_by("-created_at", "-pk").first()
            if resubmitted
            else None
        )
        send_templated_mail(
            "membership/emails/application_submitted",
            _context(
                application,
                resubmitted=resubmitted,
                answer=answer,
                admin_url=_admin_url(application),
            ),
            team,
        )


def send_answer_to_team(application: Application, message: ApplicationMessage) -> None:
    team = team_addresses()
    if team:
        send_templated_mail(
            "membership/emails/application_answered",
            _context(application, message=message, admin_url=_admin_url(application)),
            team,
        )


def send_information_requested(application: Application, message: ApplicationMessage) -> None:
    send_templated_mail(
        "membership/emails/information_requested",
        _context(application, message=message),
        _applicant_addresses(application),
    )


def send_population_corrected(application: Application) -> None:
    send_templated_mail(
        "membership/emails/population_corrected",
        _context(application),
        _applicant_addresses(application),
    )


def send_welcome(application: Application) -> None:
    membership = application.membership
    assert membership is not None and application.community is not None
    send_templated_mail(
        "membership/emails/welcome",
        _context(
            application,
            membership=membership,
            dues=getattr(membership, "dues", None),
            profile_url=_url(application.community.get_absolute_url()),
        ),
        _applicant_addresses(application),
    )


def send_withdrawn_by_staff(application: Application, message: ApplicationMessage) -> None:
    send_templated_mail(
        "membership/emails/withdrawn_by_staff",
        _context(application, message=message),
        _applicant_addresses(application),
    )


def send_rejection(application: Application) -> None:
    send_templated_mail(
        "membership/emails/rejection",
        _context(application),
        _applicant_addresses(application),
    )


def send_join_request_received(join_request: JoinRequest) -> None:
    editors = Editor.objects.filter(community=join_request.community).select_related("user")
    recipients = sorted({editor.user.email for editor in editors if editor.user.email})
    send_templated_mail(
        "membership/emails/join_request_received",
        {
            "join_request": join_request,
            "community": join_request.community,
            "to_editors": bool(recipients),
            "decide_url": _url(reverse("membership:dashboard"))
            if recipients
            else _url(reverse("admin:membership_joinrequest_change", args=[join_request.pk])),
        },
        recipients or team_addresses(),
    )


def send_join_request_decided(join_request: JoinRequest) -> None:
    send_templated_mail(
        "membership/emails/join_request_decided",
        {
            "join_request": join_request,
            "community": join_request.community,
            "accepted": join_request.status == JoinRequest.Status.ACCEPTED,
            "dashboard_url": _url(reverse("membership:dashboard")),
        },
        [join_request.user.email],
    )
