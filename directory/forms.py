import functools

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from membership.forms import BootstrapBoundField, PlainSelect, SearchInput
from membership.models import MembershipClass
from membership.search import normalize_for_search


@functools.lru_cache(maxsize=64)
def _country_choices(codes: tuple[str, ...], language: str | None) -> list[tuple[str, str]]:
    """Country names sorted as readers expect (accents ignored), once per set and language."""
    named = ((code, str(countries.name(code))) for code in codes)
    return sorted(named, key=lambda item: normalize_for_search(item[1]))


class DirectorySearchForm(forms.Form):
    """The directory's search and filters.

    An invalid value (a tampered or outdated link) is reported at its field and otherwise
    ignored, so the page still lists members instead of failing.
    """

    bound_field_class = BootstrapBoundField

    q = forms.CharField(
        label=_("Name"),
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
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        widget=PlainSelect,
        error_messages={
            "invalid_choice": _(
                "No Global Member is in that country. Choose a country from the list."
            ),
        },
    )

    def __init__(self, *args: object, countries_present: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [
            ("", _("All countries")),
            *_country_choices(tuple(countries_present), get_language()),
        ]
        # "class" is a Python keyword, so the field is added by name.
        class_names = MembershipClass.objects.order_by("min_population").values_list(
            "name", flat=True
        )
        self.fields["class"] = forms.ChoiceField(
            label=_("Membership class"),
            required=False,
            widget=PlainSelect,
            choices=[("", _("All classes"))]
            + [(name, name) for name in dict.fromkeys(class_names)],
            error_messages={
                "invalid_choice": _(
                    "There is no class of that name. Choose a class from the list."
                ),
            },
        )

    def cleaned_or_empty(self) -> dict[str, str]:
        """The valid filters; an invalid one keeps its error for the page and is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in ("q", "country", "class")}
