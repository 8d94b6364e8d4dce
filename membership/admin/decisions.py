"""Staff decisions on applications (approve, reject, ask for information, withdraw), for one application
from its page or for several from the list.

Both paths show the same confirmation page and end in `carry_out`, which calls the service
once per application: each decision is its own transaction, and the outcome of each is
reported in its own admin message.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from membership.models import Application, Membership
from membership.money import format_usd
from membership.services.applications import (
    approve_application,
    reject_application,
    request_information,
    withdraw_application,
)
from membership.text import TypedTextField

Status = Application.Status


class ApproveForm(forms.Form):
    """Approving needs nothing but the confirmation."""


def _text_to_applicant(label: Any, help_text: Any, required: Any) -> forms.CharField:
    """A text staff write for the applicant, who receives it by e-mail."""
    return TypedTextField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        max_length=5000,
        error_messages={"required": required},
    )


GIVE_THE_REASON = _("Give the reason; the applicant receives it.")


class RejectForm(forms.Form):
    reason = _text_to_applicant(
        _("Reason for the rejection"),
        _("The applicant receives this text by e-mail. Write plain, short sentences."),
        GIVE_THE_REASON,
    )


class RequestInformationForm(forms.Form):
    question = _text_to_applicant(
        _("Question to the applicant"),
        _(
            "The applicant receives it by e-mail and answers on the portal. The application "
            "waits until they answer."
        ),
        _("Write the question to the applicant."),
    )


class WithdrawForm(forms.Form):
    reason = _text_to_applicant(
        _("Why staff withdraw it"),
        _(
            "The applicant receives this text by e-mail; the community is free for a new "
            "application. For example: a draft untouched for months that holds the community."
        ),
        GIVE_THE_REASON,
    )


@dataclass(frozen=True)
class Decision:
    """One kind of decision: its words, its form, and the service that carries it out."""

    name: str  # also the URL segment of the single-application page
    label: Any  # the button on the application's page
    title_one: Any  # the confirmation page's title, for one application
    title_many: Any  # ... for several
    confirm: Any  # the confirmation button
    explanation: Any  # what the decision does, on the confirmation page
    form_class: type[forms.Form]
    permission: str  # the ModelAdmin's has_<permission>_permission decides who may
    done_status: str | None  # a second click finds the application already in this status
    css_class: str
    statuses: tuple[str, ...] = Application.DECIDABLE  # the statuses it applies to

    def may_apply_to(self, application: Application) -> str:
        """Why this decision would change nothing for the application, or an empty string."""
        status = application.get_status_display().lower()
        if self.done_status is not None and application.status == self.done_status:
            return gettext("Already %(status)s; nothing will change.") % {"status": status}
        if self.done_status == Status.APPROVED and application.community_id is not None:
            member = Membership.objects.active().filter(community=application.community_id).first()
            if member is not None:
                return gettext(
                    "The community is already a Global Member (%(class)s, until %(end)s); "
                    "approving is refused."
                ) % {"class": member.membership_class.name, "end": f"{member.ends_on:%Y-%m-%d}"}
        if application.status not in self.statuses:
            if self.statuses == Application.IN_PROGRESS:
                return gettext(
                    "Status: %(status)s. Only an application in progress can be withdrawn."
                ) % {"status": status}
            return gettext("Status: %(status)s. Only a submitted application can be decided.") % {
                "status": status
            }
        return ""


APPROVE = Decision(
    name="approve",
    label=_("Approve"),
    title_one=_("Approve this application?"),
    title_many=_("Approve these applications?"),
    confirm=_("Yes, approve"),
    explanation=_(
        "Approving makes the community a Global Member: an active one-year membership in the "
        "class shown, a dues record for that class's annual dues, the applicant as the "
        "community's editor, and a welcome e-mail to the applicant."
    ),
    form_class=ApproveForm,
    permission="decide",
    done_status=Status.APPROVED,
    css_class="portal-approve",
)
REJECT = Decision(
    name="reject",
    label=_("Reject"),
    title_one=_("Reject this application?"),
    title_many=_("Reject these applications?"),
    confirm=_("Reject and send the reason"),
    explanation=_(
        "The applicant receives your reason by e-mail. The community may apply again later."
    ),
    form_class=RejectForm,
    permission="decide",
    done_status=Status.REJECTED,
    css_class="portal-reject",
)
REQUEST_INFORMATION = Decision(
    name="request-information",
    label=_("Ask for information"),
    title_one=_("Ask the applicant for information"),
    title_many=_("Ask these applicants for information"),
    confirm=_("Send the question"),
    explanation=_(
        "The applicant receives your question by e-mail and answers on the portal. The "
        "application waits for the answer; then it comes back to the list of submitted ones."
    ),
    form_class=RequestInformationForm,
    permission="change",
    done_status=None,  # a second question is allowed
    css_class="portal-ask",
)
WITHDRAW = Decision(
    name="withdraw",
    label=_("Withdraw"),
    title_one=_("Withdraw this application?"),
    title_many=_("Withdraw these applications?"),
    confirm=_("Withdraw and send the reason"),
    explanation=_(
        "Withdrawing ends the application, a draft too, and frees the community for a new "
        "application. The applicant receives your reason by e-mail."
    ),
    form_class=WithdrawForm,
    permission="change",
    done_status=Status.WITHDRAWN,
    css_class="portal-withdraw",
    statuses=Application.IN_PROGRESS,
)
DECISIONS = (APPROVE, REJECT, REQUEST_INFORMATION, WITHDRAW)


def _label(application: Application) -> str:
    community = application.community.display_name if application.community else "—"
    return gettext("Application %(number)s (%(community)s)") % {
        "number": application.pk,
        "community": community,
    }


def _approved(application: Application) -> str:
    membership = application.membership
    if membership is None:  # the service always links one; said plainly if it ever does not
        return gettext("%(application)s approved.") % {"application": _label(application)}
    dues = getattr(membership, "dues", None)
    return gettext(
        "%(application)s approved: %(class)s membership from %(start)s to %(end)s, "
        "dues %(amount)s. The applicant is now an editor and receives the welcome e-mail."
    ) % {
        "application": _label(application),
        "class": membership.membership_class.name,
        "start": f"{membership.starts_on:%Y-%m-%d}",
        "end": f"{membership.ends_on:%Y-%m-%d}",
        "amount": format_usd(dues.amount) if dues is not None else "—",
    }


def _rejected(application: Application) -> str:
    return gettext("%(application)s rejected. The applicant receives the reason by e-mail.") % {
        "application": _label(application)
    }


def _asked(application: Application) -> str:
    return gettext(
        "%(application)s now waits for the applicant's answer; they receive your question by e-mail."
    ) % {"application": _label(application)}


def _service(
    decision: Decision, data: dict[str, Any]
) -> Callable[[Application, Any, int | None], Application]:
    """The decision's service, called with the application, the user and the revision their
    page showed (None when it showed none)."""
    if decision is APPROVE:
        return lambda application, by, seen: approve_application(
            application, by=by, seen_revision=seen
        )
    if decision is REJECT:
        return lambda application, by, seen: reject_application(
            application, by=by, reason=data["reason"], seen_revision=seen
        )
    if decision is WITHDRAW:
        return lambda application, by, seen: withdraw_application(
            application, by=by, reason=data["reason"], seen_revision=seen
        )
    return lambda application, by, seen: request_information(
        application, by=by, question=data["question"], seen_revision=seen
    )


def _withdrawn(application: Application) -> str:
    return gettext(
        "%(application)s withdrawn. The applicant receives the reason by e-mail; the community "
        "is free for a new application."
    ) % {"application": _label(application)}


_SUCCESS = {
    APPROVE.name: _approved,
    REJECT.name: _rejected,
    REQUEST_INFORMATION.name: _asked,
    WITHDRAW.name: _withdrawn,
}


def seen_revisions(post: Any) -> dict[int, int]:
    """The revision of each application as the confirmation page showed it ("pk:revision")."""
    seen = {}
    for value in post.getlist("seen"):
        pk, _sep, revision = str(value).partition(":")
        if pk.isascii() and pk.isdigit() and revision.isascii() and revision.isdigit():
            seen[int(pk[:18])] = int(revision[:18])
    return seen


def _changed_meanwhile(application: Application) -> str:
    return gettext(
        "%(application)s: not changed. It was changed after you opened the confirmation page; "
        "it now reads: population %(population)s, %(class)s, %(dues)s. Look at it again, then "
        "decide."
    ) % {
        "application": _label(application),
        "population": f"{application.population:,}" if application.population is not None else "—",
        "class": application.membership_class.name if application.membership_class else "—",
        "dues": format_usd(application.membership_class.annual_dues)
        if application.membership_class
        else "—",
    }


def carry_out(
    request: HttpRequest,
    applications: Iterable[Application],
    decision: Decision,
    data: dict,
    *,
    seen: dict[int, int] | None = None,
) -> None:
    """Call the decision's service for each application, each in its own transaction, and
    say in one message per application what happened. An application that changed after
    the confirmation page showed it (`seen`) is left as it is, with a message."""
    service = _service(decision, data)
    seen = seen or {}
    for application in applications:
        status = (
            Application.objects.filter(pk=application.pk).values_list("status", flat=True).first()
        )
        if status is None:
            continue  # gone since the page was shown
        # First: a second click on the same decision is told it is done, not that it changed.
        if decision.done_status is not None and status == decision.done_status:
            messages.info(
                request,
                gettext("%(application)s was already %(status)s; nothing changed.")
                % {"application": _label(application), "status": Status(status).label.lower()},
            )
            continue
        try:
            decided = service(application, request.user, seen.get(application.pk))
        except ValidationError as error:
            if error.code == "changed_meanwhile":
                fresh = Application.objects.select_related("community", "membership_class").get(
                    pk=application.pk
                )
                messages.error(request, _changed_meanwhile(fresh))
                continue
            messages.error(
                request,
                gettext("%(application)s: not changed. %(reason)s")
                % {"application": _label(application), "reason": " ".join(error.messages)},
            )
        except PermissionDenied as error:
            messages.error(
                request,
                gettext("%(application)s: not changed. %(reason)s")
                % {
                    "application": _label(application),
                    "reason": str(error) or gettext("You may not make this decision."),
                },
            )
        else:
            messages.success(request, _SUCCESS[decision.name](decided))
