"""Who edits a community's profile, and other officials' requests to join them."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from membership.admin.base import PortalModelAdmin
from membership.models import Editor, JoinRequest
from membership.services.editors import accept_join_request, decline_join_request

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


@admin.register(Editor)
class EditorAdmin(PortalModelAdmin):
    list_display = ["community", "user", "added_at", "added_by"]
    list_filter = ["community__country"]
    search_fields = ["community__name", "community__native_name", "user__email"]
    autocomplete_fields = ["community", "user"]
    fields = ["community", "user", "added_by", "added_at"]
    readonly_fields = ["added_by", "added_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Editor]:
        return super().get_queryset(request).select_related("community", "user", "added_by")

    def save_model(self, request: HttpRequest, obj: Editor, form: Any, change: bool) -> None:
        if not change:
            obj.added_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(JoinRequest)
class JoinRequestAdmin(PortalModelAdmin):
    list_display = ["community", "user", "title", "office", "status", "created_at"]
    list_filter = ["status", "role", "community__country"]
    search_fields = ["community__name", "community__native_name", "user__email", "title", "office"]
    fields = [
        "community",
        "user",
        "role",
        "title",
        "office",
        "message",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    readonly_fields = fields
    actions = ["accept_selected", "decline_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JoinRequest]:
        return super().get_queryset(request).select_related("community", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # officials send join requests from the portal

    def has_delete_permission(self, request: HttpRequest, obj: JoinRequest | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JoinRequest | None = None) -> bool:
        """A request is only read (the official wrote it); Accept and Decline decide it."""
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.action(
        description=_("Accept: make them editors"), permissions=["change"], location=BOTH_PLACES
    )
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[JoinRequest]) -> None:
        self._decide(request, queryset, accept_join_request, gettext("%(request)s: accepted."))

    @admin.action(description=_("Decline"), permissions=["change"], location=BOTH_PLACES)
    def decline_selected(self, request: HttpRequest, queryset: QuerySet[JoinRequest]) -> None:
        self._decide(request, queryset, decline_join_request, gettext("%(request)s: declined."))

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[JoinRequest], service: Any, done: str
    ) -> None:
        """One service call, and one message, per request."""
        for join_request in queryset:
            try:
                service(join_request, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{join_request}: {' '.join(error.messages)}")
            except PermissionDenied:
                messages.error(
                    request,
                    gettext("%(request)s: you may not decide it.") % {"request": join_request},
                )
            else:
                messages.success(request, done % {"request": join_request})
