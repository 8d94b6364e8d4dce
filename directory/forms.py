from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from membership.models import MembershipClass


class DirectorySearchForm(forms.Form):
    """The directory's search and filters. Unknown values are dropped, never an error page."""

    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("In any script, with or without accents: Kraków, Krakow or Краков."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: object, countries_present: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [("", _("All countries"))] + sorted(
            ((code, countries.name(code)) for code in countries_present), key=lambda item: item[1]
        )
        # "class" is a Python keyword, so the field is added by name.
        class_names = MembershipClass.objects.order_by("min_population").values_list("name", flat=True)
        self.fields["class"] = forms.ChoiceField(
            label=_("Membership class"),
            required=False,
            choices=[("", _("All classes"))] + [(name, name) for name in dict.fromkeys(class_names)],
        )

    def cleaned_or_empty(self) -> dict[str, str]:
        """The valid filters; an invalid one (a tampered link, say) is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in ("q", "country", "class")}
