"""Dues records: created when a membership term starts; staff record payment."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from membership.admin.base import PortalModelAdmin
from membership.models import DuesRecord


class DuesRecordForm(forms.ModelForm):
    class Meta:
        model = DuesRecord
        fields = ["status", "paid_on"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == DuesRecord.Status.PAID and not data.get("paid_on"):
            self.add_error(
                "paid_on",
                ValidationError(_("Enter the day the dues were paid."), code="paid_without_date"),
            )
        return data


@admin.register(DuesRecord)
class DuesRecordAdmin(PortalModelAdmin):
    form = DuesRecordForm
    list_display = ["community", "membership_class", "amount", "due_on", "status", "paid_on"]
    list_filter = ["status", "membership_class__year", "membership_class__name"]
    search_fields = ["membership__community__name", "membership__community__native_name"]
    fields = ["membership", "membership_class", "amount", "due_on", "status", "paid_on"]
    readonly_fields = ["membership", "membership_class", "amount", "due_on"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DuesRecord]:
        return (
            super()
            .get_queryset(request)
            .select_related("membership__community", "membership_class")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a record is made when a membership term starts

    def has_delete_permission(self, request: HttpRequest, obj: DuesRecord | None = None) -> bool:
        return False

    @admin.display(description=_("community"), ordering="membership__community__name")
    def community(self, obj: DuesRecord) -> Any:
        return obj.membership.community
