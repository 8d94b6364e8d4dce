"""The admin of the core domain: communities, membership classes, memberships, partnerships."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from membership.admin.base import PortalModelAdmin, SafeAutocompleteMixin
from membership.models import Community, Membership, MembershipClass, Partnership


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    """Two new active memberships in one save must be refused like one beside an existing one."""

    def initial_form_count(self) -> int:
        # The admin shows an existing row's form beside its row only; a posted count above the
        # rows there are (forged, or on the add page) would leave those forms and their errors
        # unseen. Past the rows they are new forms, shown with their errors.
        count = super().initial_form_count()
        if self.is_bound:
            return min(count, len(self.get_queryset()))
        return count

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
    readonly_fields = [
        "geonameid",
        "created_at",
        "updated_at",
        "editors_panel",
        "applications_panel",
    ]
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
        (_("Editors and applications"), {"fields": ["editors_panel", "applications_panel"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Community | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # a community being added has no editors or applications yet
            return [
                fieldset for fieldset in fieldsets if "editors_panel" not in fieldset[1]["fields"]
            ]
        return fieldsets

    @admin.display(description=_("editors"))
    def editors_panel(self, obj: Community) -> SafeString:
        if obj.pk is None:
            return SafeString("")
        editors = obj.editors.select_related("user", "added_by").order_by("added_at")
        return render_to_string(
            "admin/membership/includes/community_editors.html", {"editors": editors}
        )

    @admin.display(description=_("applications"))
    def applications_panel(self, obj: Community) -> SafeString:
        if obj.pk is None:
            return SafeString("")
        applications = obj.applications.select_related("applicant", "membership_class").order_by(
            "-created_at"
        )
        return render_to_string(
            "admin/membership/includes/community_applications.html",
            {"applications": applications},
        )


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
