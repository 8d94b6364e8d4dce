"""Forms of the membership application, and the field markup the portal's forms share.

Forms validate and normalise what the applicant typed; the services decide whether a move is
allowed (a U.S. community, a stale page, an unrecognized domain) and the views show their
refusals at the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from membership.models import Application, Community, Evidence
from membership.models.applications import MAX_POPULATION
from membership.text import TypedTextField, strip_invisible

# Larger numbers do not fit the database's integer columns.
MAX_ID = 2**31 - 1


class PlainSelect(forms.Select):
    """A select rendered in Python: the template per option cost most of the directory's time.

    One f-string per option with `escape`, not `format_html`: the country list has 200 options.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        selected = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) == selected else ""}>'
            f"{escape(label)}</option>"
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        # Every value above is escaped.
        return mark_safe(f"<select{attributes}>{options}</select>")  # noqa: S308  # nosec


class SearchInput(forms.TextInput):
    """A search box that shows back what was typed, less the control characters HTML forbids."""

    input_type = "search"

    def format_value(self, value: Any) -> str | None:
        text = super().format_value(value)
        if text is None:
            return None
        return strip_invisible(
            "".join(char for char in text if char in "\t\n" or unicodedata.category(char) != "Cc")
        )


class RadioSelectWithHelp(forms.RadioSelect):
    """Radio buttons with a sentence of help under each choice (`option_help`, by value)."""

    def __init__(self, *args: Any, option_help: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.option_help = option_help or {}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["help"] = self.option_help.get(str(option["value"]), "")
        if option["help"] and option["attrs"].get("id"):
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_helptext"
        return option


class BootstrapBoundField(BoundField):
    """Gives the widget Bootstrap's classes, with `is-invalid` when the field has an error.

    With templates/includes/form_field.html this renders crispy-forms' markup in a fraction of
    its time; Django itself adds aria-invalid and aria-describedby.
    """

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            control = "form-check-input"
        elif isinstance(widget, forms.Select):
            control = "form-select"
        else:
            control = "form-control"
        invalid = " is-invalid" if self.errors else ""
        attrs["class"] = f"{type(widget).__name__.lower()} {control}{invalid}"
        return attrs


class PortalForm(forms.Form):
    bound_field_class = BootstrapBoundField


_GROUPED_DIGITS = re.compile(r"^\d{1,3}(?:[ ,.'’\u00a0\u202f]\d{3})+$")


class PopulationField(forms.IntegerField):
    """A whole number of people; 125,000 / 125.000 / 125 000 are read as 125000.

    A text box with a numeric keyboard, not `type=number`: browsers send an empty value for
    what a number box cannot read ("95000-3"), which would silently drop the figure.
    """

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def __init__(self, *, required_message: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_POPULATION)
        kwargs["error_messages"] = {
            "invalid": _("Enter the population as a whole number, for example 125000."),
            "min_value": _("The population cannot be negative."),
            "max_value": _("Enter a population of at most 100,000,000."),
            **({"required": required_message} if required_message else {}),
        }
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.strip()
            if _GROUPED_DIGITS.match(value):
                value = re.sub(r"\D", "", value)
            if len(value) > 20:  # far beyond any population; spare int() a huge string
                raise forms.ValidationError(self.error_messages["max_value"], code="max_value")
        return super().to_python(value)


# Community search and choice (the apply page) --------------------------------------------


class CommunitySearchForm(PortalForm):
    q = TypedTextField(
        label=_("Name of your community"),
        required=False,
        max_length=100,
        strip=True,
        widget=SearchInput(attrs={"autocomplete": "off"}),
        help_text=_("In any script, with or without accents: Kraków, Krakow or Краков."),
        error_messages={
            "max_length": _(
                "Please type at most %(limit_value)d characters (you typed %(show_value)d)."
            ),
        },
    )


class CommunityChoiceForm(forms.Form):
    """The community picked from the search results (its id, from a hidden field)."""

    community = forms.IntegerField(min_value=1, max_value=MAX_ID)

    def clean_community(self) -> Community:
        pk = self.cleaned_data["community"]
        community = Community.objects.filter(pk=pk).first()
        if community is None:
            raise forms.ValidationError(_("That community is not in our list."), code="unknown")
        return community


class CommunityByHandForm(PortalForm):
    """A community missing from the reference data, described by the applicant."""

    prefix = "new"

    name = TypedTextField(
        label=_("Name in Latin script"),
        max_length=200,
        error_messages={"required": _("Enter the community's name in Latin script.")},
        help_text=_("As it is usually written in English, for example Kyoto or Kyiv."),
    )
    native_name = TypedTextField(
        label=_("Name in its own script"),
        max_length=200,
        required=False,
        help_text=_("For example 京都市 or Київ. Leave it empty if the name is in Latin script."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of community"),
        choices=Community.Kind.choices,
        error_messages={"invalid_choice": _("Choose a kind from the list.")},
    )
    country = forms.ChoiceField(
        label=_("Country"),
        widget=PlainSelect,
        error_messages={
            "required": _("Choose the country."),
            "invalid_choice": _("Choose a country from the list."),
        },
    )
    region = TypedTextField(
        label=_("Region, province or state"),
        max_length=200,
        required=False,
    )
    population = PopulationField(
        label=_("Population"),
        required_message=_("Enter the population."),
        help_text=_("The latest official figure you know."),
    )
    population_source = TypedTextField(
        label=_("Source of the population figure"),
        max_length=200,
        error_messages={"required": _("Say where the population figure comes from.")},
        help_text=_("For example: National census 2020, or the city's statistics office."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("Choose a country")), *countries]


# The steps of an application --------------------------------------------------------------


class StepForm(PortalForm):
    """A step of the application. The hidden revision tells a page opened before the last
    change (another tab, another device) from a current one."""

    revision = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=MAX_ID,
        error_messages={
            "required": _(
                "This page is out of date. Open the step again and re-enter your changes."
            ),
            "invalid": _(
                "This page is out of date. Open the step again and re-enter your changes."
            ),
            "min_value": _(
                "This page is out of date. Open the step again and re-enter your changes."
            ),
            "max_value": _(
                "This page is out of date. Open the step again and re-enter your changes."
            ),
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "revision" in self.errors:
            # A hidden field's error would be invisible: show it above the form.
            self.add_error(None, self.errors.pop("revision"))
        return cleaned

    def application_fields(self) -> dict[str, Any]:
        """The application's fields this step saves, from the cleaned data."""
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


class PopulationForm(StepForm):
    stated_population = PopulationField(
        label=_("Our population"),
        required=False,
        help_text=_("A whole number. Leave it empty to use the figure above."),
    )
    stated_population_source = TypedTextField(
        label=_("Source of our figure"),
        max_length=200,
        required=False,
        help_text=_("For example: National census 2020, or the city's statistics office."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("stated_population") is None:
            if "stated_population" not in self.errors:
                cleaned["stated_population_source"] = ""
        elif not cleaned.get("stated_population_source"):
            self.add_error(
                "stated_population_source",
                forms.ValidationError(
                    _("Say where your figure comes from, so staff can check it."),
                    code="required",
                ),
            )
        return cleaned


ROLE_HELP = {
    Application.Role.GOVERNMENT_EMPLOYEE: _(
        "You work for the city, district, county, province or other community."
    ),
    Application.Role.ELECTED_OFFICIAL: _(
        "You were elected: for example mayor, council member or governor."
    ),
    Application.Role.RECOGNIZED_ORGANIZATION: _(
        "You act for an association or committee that the local government has formally "
        "recognized as its sister city program."
    ),
}


class ApplicantForm(StepForm):
    role = forms.ChoiceField(
        label=_("Your role"),
        choices=Application.Role.choices,
        widget=RadioSelectWithHelp(option_help={str(k): v for k, v in ROLE_HELP.items()}),
        error_messages={"required": _("Choose the role that describes you.")},
    )
    title = TypedTextField(
        label=_("Your title or position"),
        max_length=200,
        error_messages={"required": _("Enter your title or position.")},
        help_text=_("For example: Head of International Relations."),
    )
    office = TypedTextField(
        label=_("Your office, department or organization"),
        max_length=200,
        error_messages={"required": _("Enter your office, department or organization.")},
        help_text=_("For example: Office of the Mayor."),
    )


class OfficialEmailForm(StepForm):
    prefix = "email"

    official_email = forms.EmailField(
        label=_("Your official e-mail address"),
        max_length=254,
        error_messages={"required": _("Enter your official e-mail address.")},
        help_text=_(
            "An address on your government's domain. We send a link to it; "
            "opening the link proves the address is yours."
        ),
    )


class EvidenceUploadForm(PortalForm):
    prefix = "upload"

    file = forms.FileField(
        label=_("File"),
        max_length=255,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        help_text=_("A PDF, PNG or JPEG file of at most 10 MB."),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
            "max_length": _("The file name is too long; rename the file and upload it again."),
        },
    )
    kind = forms.ChoiceField(
        label=_("What the file is"),
        choices=Evidence.Kind.choices,
        initial=Evidence.Kind.LETTER,
        error_messages={"invalid_choice": _("Choose what the file is from the list.")},
    )
    description = TypedTextField(
        label=_("Short description"),
        max_length=200,
        required=False,
        help_text=_("Optional. For example: Letter from the Mayor, 3 March 2026."),
    )


class ContactsForm(StepForm):
    primary_contact_name = TypedTextField(
        label=_("Primary contact's name"),
        max_length=200,
        error_messages={"required": _("Enter the primary contact's name.")},
    )
    primary_contact_email = forms.EmailField(
        label=_("Primary contact's e-mail"),
        max_length=254,
        error_messages={"required": _("Enter the primary contact's e-mail address.")},
    )
    primary_contact_phone = TypedTextField(
        label=_("Primary contact's phone"),
        max_length=40,
        required=False,
        help_text=_("Optional. With the country code, for example +49 30 1234567."),
    )
    billing_same_as_primary = forms.BooleanField(
        label=_("Send invoices to the primary contact"),
        required=False,
    )
    billing_contact_name = TypedTextField(
        label=_("Billing contact's name"), max_length=200, required=False
    )
    billing_contact_email = forms.EmailField(
        label=_("Billing contact's e-mail"), max_length=254, required=False
    )
    billing_address = TypedTextField(
        label=_("Postal address for invoices"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    BILLING_FIELDS = ("billing_contact_name", "billing_contact_email", "billing_address")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("billing_same_as_primary"):
            for name in self.BILLING_FIELDS:
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Fill this in, or tick “Send invoices to the primary contact”."),
                            code="required",
                        ),
                    )
        return cleaned


class SubmitForm(StepForm):
    accept_terms = forms.BooleanField(
        label=_("I accept the membership terms"),
        required=False,
    )


class AnswerForm(PortalForm):
    body = TypedTextField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your answer first.")},
    )
