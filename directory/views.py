from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from directory.forms import DirectorySearchForm
from membership.models import Community, Membership, Partnership

PAGE_SIZE = 25


@require_GET
def community_list(request: HttpRequest) -> HttpResponse:
    members = Community.objects.global_members()
    countries_present = sorted(set(members.values_list("country", flat=True)))
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
        {"form": form, "page": page, "filters": filters, "query": query.urlencode()},
    )


def _get_member_community(slug: str) -> Community:
    """A Global Member's profile is public; any other community is not found."""
    return get_object_or_404(Community.objects.global_members().with_membership_summary(), slug=slug)


@require_GET
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = _get_member_community(slug)
    partnerships = list(
        Partnership.objects.current().involving(community).with_communities().order_by("pk")
    )
    partners = sorted(
        (p.partner_of(community) for p in partnerships), key=lambda c: (c.country.name, c.name)
    )
    member_ids = set(
        Community.objects.global_members()
        .filter(pk__in=[partner.pk for partner in partners])
        .values_list("pk", flat=True)
    )
    established = {p.partner_of(community).pk: p.established_year for p in partnerships}
    membership = Membership.objects.active().filter(community=community).select_related("membership_class").first()
    return render(
        request,
        "directory/community_detail.html",
        {
            "community": community,
            "membership": membership,
            "partners": [
                {"community": partner, "is_member": partner.pk in member_ids, "established": established[partner.pk]}
                for partner in partners
            ],
        },
    )
