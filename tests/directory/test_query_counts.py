"""The public pages make as many queries for 1,000 Global Members as for 10.

Each test measures one page with 10 members, grows the portal to 1,000 and measures again.
The hub member is partnered with every other member, so its profile also grows from 10 to
1,000 partners: a query per row, per partner or per country would show as a difference.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.models import Community, MembershipClass
from tests.factories import CommunityFactory, MembershipFactory, PartnershipFactory

# Members are spread over 20 countries, so the directory's country filter grows with them.
COUNTRIES = [
    "DE", "FR", "JP", "BR", "IN", "KE", "MX", "PL", "UA", "KR",
    "TH", "GH", "PH", "IT", "ES", "NG", "AR", "VN", "EG", "TR",
]  # fmt: skip
SMALL, LARGE = 10, 1_000


def _add_global_members(first: int, count: int, *, hub: Community | None) -> list[Community]:
    """Bulk-create `count` Global Members, each with an active membership and two partnerships.

    Every member is partnered with a U.S. community of its own and with the hub (the first
    member ever created, which gets the U.S. partner only).
    """
    today = timezone.localdate()
    classes = list(MembershipClass.objects.for_year(today.year))
    members = [
        CommunityFactory.build(
            name=f"Memberton {number}",
            ascii_name=f"Memberton {number}",
            slug=f"memberton-{number}",
            country=COUNTRIES[number % len(COUNTRIES)],
            population=10_000 + 1_500 * number,
        )
        for number in range(first, first + count)
    ]
    us_partners = [
        CommunityFactory.build(
            name=f"Springfield {number}",
            ascii_name=f"Springfield {number}",
            slug=f"springfield-{number}",
            country="US",
            region="Ohio",
        )
        for number in range(first, first + count)
    ]
    for community in members + us_partners:
        community.refresh_search_text()  # bulk_create skips save(), which fills it
    Community.objects.bulk_create(members + us_partners)

    def class_for(population: int) -> MembershipClass:
        return next(
            c
            for c in classes
            if c.min_population <= population
            and (c.max_population is None or population <= c.max_population)
        )

    MembershipFactory._meta.model.objects.bulk_create(
        MembershipFactory.build(
            community=member,
            membership_class=class_for(member.population),
            starts_on=today - datetime.timedelta(days=number % 300),
        )
        for number, member in enumerate(members)
    )
    hub = hub or members[0]
    pairs = [*zip(members, us_partners, strict=True)]
    pairs += [(hub, member) for member in members if member.pk != hub.pk]
    PartnershipFactory._meta.model.objects.bulk_create(
        PartnershipFactory.build(
            community_a=min(one, other, key=lambda c: c.pk),
            community_b=max(one, other, key=lambda c: c.pk),
            established_year=1960 + one.pk % 60,
        )
        for one, other in pairs
    )
    return members


def _page_url(page: str, hub: Community) -> str:
    if page == "home":
        return reverse("membership:home")
    if page == "directory":
        return reverse("directory:community-list")
    if page == "search":
        query = urlencode({"q": hub.name, "country": str(hub.country)})
        return f"{reverse('directory:community-list')}?{query}"
    return hub.get_absolute_url()


def _measure(client: Client, url: str) -> tuple[str, list[str]]:
    """The page's text and its queries, measured on a second request so one-off caches are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "directory", "search", "profile"])
def test_page_makes_as_many_queries_for_1000_members_as_for_10(
    page: str, client: Client, default_classes: None
) -> None:
    members = _add_global_members(0, SMALL, hub=None)
    hub = members[0]
    url = _page_url(page, hub)
    _, small_queries = _measure(client, url)

    newcomers = _add_global_members(SMALL, LARGE - SMALL, hub=hub)
    assert Community.objects.global_members().count() == LARGE
    text, large_queries = _measure(client, url)

    # The larger portal is really on the page, so the two counts compare like with like.
    if page in {"home", "directory"}:
        assert "1,000" in text
    elif page == "search":
        assert hub.name in text
    else:
        assert newcomers[-1].name in text

    assert len(large_queries) == len(small_queries), "\n".join(
        [f"{len(small_queries)} queries with {SMALL} members:", *small_queries, ""]
        + [f"{len(large_queries)} queries with {LARGE} members:", *large_queries]
    )
