from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import DataError
from django.db.models import ForeignKey, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from membership.models import (
    Application,
    Community,
    JoinRequest,
    Membership,
    MembershipClass,
    Partnership,
)

MAX_ID = 2**63 - 1


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete picker, re-showing a refused form that holds a tampered id.

    The stock widget looks the submitted value up as an id and fails on text or on numbers
    beyond 64 bits; here such a value is simply shown as no choice.
    """

    def optgroups(self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None) -> Any:
        return super().optgroups(name, [v for v in value if _is_id(v)], attr)


def _is_id(value: Any) -> bool:
    text = str(value).strip()
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


class SafeAutocompleteMixin:
    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        widget = getattr(formfield, "widget", None)
        inner = getattr(widget, "widget", widget)
        if type(inner) is AutocompleteSelect:
            inner.__class__ = SafeAutocompleteSelect
        return formfield


class PortalModelAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    """The admin of the portal's models: change history, and no server error on tampered URLs.

    The changelist passes URL parameters straight to the database (`?ends_on__year=99999999999`,
    a NUL that PostgreSQL refuses); such a list is answered like any other unusable filter.
    """

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError, DataError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not _is_id(version_id):
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Two new active memberships in one save must be refused like one beside an existing one."""

    def clean(self) -> None:
        super().clean()
        active = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("status") == Membership.Status.ACTIVE
        ]
        if len(active) > 1:
            raise ValidationError(
                "A community holds at most one active membership: set all but one to lapsed or cancelled.",
                code="two_active_memberships",
            )


class MembershipInline(SafeAutocompleteMixin, admin.StackedInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    fields = ["membership_class", "starts_on", "ends_on", "status"]
    autocomplete_fields = ["membership_class"]
    show_change_link = True


@admin.register(Community)
class CommunityAdmin(PortalModelAdmin):
    list_display = ["name", "native_name", "country", "region", "kind", "population"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "native_name", "ascii_name", "slug", "search_text"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["geonameid", "created_at", "updated_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "native_name",
                    "native_script",
                    "ascii_name",
                    "other_names",
                    "kind",
                    "slug",
                ]
            },
        ),
        ("Place", {"fields": ["country", "region", "latitude", "longitude", "geonameid"]}),
        ("Population", {"fields": ["population", "population_source", "population_year"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(MembershipClass)
class MembershipClassAdmin(PortalModelAdmin):
    list_display = ["name", "year", "band_label", "annual_dues", "is_seeded_default"]
    list_filter = ["year", "is_seeded_default"]
    search_fields = ["name"]
    ordering = ["-year", "min_population"]

    @admin.display(description="population band")
    def band_label(self, obj: MembershipClass) -> str:
        return obj.band_label


@admin.register(Membership)
class MembershipAdmin(PortalModelAdmin):
    list_display = ["community", "membership_class", "starts_on", "ends_on", "status"]
    list_filter = [
        "status",
        "membership_class__year",
        "membership_class__name",
        "community__country",
    ]
    search_fields = ["community__name", "community__native_name"]
    autocomplete_fields = ["community", "membership_class"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("community", "membership_class")


class PartnershipAdminForm(forms.ModelForm):
    """Staff may pick the two communities in either order; the pair is stored in one order."""

    class Meta:
        model = Partnership
        fields = ["community_a", "community_b", "established_year", "status", "source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("community_a"), data.get("community_b")
        if first is not None and second is not None:
            if first.pk == second.pk:
                raise ValidationError(
                    "A community cannot partner with itself.", code="self_partnership"
                )
            if first.pk > second.pk:
                data["community_a"], data["community_b"] = second, first
        return data


@admin.register(Partnership)
class PartnershipAdmin(PortalModelAdmin):
    form = PartnershipAdminForm
    list_display = ["community_a", "community_b", "established_year", "status"]
    list_filter = ["status"]
    search_fields = [
        "community_a__name",
        "community_b__name",
        "community_a__native_name",
        "community_b__native_name",
    ]
    autocomplete_fields = ["community_a", "community_b"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        return super().get_queryset(request).select_related("community_a", "community_b")


@admin.register(Application)
class ApplicationAdmin(PortalModelAdmin):
    list_display = ["__str__", "status"]


@admin.register(JoinRequest)
class JoinRequestAdmin(PortalModelAdmin):
    list_display = ["__str__", "status"]
