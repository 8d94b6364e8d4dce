from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from membership.models import Community, Membership, MembershipClass, Partnership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["membership_class", "starts_on", "ends_on", "status"]
    autocomplete_fields = ["membership_class"]
    show_change_link = True


@admin.register(Community)
class CommunityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "native_name", "country", "region", "kind", "population"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "native_name", "ascii_name", "slug", "search_text"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["geonameid", "created_at", "updated_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "native_name", "native_script", "ascii_name", "other_names", "kind", "slug"]}),
        ("Place", {"fields": ["country", "region", "latitude", "longitude", "geonameid"]}),
        ("Population", {"fields": ["population", "population_source", "population_year"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(MembershipClass)
class MembershipClassAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "band_label", "annual_dues", "is_seeded_default"]
    list_filter = ["year", "is_seeded_default"]
    list_editable = ["annual_dues"]
    search_fields = ["name"]
    ordering = ["-year", "min_population"]

    @admin.display(description="population band")
    def band_label(self, obj: MembershipClass) -> str:
        return obj.band_label


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["community", "membership_class", "starts_on", "ends_on", "status"]
    list_filter = ["status", "membership_class__year", "membership_class__name", "community__country"]
    search_fields = ["community__name", "community__native_name"]
    autocomplete_fields = ["community", "membership_class"]
    date_hierarchy = "ends_on"

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
                raise ValidationError("A community cannot partner with itself.", code="self_partnership")
            if first.pk > second.pk:
                data["community_a"], data["community_b"] = second, first
        return data


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    form = PartnershipAdminForm
    list_display = ["community_a", "community_b", "established_year", "status"]
    list_filter = ["status"]
    search_fields = ["community_a__name", "community_b__name", "community_a__native_name", "community_b__native_name"]
    autocomplete_fields = ["community_a", "community_b"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        return super().get_queryset(request).select_related("community_a", "community_b")
