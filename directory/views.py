from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from directory.forms import DirectorySearchForm
from directory.fragments import member_cards
from membership.models import Community, Partnership

PAGE_SIZE = 25


@require_safe
def community_list(request: HttpRequest) -> HttpResponse:
    members = Community.objects.global_members()
    countries_present = list(
        members.order_by("country").values_list("country", flat=True).distinct()
    )
    form = DirectorySearchForm(request.GET or None, countries_present=countries_present)
    filters = form.cleaned_or_empty()
    if filters["q"]:
        members = members.matching(filters["q"])
    if filters["country"]:
        members = members.filter(country=filters["country"])
    if filters["class"]:
        members = members.in_class(filters["class"])
    page = Paginator(members.with_membership_summary().order_by("name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "directory/community_list.html",
        {
            "form": form,
            "page": page,
            "cards": member_cards(page.object_list),
            "filters": filters,
            "query": query.urlencode(),
        },
    )


def _get_member_community(slug: str) -> Community:
    """A Global Member's profile is public; any other community is not found."""
    return get_object_or_404(
        Community.objects.global_members().with_membership_summary(), slug=slug
    )


@require_safe
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = _get_member_community(slug)
    partnerships = Partnership.objects.current().involving(community).with_communities()
    partners = sorted(
        ((p.partner_of(community), p.established_year) for p in partnerships),
        key=lambda item: (str(item[0].country.name), item[0].name),  # type: ignore[attr-defined]
    )
    member_ids = set(
        Community.objects.global_members()
        .filter(pk__in=[partner.pk for partner, _ in partners])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "directory/community_detail.html",
        {
            "community": community,
            "partners": [
                {"community": partner, "is_member": partner.pk in member_ids, "established": year}
                for partner, year in partners
            ],
        },
    )
