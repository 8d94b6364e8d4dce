import functools
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from membership.models import Community, MembershipClass


class DuesRow(NamedTuple):
    """What the home page shows of a membership class."""

    name: str
    band_label: str
    annual_dues: Decimal
    is_seeded_default: bool


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Global Membership: who may join, what members get, and this year's classes and dues."""
    classes = MembershipClass.objects.current()
    members = Community.objects.global_members().aggregate(
        communities=Count("pk"), countries=Count("country", distinct=True)
    )
    # With DEBUG on (development) nothing is cached, so an edited template shows at once.
    render_content = _render_home_content if settings.DEBUG else _home_content
    content = render_content(
        language=get_language(),
        script_prefix=get_script_prefix(),
        signed_in=request.user.is_authenticated,
        year=classes[0].year if classes else None,
        classes=tuple(
            DuesRow(c.name, c.band_label, c.annual_dues, c.is_seeded_default) for c in classes
        ),
        member_count=members["communities"],
        country_count=members["countries"],
    )
    return render(request, "membership/home.html", {"content": content})


def _render_home_content(
    *,
    language: str | None,
    script_prefix: str,
    signed_in: bool,
    year: int | None,
    classes: tuple[DuesRow, ...],
    member_count: int,
    country_count: int,
) -> SafeString:
    """The page's content, from its arguments alone, so that it can be cached by them.

    The language and script prefix are arguments too: rendering uses the active ones.
    """
    html = render_to_string(
        "membership/home.html#content",
        {
            "signed_in": signed_in,
            "year": year,
            "classes": classes,
            "has_seeded_rates": any(c.is_seeded_default for c in classes),
            "member_count": member_count,
            "country_count": country_count,
        },
    )
    # Our own template's output, escaped when it was rendered.
    return mark_safe(html)  # noqa: S308  # nosec


# Once per process for each set of values the content shows: a changed value is a new entry.
_home_content = functools.lru_cache(maxsize=64)(_render_home_content)
