from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from directory.forms import DirectorySearchForm
from directory.fragments import cached_blocks, member_cards, render_blocks
from membership.models import Community, Editor, Partnership

PAGE_SIZE = 25


@require_safe
def community_list(request: HttpRequest) -> HttpResponse:
    blocks = cached_blocks(
        "community-list",
        vary_on=(request.GET.urlencode(),),
        render=lambda: _community_list_blocks(request.GET),
    )
    # The context keeps the search form, cached page or not, for whoever inspects it (tests
    # do); the page itself does not use it, so it is only built when asked for.
    form = SimpleLazyObject(lambda: _search_form(request.GET))
    return render(request, "directory/community_list.html", {**blocks, "form": form})


def _search_form(params: QueryDict) -> DirectorySearchForm:
    countries_present = list(
        Community.objects.global_members()
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )
    return DirectorySearchForm(params or None, countries_present=countries_present)


def _community_list_blocks(params: QueryDict) -> dict[str, str]:
    members = Community.objects.global_members()
    form = _search_form(params)
    filters = form.cleaned_or_empty()
    if filters["q"]:
        members = members.matching(filters["q"])
    if filters["country"]:
        members = members.filter(country=filters["country"])
    if filters["class"]:
        members = members.in_class(filters["class"])
    page = Paginator(members.with_membership_summary().order_by("name", "pk"), PAGE_SIZE).get_page(
        params.get("page")
    )
    query = params.copy()
    query.pop("page", None)
    return render_blocks(
        "directory/community_list.html",
        ("title", "content"),
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
    blocks = cached_blocks(
        "community-detail", vary_on=(slug,), render=lambda: _community_detail_blocks(slug)
    )
    # The offer to join the editors is cached with the page; whether to show it is per user,
    # and costs a query only for signed-in visitors.
    show_join_offer = (
        request.user.is_authenticated
        and not Editor.objects.filter(community__slug=slug, user=request.user).exists()
    )
    return render(
        request,
        "directory/community_detail.html",
        {**blocks, "show_join_offer": show_join_offer},
    )


def _community_detail_blocks(slug: str) -> dict[str, str]:
    community = _get_member_community(slug)
    partnerships = Partnership.objects.current().involving(community).with_communities()
    partners = sorted(
        ((p.partner_of(community), p.established_year) for p in partnerships),
        key=lambda item: (str(item[0].country_info.name), item[0].name),
    )
    member_ids = set(
        Community.objects.global_members()
        .filter(pk__in=[partner.pk for partner, _ in partners])
        .values_list("pk", flat=True)
    )
    return render_blocks(
        "directory/community_detail.html",
        ("title", "description", "content", "join_offer"),
        {
            "community": community,
            "partners": [
                {"community": partner, "is_member": partner.pk in member_ids, "established": year}
                for partner, year in partners
            ],
        },
    )
