from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from membership.models import Community, MembershipClass


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Global Membership: who may join, what members get, and this year's classes and dues."""
    year = MembershipClass.objects.current_year()
    classes = list(MembershipClass.objects.for_year(year)) if year else []
    members = Community.objects.global_members()
    return render(
        request,
        "membership/home.html",
        {
            "year": year,
            "classes": classes,
            "has_seeded_rates": any(c.is_seeded_default for c in classes),
            "member_count": members.count(),
            "country_count": members.values("country").distinct().count(),
        },
    )
