"""Audit actions (`membership.application.approved`) in words, for the admin's history pages."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTIONS = {
    "membership.application.started": _("Started the application"),
    "membership.application.edited": _("Edited a step"),
    "membership.application.official_email_set": _("Gave an official address"),
    "membership.application.email_confirmed": _("Confirmed the official address"),
    "membership.application.evidence_added": _("Uploaded a document"),
    "membership.application.evidence_removed": _("Removed a document"),
    "membership.application.submitted": _("Submitted"),
    "membership.application.resubmitted": _("Answered and resubmitted"),
    "membership.application.answered": _("Wrote to staff"),
    "membership.application.withdrawn": _("Withdrew the application"),
    "membership.application.information_requested": _("Asked the applicant for information"),
    "membership.application.population_corrected": _("Corrected the population"),
    "membership.application.approved": _("Approved"),
    "membership.application.rejected": _("Rejected"),
    "membership.membership.lapsed": _("Lapsed at the end of its term"),
    "membership.joinrequest.accepted": _("Accepted the join request"),
    "membership.joinrequest.declined": _("Declined the join request"),
    "membership.joinrequest.withdrawn": _("Withdrew the join request"),
    "membership.joinrequest.closed": _(
        "Closed: the community's application ended without membership"
    ),
    "membership.editor.removed": _("Ended: the community's application ended without membership"),
}


@register.filter
def audit_action(code: str | None) -> str:
    """The action in words, with what it concerned when recorded ("code: detail", such as the
    name of an uploaded file); an action without words yet is shown as recorded."""
    if not code:
        return ""
    action, separator, detail = code.partition(": ")
    words = str(ACTIONS.get(action, action))
    return f"{words}: {detail}" if separator else words
