"""The staff side of applications: the queue, the application as the applicant entered it,
and the decisions (which only the services in membership.services.applications make)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from membership.admin.base import PortalModelAdmin, clean_search_term
from membership.admin.decisions import (
    APPROVE,
    DECISIONS,
    REJECT,
    REQUEST_INFORMATION,
    WITHDRAW,
    Decision,
    carry_out,
    seen_revisions,
)
from membership.models import (
    Application,
    ApplicationMessage,
    Community,
    Evidence,
    Membership,
    RecognizedDomain,
)
from membership.models.applications import normalize_domain
from membership.money import format_usd
from membership.services.applications import DECIDE_PERMISSION, correct_population

Status = Application.Status


class EvidenceKindFilter(admin.SimpleListFilter):
    """What backs the applicant's claim to speak for the community: the four cases are
    exclusive, so each application is under exactly one of them."""

    title = _("evidence")
    parameter_name = "evidence"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("address", _("Confirmed official address only")),
            ("document", _("Uploaded document only")),
            ("both", _("Both")),
            ("none", _("None")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        confirmed = {"official_email_confirmed_at__isnull": False}
        match self.value():
            case "address":
                return queryset.filter(**confirmed, document_count=0)
            case "document":
                return queryset.exclude(**confirmed).filter(document_count__gt=0)
            case "both":
                return queryset.filter(**confirmed, document_count__gt=0)
            case "none":
                return queryset.exclude(**confirmed).filter(document_count=0)
        return None


class CountryFilter(admin.SimpleListFilter):
    """The countries of the communities that applied, rather than all 250."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = (
            Application.objects.exclude(community=None)
            .order_by()
            .values_list("community__country", flat=True)
            .distinct()
        )
        return sorted(((code, countries.name(code) or code) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value():
            return queryset.filter(community__country=self.value())
        return None


class ClassFilter(admin.RelatedOnlyFieldListFilter):
    """The classes applications fall in; applications without a population have none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.empty_value_display = format_html("{}", gettext("No class yet"))


class ReadOnlyInline(admin.TabularInline):
    """A list shown on the application's page that staff read but do not edit."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return user.has_perm("membership.view_application") or user.has_perm(
            "membership.change_application"
        )


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    template = "admin/membership/application/evidence_inline.html"
    fields = readonly_fields = ("original_name", "kind", "content_type", "size", "uploaded_at")


class MessageInline(ReadOnlyInline):
    model = ApplicationMessage
    verbose_name_plural = _("messages with the applicant")
    template = "admin/membership/application/messages_inline.html"
    fields = readonly_fields = ("from_staff", "author", "created_at", "body")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationMessage]:
        return super().get_queryset(request).select_related("author")


class ApplicationAdminForm(forms.ModelForm):
    """Staff change one figure, the corrected population; the rest is the applicant's."""

    # The revision the page was opened at: a save over a newer one is refused, not merged.
    seen_revision = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Application
        fields = ["corrected_population"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seen_revision"].initial = self.instance.revision

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if str(data.get("seen_revision") or "").strip() != str(self.instance.revision):
            raise ValidationError(
                _(
                    "This application changed after you opened this page. Nothing was saved; "
                    "check the current figures below and enter your correction again."
                ),
                code="stale",
            )
        return data


@admin.register(Application)
class ApplicationAdmin(PortalModelAdmin):
    form = ApplicationAdminForm
    view_on_site = False  # the applicant's page is the applicant's only
    change_form_template = "admin/membership/application/change_form.html"
    list_display = [
        "number",
        "community_names",
        "country",
        "status",
        "class_name",
        "population_and_flag",
        "evidence_summary",
        "submitted_on",
    ]
    list_display_links = ["number", "community_names"]
    list_filter = [
        "status",
        CountryFilter,
        ("membership_class", ClassFilter),
        EvidenceKindFilter,
        "population_flagged",
        "community_entered_by_hand",
    ]
    search_fields = [
        "community__name",
        "community__native_name",
        "applicant__email",
        "official_email",
        "title",
        "office",
        "primary_contact_name",
        "primary_contact_email",
        "billing_contact_name",
        "billing_contact_email",
    ]
    # Waiting applications first, the one waiting longest at the top.
    ordering = [
        Case(
            When(status=Status.SUBMITTED, then=Value(0)),
            When(status=Status.NEEDS_INFORMATION, then=Value(1)),
            When(status=Status.DRAFT, then=Value(3)),
            default=Value(2),
            output_field=IntegerField(),
        ).asc(),
        "submitted_at",
        "-created_at",
    ]
    actions = [
        "approve_selected",
        "reject_selected",
        "request_information_selected",
        "withdraw_selected",
    ]
    inlines = [EvidenceInline, MessageInline]
    history_list_display = ["status_shown", "population_shown"]
    fieldsets = [
        (
            _("Community"),
            {
                "fields": [
                    "community_shown",
                    ("applicant", "community_entered_by_hand"),
                    ("created_at", "submitted_at"),
                ]
            },
        ),
        (
            _("Population"),
            {
                "fields": [
                    ("reference_figure", "stated_figure", "population_check"),
                    "corrected_population",
                    ("population_used", "membership_class", "annual_dues"),
                ],
                "description": _(
                    "The class follows the corrected population if staff set one, else the "
                    "applicant's figure, else the reference figure. Saving recomputes them."
                ),
            },
        ),
        (
            _("Who is applying"),
            {
                "fields": [
                    ("role", "title", "office"),
                    ("official_email", "official_email_state", "official_domain"),
                ]
            },
        ),
        (
            _("Contacts"),
            {
                "fields": [
                    ("primary_contact_name", "primary_contact_email", "primary_contact_phone"),
                    ("billing_same_as_primary", "billing_contact_name", "billing_contact_email"),
                    "billing_address",
                ]
            },
        ),
        (
            _("Decision"),
            {
                "fields": [
                    ("status", "decided_by", "decided_at"),
                    "rejection_reason",
                    ("membership", "terms_accepted_at"),
                ],
                "description": _("The status changes only through the buttons at the top."),
            },
        ),
    ]

    # Who may do what: applications come from applicants and are never deleted.

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        """A decided or withdrawn application is only read; it has nothing left to correct."""
        if obj is not None and not obj.is_in_progress:
            return False
        return super().has_change_permission(request, obj)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_staff and user.has_perm(DECIDE_PERMISSION))

    def _may(self, request: HttpRequest, decision: Decision) -> bool:
        if decision.permission == "decide":
            return self.has_decide_permission(request)
        return self.has_change_permission(request)

    # The list.

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """The fields above, and the community by any of its names as the public search
        reads them: in any script, whatever the case and accents ("lodz" finds Łódź)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = clean_search_term(search_term)
        if term.strip():
            results |= queryset.filter(community__in=Community.objects.matching(term))
        return results, may_have_duplicates

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        documents = (
            Evidence.objects.filter(application=OuterRef("pk"))
            .order_by()
            .values("application")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("community", "membership_class", "applicant")
            .annotate(document_count=Coalesce(Subquery(documents, output_field=IntegerField()), 0))
        )

    def _editable(self, request: HttpRequest, obj: Application | None) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Application | None = None) -> Any:
        editable = {"corrected_population"} if self._editable(request, obj) else set()
        return [
            name
            for name in flatten_fieldsets(self.get_fieldsets(request, obj))
            if name not in editable
        ]

    @admin.display(description=_("no."), ordering="pk")
    def number(self, obj: Application) -> int:
        return obj.pk

    @admin.display(description=_("community"), ordering="community__name")
    def community_names(self, obj: Application) -> str:
        community = obj.community
        if community is None:
            return gettext("no community yet")
        if community.native_name and community.native_name != community.name:
            return format_html("{}<br>{}", community.name, _native(community))
        return community.name

    @admin.display(description=_("country"), ordering="community__country")
    def country(self, obj: Application) -> str:
        return obj.community.country_info.name if obj.community else "—"

    @admin.display(description=_("population used"), ordering="population")
    def population_used(self, obj: Application) -> str:
        return f"{obj.population:,}" if obj.population is not None else "—"

    @admin.display(description=_("class"), ordering="membership_class__min_population")
    def class_name(self, obj: Application) -> str:
        return obj.membership_class.name if obj.membership_class else "—"

    @admin.display(description=_("population"), ordering="population")
    def population_and_flag(self, obj: Application) -> str:
        if obj.population is None:
            return "—"
        if obj.population_flagged:
            return format_html(
                '{}<br><strong class="portal-flag">{}</strong>',
                f"{obj.population:,}",
                gettext("Differs by over 10%"),
            )
        return f"{obj.population:,}"

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_on(self, obj: Application) -> str:
        return f"{timezone.localtime(obj.submitted_at):%Y-%m-%d}" if obj.submitted_at else "—"

    @admin.display(description=_("population check"), ordering="population_flagged")
    def population_check(self, obj: Application) -> str:
        if obj.population_flagged:
            return format_html(
                '<strong class="portal-flag">{}</strong>', gettext("Differs by over 10%")
            )
        if obj.reference_population is None or obj.stated_population is None:
            return gettext("One figure only")
        return gettext("Within 10%")

    @admin.display(description=_("evidence"))
    def evidence_summary(self, obj: Application) -> str:
        parts = []
        if obj.official_email_confirmed_at is not None:
            parts.append(gettext("Address confirmed"))
        count = getattr(obj, "document_count", None)
        if count is None:
            count = obj.evidence.count()
        if count:
            parts.append(
                gettext("%(count)s document") % {"count": count}
                if count == 1
                else gettext("%(count)s documents") % {"count": count}
            )
        if not parts:
            return format_html('<strong class="portal-flag">{}</strong>', gettext("None"))
        if len(parts) == 2:
            return format_html("{}<br>{}", *parts)
        return parts[0]

    # The application's page.

    @admin.display(description=_("community"))
    def community_shown(self, obj: Application) -> str:
        community = obj.community
        if community is None:
            return gettext("No community chosen yet.")
        url = reverse("admin:membership_community_change", args=[community.pk])
        place = ", ".join(part for part in (community.region, community.country_info.name) if part)
        return format_html(
            '<a href="{}">{}</a>{} — {}',
            url,
            community.name,
            format_html(" {}", _native(community))
            if community.native_name and community.native_name != community.name
            else "",
            place,
        )

    @admin.display(description=_("reference figure"))
    def reference_figure(self, obj: Application) -> str:
        return _figure(obj.reference_population, obj.reference_population_source)

    @admin.display(description=_("applicant's figure"))
    def stated_figure(self, obj: Application) -> str:
        return _figure(obj.stated_population, obj.stated_population_source)

    @admin.display(description=_("annual dues"))
    def annual_dues(self, obj: Application) -> str:
        if obj.membership_class is None:
            return gettext("No class for this population yet")
        return format_usd(obj.membership_class.annual_dues)

    @admin.display(description=_("address confirmed"))
    def official_email_state(self, obj: Application) -> str:
        if not obj.official_email:
            return "—"
        if obj.official_email_confirmed_at is None:
            return gettext("Not confirmed: the applicant has not opened the link yet")
        return gettext("Confirmed on %(date)s") % {
            "date": f"{obj.official_email_confirmed_at:%Y-%m-%d %H:%M}"
        }

    @admin.display(description=_("status"))
    def status_shown(self, record: Any) -> str:
        return str(Status(record.status).label) if record.status in Status.values else record.status

    @admin.display(description=_("population used"))
    def population_shown(self, record: Any) -> str:
        return f"{record.population:,}" if record.population is not None else "—"

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Application | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context["decision_links"] = [
                {
                    "url": reverse(
                        f"admin:membership_application_{_url_name(decision)}", args=[obj.pk]
                    ),
                    "label": decision.label,
                    "css_class": decision.css_class,
                }
                for decision in DECISIONS
                if obj.status in decision.statuses and self._may(request, decision)
            ]
            context["same_community"] = _same_community(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        # The one field staff edit here (the form's revision check makes its initial value the
        # saved one); the service tells the applicant.
        correct_population(
            obj, by=request.user, population=form.cleaned_data.get("corrected_population")
        )
        if "corrected_population" in form.changed_data and obj.status != Status.DRAFT:
            self.message_user(
                request,
                gettext("The applicant is e-mailed the figure, class and dues that now apply."),
            )

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Reverting would rewrite the applicant's entries and the status around the services.
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    # Decisions: one application from its page, or several from the list.

    def get_urls(self) -> list[URLPattern]:
        def view(decision: Decision) -> Any:
            def decide(request: HttpRequest, object_id: str) -> HttpResponse:
                return self.decision_view(request, object_id, decision)

            return self.admin_site.admin_view(decide)

        custom = [
            path(
                f"<path:object_id>/{decision.name}/",
                view(decision),
                name=f"membership_application_{_url_name(decision)}",
            )
            for decision in DECISIONS
        ]
        return custom + super().get_urls()

    def decision_view(self, request: HttpRequest, object_id: str, decision: Decision) -> Any:
        if not self._may(request, decision):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = decision.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            carry_out(
                request,
                [application],
                decision,
                form.cleaned_data,
                seen=seen_revisions(request.POST),
            )
            return HttpResponseRedirect(
                reverse("admin:membership_application_change", args=[application.pk])
            )
        return self._confirmation(request, [application], decision, form, bulk=False)

    def _bulk(
        self, request: HttpRequest, queryset: QuerySet[Application], decision: Decision
    ) -> Any:
        confirmed = "confirm" in request.POST
        form = decision.form_class(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            carry_out(
                request, queryset, decision, form.cleaned_data, seen=seen_revisions(request.POST)
            )
            return None  # back to the list, with one message per application
        return self._confirmation(request, list(queryset), decision, form, bulk=True)

    @admin.action(description=_("Approve the selected applications"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> Any:
        return self._bulk(request, queryset, APPROVE)

    @admin.action(description=_("Reject the selected applications"), permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> Any:
        return self._bulk(request, queryset, REJECT)

    @admin.action(
        description=_("Ask the selected applicants for information"), permissions=["change"]
    )
    def request_information_selected(
        self, request: HttpRequest, queryset: QuerySet[Application]
    ) -> Any:
        return self._bulk(request, queryset, REQUEST_INFORMATION)

    @admin.action(
        description=_("Withdraw the selected applications, with a reason"), permissions=["change"]
    )
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> Any:
        return self._bulk(request, queryset, WITHDRAW)

    def _confirmation(
        self,
        request: HttpRequest,
        applications: list[Application],
        decision: Decision,
        form: forms.Form,
        *,
        bulk: bool,
    ) -> TemplateResponse:
        rows = [
            (application, decision.may_apply_to(application), _number(application.population))
            for application in applications
        ]
        changelist = reverse("admin:membership_application_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": decision.title_many if len(applications) > 1 else decision.title_one,
            "decision": decision,
            "form": form,
            "rows": rows,
            "actionable": any(not note for _application, note, _population in rows),
            "bulk": bulk,
            "action_name": _action_name(decision),
            "cancel_url": request.get_full_path()
            if bulk
            else reverse("admin:membership_application_change", args=[applications[0].pk])
            if applications
            else changelist,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/membership/application/decision_confirmation.html", context
        )


def _url_name(decision: Decision) -> str:
    return decision.name.replace("-", "_")


def _action_name(decision: Decision) -> str:
    return f"{_url_name(decision)}_selected"


def _native(community: Any) -> str:
    """The native name, marked with its language where known, for screen readers and fonts."""
    if community.native_lang:
        return format_html(
            '<span lang="{}" dir="auto">{}</span>', community.native_lang, community.native_name
        )
    return format_html('<bdi dir="auto">{}</bdi>', community.native_name)


def _number(population: int | None) -> str:
    return "—" if population is None else f"{population:,}"


def _figure(population: int | None, source: str) -> str:
    if population is None:
        return "—"
    return f"{population:,} ({source})" if source else f"{population:,}"


def _same_community(application: Application) -> dict[str, Any] | None:
    """The community's other applications and its memberships, for the panel on the page."""
    if application.community_id is None:
        return None
    others = (
        Application.objects.filter(community_id=application.community_id)
        .exclude(pk=application.pk)
        .select_related("applicant", "membership_class")
        .order_by("-created_at")
    )
    memberships = (
        Membership.objects.filter(community_id=application.community_id)
        .select_related("membership_class")
        .order_by("-starts_on")
    )
    return {"applications": list(others), "memberships": list(memberships)}


class RecognizedDomainForm(forms.ModelForm):
    class Meta:
        model = RecognizedDomain
        fields = ["domain", "country", "note"]

    def clean_domain(self) -> str:
        """The model normalises the domain too; here a domain that cannot be one is refused
        at its field rather than at the top of the form."""
        try:
            return normalize_domain(self.cleaned_data["domain"])
        except ValidationError as error:
            raise ValidationError(
                _("Enter a domain such as gv.at, without @ or spaces."), code="invalid_domain"
            ) from error


@admin.register(RecognizedDomain)
class RecognizedDomainAdmin(PortalModelAdmin):
    form = RecognizedDomainForm
    list_display = ["domain", "country", "note"]
    list_filter = ["country"]
    search_fields = ["domain", "note"]
