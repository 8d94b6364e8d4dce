"""What every admin of the portal's models shares: change history, and no server error on
tampered URLs."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminBigIntegerFieldWidget, AutocompleteSelect
from django.core.exceptions import FieldDoesNotExist
from django.db import DataError
from django.db.models import BLANK_CHOICE_DASH, ForeignKey, PositiveIntegerField, QuerySet
from django.forms import Media
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

MAX_ID = 2**63 - 1
MAX_SEARCH_LENGTH = 200


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete picker, re-showing a refused form that holds a tampered id.

    The stock widget looks the submitted value up as an id and fails on text or on numbers
    beyond 64 bits; here such a value is simply shown as no choice.
    """

    def optgroups(self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None) -> Any:
        groups = super().optgroups(name, [v for v in value if _is_id(v)], attr)
        options = groups[0][1]
        if (
            self.is_required
            and not self.allow_multiple_selected
            and not any(option["value"] == "" for option in options)
        ):
            # A required <select> needs an empty first option (HTML), and select2 shows its
            # placeholder, which names the box for screen readers, only with one.
            options.insert(0, self.create_option(name, "", BLANK_CHOICE_DASH[0][1], False, 0))
        return groups

    @property
    def media(self) -> Media:
        return super().media + Media(js=["membership/admin-autocomplete-labels.js"])

    def build_attrs(self, base_attrs: dict[str, Any], extra_attrs: Any = None) -> dict[str, Any]:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = gettext("Type to search")
        return attrs


def clean_search_term(term: str) -> str:
    """The admin's search term without NUL, which PostgreSQL refuses, and cut to a length
    anyone types: SQLite refuses LIKE patterns over 50,000 bytes ("pattern too complex"),
    which a pasted or forged term can reach."""
    return term.replace("\x00", "")[:MAX_SEARCH_LENGTH]


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


class ReadableHistory(HistoricalRecordContextHelper):
    """The history's "changes" column in words staff read: an empty link is "—" (not
    "Deleted user (pk=None)"), a status its label, a moment to the minute."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        if value is None or value == "" or (isinstance(value, DeletedObject) and value.pk is None):
            return "—"
        if isinstance(value, datetime.datetime):
            return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
        field = self.model._meta.get_field(change.field)
        if isinstance(value, str | int) and getattr(field, "flatchoices", None):
            return dict(field.flatchoices).get(value, value)
        return value


class PortalModelAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    """The admin of the portal's models: change history, and no server error on tampered URLs.

    The changelist passes URL parameters straight to the database (`?ends_on__year=99999999999`,
    a NUL that PostgreSQL refuses); such a list is answered like any other unusable filter.
    """

    # simple-history's own list template carries an inline style, which the CSP refuses.
    # Populations run to eight digits; Django's integer box shows five.
    formfield_overrides = {PositiveIntegerField: {"widget": AdminBigIntegerFieldWidget}}
    object_history_template = "admin/membership/object_history.html"
    object_history_list_template = "admin/membership/object_history_list.html"

    class Media:
        css = {"all": ["membership/admin.css"]}

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError, DataError) as error:
            raise IncorrectLookupParameters(error) from error

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> Any:
        # Django filters on the posted ids as they come; a forged one ("abc", 23 digits)
        # would fail only when the action reads the rows.
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(_is_id(value) for value in selected):
            self.message_user(
                request,
                gettext(
                    "The selection could not be read. Tick the rows again, then run the action."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, *args, **kwargs)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return super().get_search_results(request, queryset, clean_search_term(search_term))

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not _is_id(unquote(object_id)):
            raise Http404("No such object.")
        columns = [
            (name, self._history_column_label(name))
            for name in self.get_history_list_display(request)
        ]
        return super().history_view(
            request, object_id, {"history_columns": columns, **(extra_context or {})}
        )

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableHistory(self.model, historical_record)

    def _history_column_label(self, name: str) -> str:
        method = getattr(self, name, None)
        if callable(method):
            return str(getattr(method, "short_description", name))
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not (_is_id(unquote(object_id)) and _is_id(version_id)):
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context)
