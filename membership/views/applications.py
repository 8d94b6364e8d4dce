"""The applicant's side of an application: dashboard, steps, evidence, submission.

Every application page is reached through `_get_application_for_applicant`: only the
applicant sees it (staff work in the admin). Services make every move; a refusal comes back
as a ValidationError and is shown at the field, with what the user typed kept on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from membership.forms import (
    AnswerForm,
    ApplicantForm,
    CommunityByHandForm,
    CommunityChoiceForm,
    CommunitySearchForm,
    ContactsForm,
    EvidenceUploadForm,
    OfficialEmailForm,
    PopulationForm,
    StepForm,
    SubmitForm,
)
from membership.models import (
    Application,
    ApplicationMessage,
    Community,
    Editor,
    Evidence,
    JoinRequest,
    Membership,
    MembershipClass,
)
from membership.money import format_usd
from membership.services.applications import (
    add_community_by_hand,
    add_evidence,
    answer_question,
    application_for_token,
    confirm_official_email,
    missing_for_submission,
    remove_evidence,
    set_official_email,
    start_application,
    submit_application,
    update_application,
    withdraw_application,
)

SEARCH_LIMIT = 20
STEPS = ("community", "population", "applicant", "evidence", "contacts", "review")
STEP_TITLES = {
    "community": gettext_lazy("Community"),
    "population": gettext_lazy("Population and dues"),
    "applicant": gettext_lazy("About you"),
    "evidence": gettext_lazy("Proof of your role"),
    "contacts": gettext_lazy("Contacts"),
    "review": gettext_lazy("Review and submit"),
}
FORM_STEPS: dict[str, type[StepForm]] = {
    "population": PopulationForm,
    "applicant": ApplicantForm,
    "contacts": ContactsForm,
}
# Refusals that concern the whole page rather than one field.
PAGE_ERRORS = {"stale", "not_editable", "no_community"}


def _code(error: ValidationError) -> str | None:
    """The code of a single refusal; a refusal per field (a dict) has none of its own."""
    return getattr(error, "code", None)


# Accessors --------------------------------------------------------------------------------


def _get_application_for_applicant(request: HttpRequest, pk: int) -> Application:
    """The user's own application; anyone else's, staff's included, is not found."""
    return get_object_or_404(
        Application.objects.select_related("community", "membership_class", "membership"),
        pk=pk,
        applicant_id=request.user.pk,
    )


def _get_evidence_for_applicant(request: HttpRequest, pk: int, evidence_pk: int) -> Evidence:
    application = _get_application_for_applicant(request, pk)
    return get_object_or_404(application.evidence.all(), pk=evidence_pk)


# Dashboard and starting ------------------------------------------------------------------


@dataclass(frozen=True)
class EditedCommunity:
    community: Community
    membership: Membership | None
    dues: Any


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where the user's applications, communities and join requests stand."""
    user: Any = request.user
    applications = Application.objects.for_applicant(user).prefetch_related(
        Prefetch(
            "messages",
            queryset=ApplicationMessage.objects.filter(from_staff=True).order_by(
                "created_at", "pk"
            ),
            to_attr="staff_messages",
        )
    )
    memberships = Membership.objects.select_related("membership_class", "dues").order_by(
        "-starts_on"
    )
    editors = Editor.objects.of(user).prefetch_related(
        Prefetch("community__memberships", queryset=memberships)
    )
    context = {
        "applications": [(a, _next_step(a)) for a in applications],
        "edited": [_edited_community(editor.community) for editor in editors],
        "awaiting": list(JoinRequest.objects.awaiting(user)),
        "own_requests": list(JoinRequest.objects.filter(user=user).select_related("community")),
    }
    return render(
        request,
        "membership/dashboard.html",
        {**context, "is_new": not any(context.values())},
    )


def _edited_community(community: Community) -> EditedCommunity:
    membership = next(iter(community.memberships.all()), None)
    return EditedCommunity(community, membership, getattr(membership, "dues", None))


def _next_step(application: Application) -> str:
    """Where the applicant continues: the first step with something missing, else review."""
    if not application.is_editable:
        return application.get_absolute_url()
    missing = [step for step, _message in missing_for_submission(application)]
    return _step_url(application, missing[0] if missing else "review")


def _step_url(application: Application, step: str) -> str:
    return reverse("membership:application-step", kwargs={"pk": application.pk, "step": step})


@require_http_methods(["GET", "HEAD", "POST"])
@verified_email_required
def apply(request: HttpRequest) -> HttpResponse:
    """Find the community in the reference data, or enter it by hand, and start a draft."""
    search = CommunitySearchForm(request.GET or None)
    by_hand = CommunityByHandForm(request.POST if "by_hand" in request.POST else None)
    refusal = None
    if request.method == "POST":
        application, refusal = _start(request, by_hand)
        if application is not None:
            messages.success(
                request,
                _("Your application for %(community)s is saved as a draft.")
                % {"community": application.community},
            )
            return redirect(_step_url(application, "population"))
    results, count = _search(search, request.user)
    return render(
        request,
        "membership/apply.html",
        {
            "search": search,
            "results": results,
            "result_count": count,
            "by_hand": by_hand,
            "refusal": refusal,
            "page_has_errors": bool(refusal or by_hand.errors),
            "in_progress": [
                (a, _next_step(a))
                for a in Application.objects.for_applicant(request.user).in_progress()
            ],
        },
        status=400 if refusal or by_hand.errors else 200,
    )


def _start(
    request: HttpRequest, by_hand: CommunityByHandForm
) -> tuple[Application | None, Refusal | None]:
    """The draft for the picked or typed community, or why there is none.

    A refusal about a typed field goes to that field of `by_hand` instead.
    """
    if "by_hand" in request.POST:
        if not by_hand.is_valid():
            return None, None
        try:
            with transaction.atomic():  # no community is left behind when the draft is refused
                community = add_community_by_hand(**by_hand.cleaned_data, by=request.user)
                return start_application(community, by=request.user, entered_by_hand=True), None
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                by_hand.add_error(None, error)
                return None, None
            return None, Refusal(" ".join(error.messages))
    choice = CommunityChoiceForm(request.POST)
    if not choice.is_valid():
        message = _("We could not tell which community you chose. Search again and choose it.")
        return None, Refusal(message)
    community = choice.cleaned_data["community"]
    try:
        return start_application(community, by=request.user), None
    except ValidationError as error:
        join_url = None
        if _code(error) in ("community_is_member", "application_in_progress"):
            join_url = _join_url(community)
        return None, Refusal(" ".join(error.messages), join_url)


@dataclass(frozen=True)
class Refusal:
    """Why no application was started, for the top of the page."""

    message: str
    join_url: str | None = None


def _join_url(community: Community) -> str | None:
    try:
        return reverse("membership:join-request-create", kwargs={"slug": community.slug})
    except NoReverseMatch:  # a slug the URL pattern does not accept
        return None


def _search(form: CommunitySearchForm, user: Any) -> tuple[list[Community], int]:
    """Matching communities, best matches first (see `best_matches_first`), each marked when
    it is a member already or another official has applied for it (they are offered to join
    instead of applying)."""
    if not form.is_valid() or not form.cleaned_data["q"]:
        return [], 0
    matches = Community.objects.matching(form.cleaned_data["q"])
    ordered = matches.best_matches_first(form.cleaned_data["q"]).annotate(
        is_member=Exists(Membership.objects.active().filter(community=OuterRef("pk"))),
        applied_for_by_another=Exists(
            Application.objects.in_progress()
            .filter(community=OuterRef("pk"))
            .exclude(applicant=user)
        ),
    )
    return list(ordered[:SEARCH_LIMIT]), matches.count()


# The steps ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    application = _get_application_for_applicant(request, pk)
    if request.method != "POST" and not application.is_editable:
        messages.info(
            request,
            _("This application is %(status)s, so it can no longer be changed.")
            % {"status": application.get_status_display().lower()},
        )
        return redirect(application)
    if step in FORM_STEPS:
        return _form_step(request, application, step)
    if step == "evidence":
        return _evidence_step(request, application)
    if request.method == "POST":  # community and review have no form of their own
        return redirect(_step_url(application, step))
    if step == "review":
        return _render_review(request, application, SubmitForm(initial=_initial(application)))
    return _render_step(request, application, step)


def _initial(application: Application, form_class: type[StepForm] = SubmitForm) -> dict:
    names = [name for name in form_class.base_fields if hasattr(application, name)]
    return {"revision": application.revision, **{n: getattr(application, n) for n in names}}


def _form_step(request: HttpRequest, application: Application, step: str) -> HttpResponse:
    form_class = FORM_STEPS[step]
    if request.method != "POST":
        form = form_class(initial=_initial(application, form_class))
        return _render_step(request, application, step, form=form)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            application = update_application(
                application,
                by=request.user,
                revision=form.cleaned_data["revision"],
                fields=form.application_fields(),
            )
        except ValidationError as error:
            form = _refused(form, error, application)
        else:
            messages.success(request, _saved_message(application, step))
            return _after_save(request, application, step)
    return _render_step(request, application, step, form=form)


def _refused[FormT: StepForm](
    form: FormT, error: ValidationError, application: Application
) -> FormT:
    """The form as posted, with the service's refusal at its field or at the top.

    After a stale-page refusal the form carries the current revision, so that sending it
    again, now that the user has been told, saves it.
    """
    if _code(error) == "stale":
        application.refresh_from_db()
        data = dict(form.data.items())
        data[form.add_prefix("revision")] = str(application.revision)
        form = type(form)(data, form.files, prefix=form.prefix)
        form.is_valid()
        _show_values_saved_meanwhile(form, application)
    form.add_error(None, error)
    return form


def _show_values_saved_meanwhile(form: StepForm, application: Application) -> None:
    """Beside each field the other page changed, what is saved now: the user sees both and
    chooses, instead of overwriting the other change unawares."""
    posted = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    for name, field in form.fields.items():
        if name == "revision" or not hasattr(application, name):
            continue
        saved = getattr(application, name)
        if name in posted and posted[name] != saved and not field.widget.is_hidden:
            shown = saved if saved not in (None, "") else _("(empty)")
            if isinstance(saved, bool):
                shown = _("ticked") if saved else _("not ticked")
            elif hasattr(application, f"get_{name}_display"):  # a choice: its words
                shown = getattr(application, f"get_{name}_display")() or shown
            form.add_error(
                name,
                ValidationError(
                    _("Saved meanwhile: “%(value)s”. Send yours to replace it.") % {"value": shown},
                    code="changed_meanwhile",
                ),
            )


def _saved_message(application: Application, step: str) -> str:
    if step == "population" and application.membership_class is not None:
        return _(
            "Saved. With a population of %(population)s, %(community)s is in %(class)s: "
            "%(dues)s a year."
        ) % {
            "population": f"{application.population:,}",
            "community": application.community,
            "class": application.membership_class.name,
            "dues": format_usd(application.membership_class.annual_dues),
        }
    return _("Saved.")


def _after_save(request: HttpRequest, application: Application, step: str) -> HttpResponse:
    """“Save and continue” goes to the next step; “Save draft” stays on this one."""
    if request.POST.get("then") == "next":
        return redirect(_step_url(application, STEPS[STEPS.index(step) + 1]))
    return redirect(_step_url(application, step))


def _evidence_step(request: HttpRequest, application: Application) -> HttpResponse:
    """Two ways to show the applicant may register the community: an official address
    confirmed by a link, or an uploaded letter."""
    email_form: OfficialEmailForm | None = OfficialEmailForm(
        initial=_initial(application, OfficialEmailForm)
    )
    upload_form: EvidenceUploadForm | None = EvidenceUploadForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("email", "resend"):
        email_form = _save_official_email(request, application, resend=action == "resend")
    elif action == "upload":
        upload_form = _save_upload(request, application)
    elif action is not None:
        return redirect(_step_url(application, "evidence"))
    if email_form is None or upload_form is None:
        return redirect(_step_url(application, "evidence"))
    return _render_step(
        request,
        application,
        "evidence",
        email_form=email_form,
        upload_form=upload_form,
        evidence=application.evidence.all(),
    )


def _save_official_email(
    request: HttpRequest, application: Application, *, resend: bool
) -> OfficialEmailForm | None:
    """The form with its errors, or None once saved (a message says what happens next)."""
    if resend:  # the address on record, whatever the page showed
        data = request.POST.copy()
        data["email-official_email"] = application.official_email
        data["email-revision"] = str(application.revision)
        form = OfficialEmailForm(data)
    else:
        form = OfficialEmailForm(request.POST)
    if not form.is_valid():
        return form
    try:
        application = set_official_email(
            application,
            form.cleaned_data["official_email"],
            by=request.user,
            revision=None if resend else form.cleaned_data["revision"],
        )
    except ValidationError as error:
        return _refused(form, error, application)
    if application.has_confirmed_official_email:
        messages.success(
            request, _("%(email)s is confirmed.") % {"email": application.official_email}
        )
    else:
        messages.success(
            request,
            _("We sent a link to %(email)s. Open it within 7 days to confirm the address.")
            % {"email": application.official_email},
        )
    return None


def _save_upload(request: HttpRequest, application: Application) -> EvidenceUploadForm | None:
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    try:
        evidence = add_evidence(
            application,
            form.cleaned_data["file"],
            by=request.user,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as error:
        form.add_error(None if _code(error) in PAGE_ERRORS else "file", error)
        return form
    messages.success(request, _("%(name)s is uploaded.") % {"name": evidence.original_name})
    return None


def _progress(application: Application, current: str) -> list[dict[str, Any]]:
    missing = {step for step, _message in missing_for_submission(application)}
    return [
        {
            "name": step,
            "title": STEP_TITLES[step],
            "url": _step_url(application, step),
            "current": step == current,
            "done": step != "review" and step not in missing,
            "missing": step in missing,
        }
        for step in STEPS
    ]


def _render_step(
    request: HttpRequest, application: Application, step: str, **context: Any
) -> HttpResponse:
    forms = [value for value in context.values() if hasattr(value, "errors")]
    index = STEPS.index(step)
    if step == "population" and application.reference_population is None and "form" in context:
        # A community typed by hand has no reference figure to fall back on.
        field = context["form"].fields["stated_population"]
        field.label = _("Population")
        field.help_text = _("A whole number. It sets the membership class.")
    return render(
        request,
        f"membership/application_step_{step}.html",
        {
            "application": application,
            "step": step,
            "step_title": STEP_TITLES[step],
            "step_number": index + 1,
            "step_count": len(STEPS),
            "progress": _progress(application, step),
            "next_url": _step_url(application, STEPS[index + 1]) if index + 1 < len(STEPS) else "",
            "current_year": MembershipClass.objects.current_year(),
            # The tab's title says a refused page failed, before anything else is read.
            "page_has_errors": any(form.is_bound and form.errors for form in forms),
            **context,
        },
        status=400 if any(form.is_bound and form.errors for form in forms) else 200,
    )


def _render_review(
    request: HttpRequest, application: Application, form: SubmitForm
) -> HttpResponse:
    return _render_step(
        request,
        application,
        "review",
        form=form,
        missing=missing_for_submission(application),
        evidence=application.evidence.all(),
    )


# Submitting, answering, withdrawing ---------------------------------------------------


@require_POST
@login_required
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_applicant(request, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            application = submit_application(
                application,
                by=request.user,
                revision=form.cleaned_data["revision"],
                accept_terms=form.cleaned_data["accept_terms"],
            )
        except ValidationError as error:
            if _code(error) == "not_editable":
                messages.error(request, " ".join(error.messages))
                return redirect(application)
            form = _refused(form, error, application)
        else:
            messages.success(
                request,
                _(
                    "Your application is sent. The membership team will review it and "
                    "write to you by e-mail."
                ),
            )
            return redirect(application)
    application.refresh_from_db()
    return _render_review(request, application, form)


@require_safe
@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_applicant(request, pk)
    return _render_detail(request, application, AnswerForm())


def _render_detail(
    request: HttpRequest, application: Application, answer_form: AnswerForm
) -> HttpResponse:
    if application.status != Application.Status.NEEDS_INFORMATION:
        # Nobody asked anything yet: it is a message, not an answer.
        answer_form.fields["body"].label = _("Your message to the membership team")
    return render(
        request,
        "membership/application_detail.html",
        {
            "application": application,
            "evidence": application.evidence.all(),
            "thread": application.messages.all(),
            "answer_form": answer_form,
            "may_answer": application.status in Application.DECIDABLE,
            "continue_url": _next_step(application) if application.is_editable else "",
            "page_has_errors": bool(answer_form.errors),
        },
        status=400 if answer_form.errors else 200,
    )


@require_POST
@login_required
def application_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's message or answer to staff (see `answer_question`)."""
    application = _get_application_for_applicant(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, form)
    try:
        answer = answer_question(application, by=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:  # decided or withdrawn meanwhile
        messages.error(request, " ".join(error.messages))
        return redirect(application)
    if answer.missing:
        messages.warning(
            request,
            _(
                "Your answer is sent, but the application could not go back to the team yet: "
                "%(reasons)s Complete it below, then submit it again."
            )
            % {"reasons": " ".join(answer.missing)},
        )
        return redirect(_step_url(application, "review"))
    if answer.resubmitted:
        messages.success(
            request,
            _("Your answer is sent and your application is back with the membership team."),
        )
    else:
        messages.success(request, _("Your message is sent to the membership team."))
    return redirect(application)


@require_POST
@login_required
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get_application_for_applicant(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _(
                "Nothing was withdrawn. To withdraw, tick the box that confirms it, then press the button."
            ),
        )
        return redirect(application)
    try:
        withdraw_application(application, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("You withdrew the application for %(community)s.")
            % {"community": application.community},
        )
    return redirect(application)


# Evidence ------------------------------------------------------------------------------


@require_POST
@login_required
def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    evidence = _get_evidence_for_applicant(request, pk, evidence_pk)
    application = evidence.application
    try:
        remove_evidence(evidence, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(application)
    messages.success(request, _("%(name)s is removed.") % {"name": evidence.original_name})
    return redirect(_step_url(application, "evidence"))


# The confirmation link -------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def official_email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. Opening it only asks: mail scanners open links too, so the
    address is confirmed by pressing the button (POST), by whoever holds the link."""
    try:
        if request.method == "POST":
            application = confirm_official_email(token)
            confirmed_now = True
        else:
            application = application_for_token(token)
            confirmed_now = False
    except ValidationError as error:
        return render(
            request,
            "membership/official_email_confirm.html",
            {"error": " ".join(error.messages)},
            status=400,
        )
    return render(
        request,
        "membership/official_email_confirm.html",
        {"application": application, "confirmed_now": confirmed_now},
    )
