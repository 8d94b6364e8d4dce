"""Editors of a community, and other officials' requests to join them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership import emails
from membership.models import Application, Community, Editor, JoinRequest, Membership

DECIDE_JOIN_REQUESTS_PERMISSION = "membership.change_joinrequest"


def may_manage_editors(user: Any, community: Community) -> bool:
    """The community's editors, and active staff who may change join requests (as in the
    admin), decide who else may edit it."""
    if not user.is_authenticated:
        return False
    if user.is_active and user.is_staff and user.has_perm(DECIDE_JOIN_REQUESTS_PERMISSION):
        return True
    return Editor.objects.filter(community=community, user=user).exists()


def join_is_possible(community: Community) -> bool:
    """Joining makes sense for a member, or for a community with an application in progress."""
    return (
        Membership.objects.active().filter(community=community).exists()
        or Application.objects.in_progress().filter(community=community).exists()
    )


@transaction.atomic
def request_to_join(
    community: Community,
    *,
    by: Any,
    role: str,
    title: str,
    office: str,
    message: str = "",
) -> JoinRequest:
    """Ask a community's editors (or staff, while it has none) to make the user an editor too."""
    if Editor.objects.filter(community=community, user=by).exists():
        raise ValidationError(
            _("You are already an editor of %(community)s.") % {"community": community.name},
            code="already_editor",
        )
    if Application.objects.in_progress().filter(community=community, applicant=by).exists():
        raise ValidationError(
            _(
                "You are the applicant for %(community)s; you will be its editor when it is approved."
            )
            % {"community": community.name},
            code="own_application",
        )
    if not join_is_possible(community):
        raise ValidationError(
            _("%(community)s is neither a member nor applying; start an application instead.")
            % {"community": community.name},
            code="nothing_to_join",
        )
    join_request = JoinRequest(
        community=community, user=by, role=role, title=title, office=office, message=message
    )
    join_request._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            join_request.save()
    except IntegrityError as error:
        raise ValidationError(
            _("You already asked to join %(community)s; the editors have been told.")
            % {"community": community.name},
            code="already_requested",
        ) from error
    emails.send_join_request_received(join_request)
    return join_request


def _decide(
    join_request: JoinRequest, *, by: Any, status: str, action: str | None = None
) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status == status:
        return join_request
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(
            _("This request was already %(status)s.")
            % {"status": join_request.get_status_display().lower()},
            code="already_decided",
        )
    join_request.status = status
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request._history_user = by  # type: ignore[attr-defined]
    join_request._change_reason = action or f"membership.joinrequest.{status}"  # type: ignore[attr-defined]
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    return join_request


@transaction.atomic
def accept_join_request(join_request: JoinRequest, *, by: Any) -> JoinRequest:
    """Make the requester an editor of the community; accepting twice adds them once."""
    if not may_manage_editors(by, join_request.community):
        raise PermissionDenied
    if join_request.status == JoinRequest.Status.PENDING and not join_is_possible(
        join_request.community
    ):
        raise ValidationError(
            _(
                "%(community)s is no longer a member or applying, so nobody can join it as "
                "an editor. Decline the request."
            )
            % {"community": join_request.community.name},
            code="nothing_to_join",
        )
    join_request = _decide(join_request, by=by, status=JoinRequest.Status.ACCEPTED)
    _editor, created = Editor.objects.get_or_create(
        community=join_request.community, user=join_request.user, defaults={"added_by": by}
    )
    if created:
        emails.send_join_request_decided(join_request)
    return join_request


@transaction.atomic
def decline_join_request(join_request: JoinRequest, *, by: Any) -> JoinRequest:
    if not may_manage_editors(by, join_request.community):
        raise PermissionDenied
    pending = join_request.status == JoinRequest.Status.PENDING
    join_request = _decide(join_request, by=by, status=JoinRequest.Status.DECLINED)
    if pending:
        emails.send_join_request_decided(join_request)
    return join_request


@transaction.atomic
def withdraw_join_request(join_request: JoinRequest, *, by: Any) -> JoinRequest:
    if join_request.user_id != by.pk:
        raise PermissionDenied
    return _decide(join_request, by=by, status=JoinRequest.Status.WITHDRAWN)


def end_editing_of_non_member(community_id: int, *, by: Any) -> None:
    """Co-editors accepted while a community applied edit it only as a member: when it has no
    application in progress left and has never been a member, they are editors no more, and
    requests still waiting to join it are closed (there is nothing left to join)."""
    if Membership.objects.filter(community_id=community_id).exists():
        return
    if Application.objects.in_progress().filter(community_id=community_id).exists():
        return
    for editor in Editor.objects.filter(community_id=community_id):
        editor._history_user = by  # type: ignore[attr-defined]
        editor._change_reason = "membership.editor.removed"  # type: ignore[attr-defined]
        editor.delete()
    waiting = JoinRequest.objects.filter(
        community_id=community_id, status=JoinRequest.Status.PENDING
    )
    for join_request in waiting:
        _decide(
            join_request,
            by=by,
            status=JoinRequest.Status.DECLINED,
            action="membership.joinrequest.closed",
        )
