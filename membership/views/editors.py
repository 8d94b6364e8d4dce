"""Requests from other officials to become editors of a community, and their decision."""

from collections.abc import Callable
from typing import Any

from allauth.account.decorators import verified_email_required
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from membership.adapters import MAX_REDIRECT_LENGTH
from membership.forms import PortalForm
from membership.models import Application, Community, Editor, JoinRequest
from membership.services.editors import (
    accept_join_request,
    decline_join_request,
    join_is_possible,
    may_manage_editors,
    request_to_join,
    withdraw_join_request,
)
from membership.text import TypedTextField

TEMPLATE = "membership/joinrequest_form.html"


class JoinRequestForm(PortalForm):
    """Who the official is, for the editors who decide; the fields of the application's step."""

    role = forms.ChoiceField(
        label=gettext_lazy("You are"),
        choices=Application.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the description that fits you.")},
    )
    title = TypedTextField(
        label=gettext_lazy("Title or position"),
        max_length=200,
        help_text=gettext_lazy("For example Deputy Mayor or International Relations Officer."),
        error_messages={"required": gettext_lazy("Give your title or position.")},
    )
    office = TypedTextField(
        label=gettext_lazy("Office, department or organization"),
        max_length=200,
        error_messages={"required": gettext_lazy("Give your office, department or organization.")},
    )
    message = TypedTextField(
        label=gettext_lazy("Message to the editors (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Say who you are and how you work with the sister city program."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@verified_email_required
def join_request_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A second official asks the editors (or staff) of a community to let them edit it too."""
    community = get_object_or_404(Community, slug=slug)
    if not join_is_possible(community):
        return render(request, TEMPLATE, {"community": community, "nothing_to_join": True})
    form = JoinRequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            request_to_join(community, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _sent_message(community))
            return redirect("membership:dashboard")
    # After a POST the form shows what the service refused, with what the user typed.
    standing = _standing(community, request.user) if request.method != "POST" else {}
    return render(
        request,
        TEMPLATE,
        {
            "community": community,
            "form": form,
            "page_has_errors": form.is_bound and bool(form.errors),
            **standing,
        },
    )


def _standing(community: Community, user: Any) -> dict[str, Any]:
    """What the official already has with the community, so the page can say so before they
    fill in a form the service would refuse."""
    return {
        "is_editor": Editor.objects.filter(community=community, user=user).exists(),
        "is_applicant": Application.objects.in_progress()
        .filter(community=community, applicant=user)
        .exists(),
        "pending": JoinRequest.objects.pending().filter(community=community, user=user).first(),
    }


def _sent_message(community: Community) -> str:
    if Editor.objects.filter(community=community).exists():
        return _(
            "The editors of %(community)s have been asked to accept you as an editor. "
            "We will e-mail you their answer."
        ) % {"community": community.name}
    return _(
        "The association's staff have been asked to accept you as an editor of %(community)s. "
        "We will e-mail you their answer."
    ) % {"community": community.name}


def _get_join_request_for_editor(request: HttpRequest, pk: int) -> JoinRequest:
    """A join request, for an editor of its community or active staff; anyone else: 404."""
    join_request = get_object_or_404(JoinRequest.objects.select_related("community", "user"), pk=pk)
    if not may_manage_editors(request.user, join_request.community):
        raise Http404
    return join_request


def _get_join_request_for_requester(request: HttpRequest, pk: int) -> JoinRequest:
    """A join request, for the official who sent it; anyone else: 404."""
    return get_object_or_404(
        JoinRequest.objects.select_related("community", "user"), pk=pk, user=request.user.pk
    )


_DECISIONS: dict[str, tuple[Callable[..., JoinRequest], Callable[[JoinRequest], str]]] = {
    "accept": (
        accept_join_request,
        lambda jr: (
            _("%(person)s is now an editor of %(community)s.")
            % {"person": jr.user.email, "community": jr.community.name}
        ),
    ),
    "decline": (
        decline_join_request,
        lambda jr: (
            _("You declined the request of %(person)s to edit %(community)s.")
            % {"person": jr.user.email, "community": jr.community.name}
        ),
    ),
    "withdraw": (
        withdraw_join_request,
        lambda jr: (
            _("You withdrew your request to join the editors of %(community)s.")
            % {"community": jr.community.name}
        ),
    ),
}


@require_POST
@login_required
def join_request_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Accept or decline (the community's editors, staff), or withdraw (the requester)."""
    if decision not in _DECISIONS:
        raise Http404
    if decision == "withdraw":
        join_request = _get_join_request_for_requester(request, pk)
    else:
        join_request = _get_join_request_for_editor(request, pk)
    service, success = _DECISIONS[decision]
    try:
        join_request = service(join_request, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success(join_request))
    return redirect(_next_or_dashboard(request))


def _next_or_dashboard(request: HttpRequest) -> str:
    """The page the form came from, when it is on this site; the dashboard otherwise."""
    target = request.POST.get("next", "")
    if len(iri_to_uri(target)) <= MAX_REDIRECT_LENGTH and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("membership:dashboard")
