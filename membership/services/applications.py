"""Applications: from the first step of a draft to staff's decision.

Each function locks the application it moves, checks the move is allowed from the status the
row has now (not the one a form was opened with), records who did it in the history, and
queues its e-mail to leave after the transaction commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from membership import emails
from membership.evidence import check_evidence_file
from membership.models import (
    Application,
    ApplicationMessage,
    Community,
    DuesRecord,
    Editor,
    Evidence,
    Membership,
    RecognizedDomain,
)
from membership.models.applications import sha256_of
from membership.search import normalize_for_search
from membership.services.editors import end_editing_of_non_member
from membership.services.memberships import start_membership
from membership.text import strip_invisible

Status = Application.Status
MAX_EVIDENCE_FILES = 10
MAX_IN_PROGRESS = 3  # applications one user may have in progress at once
CONFIRMATION_SALT = "membership.application.official-email"
CONFIRMATION_MAX_AGE = datetime.timedelta(days=7)
LINK_INTERVAL = 60  # seconds between two confirmation links for one application
DECIDE_PERMISSION = "membership.decide_application"


# simple_history keeps a change reason of at most 100 characters.
MAX_CHANGE_REASON = 100


def _record(application: Application, *, by: Any, action: str, detail: str = "") -> None:
    """Who and why, for the history row the next save writes; `detail` names what the action
    concerned (a file's name, say)."""
    application._history_user = by  # type: ignore[attr-defined]
    reason = f"{action}: {detail}" if detail else action
    application._change_reason = reason[:MAX_CHANGE_REASON]  # type: ignore[attr-defined]


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _check_seen(application: Application, seen_revision: int | None) -> None:
    """Staff decide on the application as their page showed it (`seen_revision`), checked
    under the row lock so that a change in between cannot slip through."""
    if seen_revision is not None and seen_revision != application.revision:
        raise ValidationError(
            _("%(application)s was changed after your page showed it.")
            % {"application": application},
            code="changed_meanwhile",
        )


def _check_editable(application: Application, revision: int | None) -> None:
    if not application.is_editable:
        raise ValidationError(
            _(
                "This application is %(status)s, so it can no longer be changed here. "
                "Nothing was saved; what you entered is still on this page."
            )
            % {"status": application.get_status_display().lower()},
            code="not_editable",
        )
    if revision is not None and revision != application.revision:
        raise ValidationError(
            _(
                "This application changed after you opened this page (perhaps in another tab). "
                "Nothing was saved; check the current values and send yours again."
            ),
            code="stale",
        )


def check_community_open(community: Community, *, user: Any) -> None:
    """Refuse a U.S. community, a member, or one with another official's application."""
    if community.is_us:
        raise ValidationError(
            _(
                "%(community)s is in the United States. Global Membership is for communities "
                "outside the United States; U.S. communities join the association directly."
            )
            % {"community": community.name},
            code="us_community",
        )
    if Membership.objects.active().filter(community=community).exists():
        raise ValidationError(
            _(
                "%(community)s is already a Global Member. Ask its editors to add you "
                "instead: send a request to join."
            )
            % {"community": community.name},
            code="community_is_member",
        )
    other = Application.objects.in_progress().filter(community=community).exclude(applicant=user)
    if other.exists():
        raise ValidationError(
            _(
                "Another official of %(community)s has already started an application. "
                "Send a request to join it as a co-editor instead."
            )
            % {"community": community.name},
            code="application_in_progress",
        )


@transaction.atomic
def start_application(
    community: Community, *, by: Any, entered_by_hand: bool = False
) -> Application:
    """A draft for the community, with its reference population; the user's own draft for the
    same community is returned instead of a second one."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    existing = Application.objects.in_progress().filter(community=community, applicant=by).first()
    if existing is not None:
        return existing
    check_community_open(community, user=by)
    # A draft holds its community for its applicant: nobody may hold many at once.
    if Application.objects.in_progress().filter(applicant=by).count() >= MAX_IN_PROGRESS:
        raise ValidationError(
            _(
                "You already have %(count)s applications in progress. Finish or withdraw one "
                "before you start another."
            )
            % {"count": MAX_IN_PROGRESS},
            code="too_many_in_progress",
        )
    application = Application(
        applicant=by,
        community=community,
        community_entered_by_hand=entered_by_hand,
        reference_population=None if entered_by_hand else community.population,
        reference_population_source="" if entered_by_hand else _source_of(community),
        primary_contact_email=by.email,
    )
    if entered_by_hand:
        application.stated_population = community.population
        application.stated_population_source = community.population_source
    _record(application, by=by, action="membership.application.started")
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:  # another official's draft committed in between
        raise ValidationError(
            _("Another official of %(community)s has just started an application.")
            % {"community": community.name},
            code="application_in_progress",
        ) from error
    return application


def _source_of(community: Community) -> str:
    if community.population_year:
        return f"{community.population_source} ({community.population_year})".strip()
    return community.population_source


@transaction.atomic
def add_community_by_hand(
    *,
    name: str,
    native_name: str,
    kind: str,
    country: str,
    region: str,
    population: int,
    population_source: str,
    by: Any,
) -> Community:
    """A community missing from the reference data, as the applicant describes it; the one
    the applicant has already applied for, when it is listed under that name."""
    if country == "US":
        raise ValidationError(
            {
                "country": ValidationError(
                    _(
                        "Global Membership is for communities outside the United States; "
                        "U.S. communities join the association directly."
                    ),
                    code="us_community",
                )
            }
        )
    candidates = Community.objects.filter(country=country)
    for field, text in (("name", name), ("native_name", native_name)):
        if not text.strip():
            continue
        for candidate in candidates.matching(text)[:50]:
            if normalize_for_search(text) in _spellings(candidate):
                if (
                    Application.objects.in_progress()
                    .filter(community=candidate, applicant=by)
                    .exists()
                ):
                    return candidate  # the applicant's own: the form sent twice, say
                raise ValidationError(
                    {
                        field: ValidationError(
                            _(
                                "%(community)s is already in our list under this name. Search "
                                "above for “%(listed)s” and choose it there."
                            )
                            % {"community": candidate, "listed": candidate.name},
                            code="community_exists",
                        )
                    }
                )
    community = Community(
        name=name,
        native_name=native_name,
        kind=kind,
        country=country,
        region=region,
        population=population,
        population_source=population_source,
        slug=_free_slug(name, country),
    )
    community._history_user = by  # type: ignore[attr-defined]
    community._change_reason = "membership.community.added_by_applicant"  # type: ignore[attr-defined]
    community.save()
    return community


def _spellings(community: Community) -> set[str]:
    """Every name the community goes by (in each script, local and English), folded."""
    names = [community.name, community.ascii_name, community.native_name]
    names += community.other_names.splitlines()
    return {normalize_for_search(name) for name in names if name.strip()}


def _free_slug(name: str, country: str) -> str:
    base = (slugify(name, allow_unicode=False) or "community")[:100] + f"-{country.lower()}"
    slug, number = base, 1
    while Community.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def update_application(
    application: Application, *, by: Any, revision: int | None, fields: dict[str, Any]
) -> Application:
    """Save one step's plain fields on an application its applicant may still change."""
    application = _locked(application)
    _check_editable(application, revision)
    for name, value in fields.items():
        setattr(application, name, value)
    _record(application, by=by, action="membership.application.edited")
    application.save(update_fields=list(fields))
    return application


@transaction.atomic
def set_official_email(
    application: Application, email: str, *, by: Any, revision: int | None
) -> Application:
    """Record the applicant's address on a recognized government domain and send it a link.

    An address the applicant has already verified for their account counts as confirmed.
    """
    application = _locked(application)
    _check_editable(application, revision)
    email = email.strip()
    community = application.community
    if community is None:
        raise ValidationError(_("Choose the community first."), code="no_community")
    domain = RecognizedDomain.objects.for_email(email, country=community.country_info.code)
    if domain is None:
        raise ValidationError(
            {
                "official_email": ValidationError(
                    _(
                        "%(email)s is not on a government domain we know for %(country)s. "
                        "Upload a letter below instead; staff can add your domain."
                    )
                    % {"email": email, "country": community.country_info.name},
                    code="unrecognized_domain",
                )
            }
        )
    changed = email.lower() != application.official_email.lower()
    application.official_email = email
    application.official_domain = domain
    if changed:
        application.official_email_confirmed_at = None
    verified = by.emailaddress_set.filter(email__iexact=email, verified=True).exists()
    if verified and application.official_email_confirmed_at is None:
        application.official_email_confirmed_at = timezone.now()
    _record(application, by=by, action="membership.application.official_email_set")
    application.save(
        update_fields=["official_email", "official_domain", "official_email_confirmed_at"]
    )
    if application.official_email_confirmed_at is None:
        # One link a minute per address: the button cannot be used to flood a mailbox.
        throttle = f"official-email-link:{application.pk}:{email.lower()}"
        if not cache.add(throttle, True, timeout=LINK_INTERVAL):
            raise ValidationError(
                _(
                    "We sent a link to %(email)s less than a minute ago. Wait for it (look in "
                    "the spam folder too) before asking for another."
                )
                % {"email": email},
                code="link_sent_recently",
            )
        emails.send_official_email_confirmation(application, confirm_url(application))
    return application


def confirm_url(application: Application) -> str:
    token = signing.dumps(
        {"application": application.pk, "email": application.official_email.lower()},
        salt=CONFIRMATION_SALT,
    )
    path = reverse("membership:official-email-confirm", kwargs={"token": token})
    return f"{settings.PORTAL_URL}{path}"


def application_for_token(token: str) -> Application:
    """The application a confirmation link was sent for, if the link is genuine and current."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ValidationError(
            _("This link has expired. Enter the address again to get a new one."), code="expired"
        ) from error
    except signing.BadSignature as error:
        raise ValidationError(
            _("This link is not valid. Copy the whole link from the e-mail."), code="bad_link"
        ) from error
    application = Application.objects.filter(pk=data.get("application")).first()
    if application is None or application.official_email.lower() != data.get("email"):
        raise ValidationError(
            _("This link is for an address the application no longer uses."), code="replaced"
        )
    return application


@transaction.atomic
def confirm_official_email(token: str) -> Application:
    """Mark the official address confirmed: the link proves its holder reads that mailbox."""
    application = _locked(application_for_token(token))
    if application.official_email_confirmed_at is None and not application.is_in_progress:
        raise ValidationError(
            _(
                "This application is already %(status)s, so the address no longer needs "
                "confirming. Your dashboard shows where it stands."
            )
            % {"status": application.get_status_display().lower()},
            code="not_in_progress",
        )
    if application.official_email_confirmed_at is None:
        application.official_email_confirmed_at = timezone.now()
        _record(
            application, by=application.applicant, action="membership.application.email_confirmed"
        )
        application.save(update_fields=["official_email_confirmed_at"])
    return application


@transaction.atomic
def add_evidence(
    application: Application,
    upload: UploadedFile,
    *,
    by: Any,
    kind: str = Evidence.Kind.LETTER,
    description: str = "",
) -> Evidence:
    """Store a checked PDF, PNG or JPEG privately as evidence for the application."""
    application = _locked(application)
    _check_editable(application, None)
    if application.evidence.count() >= MAX_EVIDENCE_FILES:
        raise ValidationError(
            _("An application holds at most %(count)s files. Remove one to add another.")
            % {"count": MAX_EVIDENCE_FILES},
            code="too_many_files",
        )
    checked = check_evidence_file(upload)
    digest = sha256_of(upload.chunks())
    upload.seek(0)
    same = application.evidence.filter(sha256=digest).first()
    if same is not None:
        raise ValidationError(
            _("This file is already uploaded, as %(name)s.") % {"name": same.original_name},
            code="duplicate_file",
        )
    evidence = Evidence(
        application=application,
        kind=kind,
        description=description,
        original_name=strip_invisible(upload.name or "upload")[-255:] or "upload",
        content_type=checked.content_type,
        size=upload.size or 0,
        sha256=digest,
        uploaded_by=by,
    )
    evidence.file.save(f"upload{checked.suffix}", upload, save=False)
    evidence._history_user = by  # type: ignore[attr-defined]
    evidence.save()
    _record(
        application,
        by=by,
        action="membership.application.evidence_added",
        detail=evidence.original_name,
    )
    application.save(update_fields=[])
    return evidence


@transaction.atomic
def remove_evidence(evidence: Evidence, *, by: Any) -> None:
    application = _locked(evidence.application)
    _check_editable(application, None)
    stored = evidence.file.name or ""
    storage = evidence.file.storage
    evidence._history_user = by  # type: ignore[attr-defined]
    evidence.delete()
    _record(
        application,
        by=by,
        action="membership.application.evidence_removed",
        detail=evidence.original_name,
    )
    application.save(update_fields=[])
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def missing_for_submission(application: Application) -> list[tuple[str, str]]:
    """What still stops the application from being submitted: (step, message) pairs."""
    missing: list[tuple[str, str]] = []
    if application.community is None:
        missing.append(("community", _("Choose the community you are applying for.")))
    if application.population is None:
        missing.append(("population", _("Give the community's population.")))
    elif application.membership_class is None:
        missing.append(
            ("population", _("No membership class is set for this population yet; contact us."))
        )
    if not (application.role and application.title.strip() and application.office.strip()):
        missing.append(("applicant", _("Say who you are: your role, title and office.")))
    has_documents = application.evidence.exists()
    if not (application.has_confirmed_official_email or has_documents):
        missing.append(
            (
                "evidence",
                _(
                    "Show you may register the community: confirm an official address or "
                    "upload a letter."
                ),
            )
        )
    if not (application.primary_contact_name.strip() and application.primary_contact_email):
        missing.append(("contacts", _("Give the primary contact's name and e-mail.")))
    if not application.billing_same_as_primary and not (
        application.billing_contact_name.strip()
        and application.billing_contact_email
        and application.billing_address.strip()
    ):
        missing.append(("contacts", _("Give the billing contact's name, e-mail and address.")))
    return missing


@transaction.atomic
def submit_application(
    application: Application, *, by: Any, revision: int | None, accept_terms: bool
) -> Application:
    """Send a complete draft (or an answered question) to staff for a decision."""
    application = _locked(application)
    if application.status == Status.SUBMITTED and application.submitted_at:
        return application  # a double click: already sent
    _check_editable(application, revision)
    if not accept_terms:
        raise ValidationError(
            {
                "accept_terms": ValidationError(
                    _("Accept the membership terms to submit the application."),
                    code="terms_not_accepted",
                )
            }
        )
    missing = missing_for_submission(application)
    if missing:
        raise ValidationError([message for _step, message in missing], code="incomplete")
    assert application.community is not None
    check_community_open(application.community, user=by)
    resubmitted = application.status == Status.NEEDS_INFORMATION
    now = timezone.now()
    application.status = Status.SUBMITTED
    application.terms_accepted_at = application.terms_accepted_at or now
    application.submitted_at = now
    _record(
        application,
        by=by,
        action="membership.application.resubmitted"
        if resubmitted
        else "membership.application.submitted",
    )
    application.save(update_fields=["status", "terms_accepted_at", "submitted_at"])
    emails.send_application_received(application, resubmitted=resubmitted)
    return application


@transaction.atomic
def withdraw_application(
    application: Application, *, by: Any, reason: str = "", seen_revision: int | None = None
) -> Application:
    """End an application in progress. The applicant may at any time; staff may too (a draft
    left to hold a community, say), with a reason that is sent to the applicant."""
    by_staff = by.pk != application.applicant_id
    if by_staff and not (by.is_active and by.is_staff):
        raise PermissionDenied
    if by_staff:
        _check_reason_given(reason)
    application = _locked(application)
    if application.status == Status.WITHDRAWN:
        return application
    _check_seen(application, seen_revision)
    if not application.is_in_progress:
        raise ValidationError(
            _("This application is %(status)s and can no longer be withdrawn.")
            % {"status": application.get_status_display().lower()},
            code="not_in_progress",
        )
    application.status = Status.WITHDRAWN
    _record(application, by=by, action="membership.application.withdrawn")
    application.save(update_fields=["status"])
    if application.community_id is not None:
        end_editing_of_non_member(application.community_id, by=by)
    if by_staff:
        message = ApplicationMessage.objects.create(
            application=application, author=by, from_staff=True, body=reason.strip()
        )
        emails.send_withdrawn_by_staff(application, message)
    return application


@transaction.atomic
def correct_population(application: Application, *, by: Any, population: int | None) -> Application:
    """Staff's figure for the population (None removes it): the class and dues follow it, and
    the applicant is told what they now are."""
    if not (by.is_active and by.is_staff):
        raise PermissionDenied
    application = _locked(application)
    if not application.is_in_progress:
        raise ValidationError(
            _("This application is %(status)s; its population can no longer be corrected.")
            % {"status": application.get_status_display().lower()},
            code="not_in_progress",
        )
    if application.corrected_population == population:
        return application
    application.corrected_population = population
    _record(application, by=by, action="membership.application.population_corrected")
    application.save(update_fields=["corrected_population"])
    if application.status != Status.DRAFT:
        emails.send_population_corrected(application)
    return application


@dataclass(frozen=True)
class Answer:
    message: ApplicationMessage
    resubmitted: bool
    # Why an answered question could not go back to staff (the application is incomplete).
    missing: tuple[str, ...] = ()


@transaction.atomic
def answer_question(application: Application, *, by: Any, body: str) -> Answer:
    """The applicant's message to staff. An answer to staff's question also sends the
    application back to them (the terms were accepted at the first submission), and staff get
    one e-mail for both. The same text sent twice in a row (a double click) is kept once."""
    application = _locked(application)
    if application.status not in (Status.SUBMITTED, Status.NEEDS_INFORMATION):
        raise ValidationError(
            _("This application is %(status)s; messages can no longer be added.")
            % {"status": application.get_status_display().lower()},
            code="not_open_for_messages",
        )
    body = body.strip()
    last = application.messages.order_by("-created_at", "-pk").first()
    if last is not None and not last.from_staff and last.author_id == by.pk and last.body == body:
        return Answer(last, resubmitted=False)
    message = ApplicationMessage.objects.create(
        application=application, author=by, from_staff=False, body=body
    )
    _record(application, by=by, action="membership.application.answered")
    application.save(update_fields=[])
    if application.status == Status.NEEDS_INFORMATION:
        try:
            with transaction.atomic():
                submit_application(application, by=by, revision=None, accept_terms=True)
        except ValidationError as error:
            emails.send_answer_to_team(application, message)
            return Answer(message, resubmitted=False, missing=tuple(error.messages))
        return Answer(message, resubmitted=True)
    emails.send_answer_to_team(application, message)
    return Answer(message, resubmitted=False)


def _check_reason_given(reason: str) -> None:
    """Staff who end an application tell the applicant why."""
    if not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason; the applicant receives it."), code="no_reason"
                )
            }
        )


def _check_may_decide(by: Any) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(DECIDE_PERMISSION)):
        raise PermissionDenied(_("Only staff who may approve applications can decide them."))


@transaction.atomic
def request_information(
    application: Application, *, by: Any, question: str, seen_revision: int | None = None
) -> Application:
    """Staff ask the applicant a question; the application waits for the answer."""
    if not (by.is_active and by.is_staff):
        raise PermissionDenied
    application = _locked(application)
    _check_seen(application, seen_revision)
    if application.status not in Application.DECIDABLE:
        raise ValidationError(
            _("Only a submitted application can be asked for information; this one is %(status)s.")
            % {"status": application.get_status_display().lower()},
            code="not_submitted",
        )
    if not question.strip():
        raise ValidationError(_("Write the question to the applicant."), code="empty_question")
    message = ApplicationMessage.objects.create(
        application=application, author=by, from_staff=True, body=question.strip()
    )
    application.status = Status.NEEDS_INFORMATION
    _record(application, by=by, action="membership.application.information_requested")
    application.save(update_fields=["status"])
    emails.send_information_requested(application, message)
    return application


@transaction.atomic
def approve_application(
    application: Application, *, by: Any, seen_revision: int | None = None
) -> Application:
    """Make the community a Global Member: its membership in the right class, the dues record,
    the applicant as editor, and the welcome e-mail after commit. Approving an approved
    application again changes nothing."""
    _check_may_decide(by)
    application = _locked(application)
    if application.status == Status.APPROVED:
        return application
    _check_seen(application, seen_revision)
    if application.status not in Application.DECIDABLE:
        raise ValidationError(
            _("%(application)s is %(status)s; only a submitted application can be approved.")
            % {"application": application, "status": application.get_status_display().lower()},
            code="not_submitted",
        )
    community = application.community
    if community is None or application.population is None:
        raise ValidationError(
            _("%(application)s has no community or population.") % {"application": application},
            code="incomplete",
        )
    community = Community.objects.select_for_update().get(pk=community.pk)
    if community.is_us:
        raise ValidationError(_("A U.S. community cannot be a Global Member."), code="us_community")
    member = Membership.objects.active().filter(community=community).first()
    if member is not None:
        # Approving would hand back that membership, in its class and term, not this one's.
        raise ValidationError(
            _(
                "%(community)s is already a Global Member (%(class)s, until %(end)s). Approving "
                "would start no membership: withdraw this application with a note to the "
                "applicant, who may ask to join as a co-editor."
            )
            % {
                "community": community,
                "class": member.membership_class.name,
                "end": f"{member.ends_on:%Y-%m-%d}",
            },
            code="already_member",
        )
    today = timezone.localdate()
    if community.population != application.population:
        community.population = application.population
        community.population_source = _accepted_source(application)
        community.population_year = today.year
        community._history_user = by  # type: ignore[attr-defined]
        community._change_reason = "membership.application.approved"  # type: ignore[attr-defined]
        community.save(update_fields=["population", "population_source", "population_year"])
    membership = start_membership(community, starts_on=today)
    DuesRecord.objects.get_or_create(
        membership=membership,
        defaults={
            "membership_class": membership.membership_class,
            "amount": membership.membership_class.annual_dues,
            "due_on": membership.starts_on + datetime.timedelta(days=30),
        },
    )
    Editor.objects.get_or_create(
        community=community, user=application.applicant, defaults={"added_by": by}
    )
    application.status = Status.APPROVED
    application.membership = membership
    application.decided_at = timezone.now()
    application.decided_by = by
    _record(application, by=by, action="membership.application.approved")
    application.save(update_fields=["status", "membership", "decided_at", "decided_by"])
    emails.send_welcome(application)
    return application


def _accepted_source(application: Application) -> str:
    if application.corrected_population is not None:
        return _("Corrected by staff")
    if application.stated_population is not None:
        return application.stated_population_source or _("Given by the applicant")
    return application.reference_population_source


@transaction.atomic
def reject_application(
    application: Application, *, by: Any, reason: str, seen_revision: int | None = None
) -> Application:
    """Refuse the application; the reason is required and is sent to the applicant."""
    _check_may_decide(by)
    _check_reason_given(reason)
    application = _locked(application)
    if application.status == Status.REJECTED:
        return application
    _check_seen(application, seen_revision)
    if application.status not in Application.DECIDABLE:
        raise ValidationError(
            _("%(application)s is %(status)s; only a submitted application can be rejected.")
            % {"application": application, "status": application.get_status_display().lower()},
            code="not_submitted",
        )
    application.status = Status.REJECTED
    application.rejection_reason = reason.strip()
    application.decided_at = timezone.now()
    application.decided_by = by
    _record(application, by=by, action="membership.application.rejected")
    application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    if application.community_id is not None:
        end_editing_of_non_member(application.community_id, by=by)
    emails.send_rejection(application)
    return application
