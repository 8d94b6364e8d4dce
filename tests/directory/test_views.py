"""The public pages: home (classes and dues), the member directory and member profiles."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test.html import Element
from django.utils import timezone
from django.utils.text import slugify

from membership.models import Community, Membership, MembershipClass, Partnership
from tests.directory.pages import attr, classes, find, find_all, parse, text
from tests.factories import CommunityFactory, MembershipFactory, PartnershipFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/directory/"
# Rendered afresh (the first request after a change): the data version (directory.models), then
# countries present, class names, the count, the page of members with their summary.
DIRECTORY_QUERIES = 5
# The data version, then the community with its summary, its partnerships with both sides,
# which partners are members.
PROFILE_QUERIES = 4


def _class(name: str) -> MembershipClass:
    return MembershipClass.objects.get(year=timezone.localdate().year, name=name)


def make_member(name: str, *, membership_class: str = "Class IV", **fields: object) -> Community:
    """A community with an active membership this year: a Global Member unless in the U.S."""
    fields.setdefault("slug", slugify(name))
    community = CommunityFactory.create(name=name, **fields)
    MembershipFactory.create(community=community, membership_class=_class(membership_class))
    return community


def result_names(page: Element) -> list[str]:
    """The community names of the result cards, in the order shown."""
    return [
        text(find(find(card, "h2"), "a"))
        for card in find_all(page, "article", css_class="member-card")
    ]


def field_error(page: Element, name: str) -> str:
    """The error shown at a field, checked to be tied to the field for screen readers."""
    field = find_all(page, "input", name=name) + find_all(page, "select", name=name)
    assert len(field) == 1
    assert "is-invalid" in classes(field[0])
    assert attr(field[0], "aria-invalid") == "true"
    described_by = (attr(field[0], "aria-describedby") or "").split()
    assert f"id_{name}_error" in described_by
    return text(find(page, "div", id=f"id_{name}_error"))


@pytest.fixture(autouse=True)
def _classes(default_classes: None) -> None:
    """This year's seeded class table (Class I ... Class VII)."""


# Home page -------------------------------------------------------------------------------


def dues_table(client) -> list[list[str]]:
    page = parse(client.get("/"))
    table = find(page, "table", css_class="dues-table")
    return [
        [text(cell) for cell in row.children if isinstance(cell, Element)]
        for row in find_all(table, "tr")[1:]
    ]


def test_home_page_shows_this_years_classes_and_dues(client):
    rows = dues_table(client)

    assert rows[0] == ["Class I", "under 25,000", "US$ 300"]
    assert rows[3] == ["Class IV", "100,000 – 249,999", "US$ 800"]
    assert rows[-1] == ["Class VII", "1,000,000 and more", "US$ 1,500"]
    assert len(rows) == 7


def test_home_page_shows_dues_changed_by_staff(client):
    MembershipClass.objects.filter(pk=_class("Class VII").pk).update(annual_dues=Decimal("1725.50"))
    MembershipClass.objects.filter(pk=_class("Class I").pk).update(annual_dues=Decimal("275.00"))

    rows = dues_table(client)

    assert rows[-1] == ["Class VII", "1,000,000 and more", "US$ 1,725.50"]
    assert rows[0] == ["Class I", "under 25,000", "US$ 275"]


def test_home_page_without_classes_says_the_dues_are_not_published(client):
    MembershipClass.objects.all().delete()

    page = parse(client.get("/"))

    assert not find_all(page, "table", css_class="dues-table")
    assert "has not yet published this year's dues" in text(page)


# Directory: who is listed ----------------------------------------------------------------


def test_directory_lists_only_global_members(client):
    today = timezone.localdate()
    make_member("Aachen")
    make_member("Bruges", country="BE")
    make_member("Columbus", country="US")
    CommunityFactory.create(name="Dresden", slug="dresden")
    lapsed = CommunityFactory.create(name="Essen", slug="essen")
    MembershipFactory.create(
        community=lapsed, membership_class=_class("Class IV"), status=Membership.Status.LAPSED
    )
    ended = CommunityFactory.create(name="Fulda", slug="fulda")
    MembershipFactory.create(
        community=ended,
        membership_class=_class("Class IV"),
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=1),
    )

    response = client.get(DIRECTORY)

    assert response.status_code == 200
    page = parse(response)
    assert result_names(page) == ["Aachen", "Bruges"]
    assert text(find(page, "p", id="result-count")).startswith("2 member communities found")


def test_directory_shows_25_members_a_page_in_name_order(client):
    for number in range(30):
        make_member(f"Town {number:02d}")

    first = parse(client.get(DIRECTORY))
    second = parse(client.get(DIRECTORY, {"page": 2}))

    assert result_names(first) == [f"Town {n:02d}" for n in range(25)]
    assert result_names(second) == [f"Town {n:02d}" for n in range(25, 30)]
    assert text(find(first, "p", id="result-count")).startswith("30 member communities found")
    assert "Page 1 of 2" in text(find(first, "nav", aria_label="Pages of results"))


@pytest.mark.parametrize(
    ("page", "shown"), [("999", "Page 2 of 2"), ("abc", "Page 1 of 2"), ("-1", "Page 2 of 2")]
)
def test_a_page_number_out_of_range_or_not_a_number_still_shows_a_page(client, page, shown):
    for number in range(30):
        make_member(f"Town {number:02d}")

    response = client.get(DIRECTORY, {"page": page})

    assert response.status_code == 200
    html = parse(response)
    assert shown in text(find(html, "nav", aria_label="Pages of results"))
    assert result_names(html)


def test_page_links_keep_the_search(client):
    for number in range(30):
        make_member(f"Town {number:02d}", country="FR")
    make_member("Aachen")

    page = parse(client.get(DIRECTORY, {"country": "FR"}))

    next_link = find(page, "a", rel="next")
    assert attr(next_link, "href") == "?country=FR&page=2"
    second = parse(client.get(f"{DIRECTORY}{attr(next_link, 'href')}"))
    assert result_names(second) == [f"Town {n:02d}" for n in range(25, 30)]


# Directory: search and filters -----------------------------------------------------------


@pytest.mark.parametrize("query", ["Kraków", "krakow", "KRAKOW", "  kraków ", "Краков", "krak"])
def test_search_finds_a_name_with_or_without_accents_and_in_another_script(client, query):
    make_member("Kraków", ascii_name="Krakow", country="PL", other_names="Краков\nCracovia")
    make_member("Katowice", country="PL")

    page = parse(client.get(DIRECTORY, {"q": query}))

    assert result_names(page) == ["Kraków"]


@pytest.mark.parametrize(
    ("query", "found"),
    [("京都", "Kyoto"), ("عمان", "Amman"), ("Київ", "Kyiv"), ("キョウト", None)],
)
def test_search_finds_a_name_in_its_own_script(client, query, found):
    make_member("Kyoto", country="JP", native_name="京都市", native_script="Hani")
    make_member("Amman", country="JO", native_name="عمان", native_script="Arab")
    make_member("Kyiv", country="UA", native_name="Київ", native_script="Cyrl")

    page = parse(client.get(DIRECTORY, {"q": query}))

    assert result_names(page) == ([found] if found else [])


def test_search_without_results_says_so_and_offers_to_clear_it(client):
    make_member("Aachen")

    response = client.get(DIRECTORY, {"q": "Atlantis"})

    assert response.status_code == 200
    page = parse(response)
    assert result_names(page) == []
    assert text(find(page, "p", id="result-count")).startswith("0 member communities found")
    alert = find(page, "div", css_class="alert-info")
    assert "No member community matches “Atlantis”." in text(alert)
    assert attr(find(alert, "a"), "href") == DIRECTORY
    assert attr(find(page, "input", name="q"), "value") == "Atlantis"


def test_filter_by_country_offers_only_countries_with_members(client):
    make_member("Aachen")
    make_member("Lyon", country="FR")
    make_member("Osaka", country="JP")
    make_member("Dayton", country="US")

    page = parse(client.get(DIRECTORY, {"country": "FR"}))

    assert result_names(page) == ["Lyon"]
    options = [text(option) for option in find_all(find(page, "select", name="country"), "option")]
    assert options == ["All countries", "France", "Germany", "Japan"]


def test_filter_by_class(client):
    make_member("Aachen", membership_class="Class IV")
    make_member("Berlin", membership_class="Class VII")
    make_member("Celle", membership_class="Class III")

    page = parse(client.get(DIRECTORY, {"class": "Class VII"}))

    assert result_names(page) == ["Berlin"]


def test_search_and_filters_combine(client):
    make_member("Saint-Denis", country="FR", membership_class="Class IV")
    make_member("Saint-Étienne", country="FR", membership_class="Class V")
    make_member(
        "Sankt Pölten", country="AT", membership_class="Class III", ascii_name="Sankt Polten"
    )

    page = parse(client.get(DIRECTORY, {"q": "saint", "country": "FR", "class": "Class V"}))

    assert result_names(page) == ["Saint-Étienne"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "ZZ", "No Global Member is in that country."),
        ("country", "US", "No Global Member is in that country."),
        ("class", "nonsense", "There is no class of that name."),
        ("q", "x" * 500, "Please type at most 100 characters (you typed 500)."),
    ],
)
def test_an_invalid_filter_is_reported_at_its_field_and_the_list_still_shows(
    client, field, value, message
):
    make_member("Aachen")
    make_member("Lyon", country="FR")

    response = client.get(DIRECTORY, {field: value})

    assert response.status_code == 200
    page = parse(response)
    assert message in field_error(page, field)
    assert result_names(page) == ["Aachen", "Lyon"]


def test_an_invalid_filter_does_not_drop_the_valid_ones(client):
    make_member("Aachen")
    make_member("Lyon", country="FR")

    page = parse(client.get(DIRECTORY, {"country": "FR", "class": "nonsense"}))

    assert result_names(page) == ["Lyon"]
    assert "There is no class of that name." in field_error(page, "class")


# Directory: query count ------------------------------------------------------------------


@pytest.mark.parametrize("members", [10, 60])
@pytest.mark.parametrize(
    "query", [{}, {"q": "town", "country": "DE", "class": "Class IV", "page": "2"}]
)
def test_directory_query_count_does_not_grow_with_the_members(
    client, django_assert_num_queries, members, query
):
    for number in range(members):
        member = make_member(f"Town {number:02d}")
        PartnershipFactory.create(community_a=member)

    with django_assert_num_queries(DIRECTORY_QUERIES):
        response = client.get(DIRECTORY, query)

    assert response.status_code == 200
    # 10 members fit on one page, so page 2 shows that one; 60 fill page 2.
    assert len(result_names(parse(response))) == {10: 10, 60: 25}[members]


# Profile -----------------------------------------------------------------------------------


def _partner(member: Community, partner: Community, **fields: object) -> Partnership:
    first, second = sorted((member, partner), key=lambda community: community.pk)
    return PartnershipFactory.create(community_a=first, community_b=second, **fields)


def partner_items(page: Element) -> list[Element]:
    return find_all(find(page, "ul", css_class="partner-list"), "li")


def partner_name(item: Element) -> str:
    """A partner's name: a link for a Global Member, plain bold text for any other community."""
    return text((find_all(item, "a") + find_all(item, "strong"))[0])


def facts(page: Element) -> dict[str, str]:
    about = find(page, "dl")
    return dict(
        zip(
            (text(dt) for dt in find_all(about, "dt")),
            (text(dd) for dd in find_all(about, "dd")),
            strict=True,
        )
    )


def test_profile_shows_partners_with_their_names_in_their_own_script(client):
    mainz = make_member("Mainz", region="Rhineland-Palatinate", population=217_000)
    kyoto = make_member(
        "Kyoto", country="JP", region="Kyoto", native_name="京都市", native_script="Hani"
    )
    haifa = CommunityFactory.create(
        name="Haifa",
        slug="haifa",
        country="IL",
        region="Haifa",
        native_name="חיפה",
        native_script="Hebr",
    )
    dijon = CommunityFactory.create(name="Dijon", slug="dijon", country="FR", region="Burgundy")
    louisville = make_member("Louisville", country="US", region="Kentucky")
    _partner(mainz, kyoto, established_year=1972)
    _partner(mainz, haifa)
    _partner(mainz, dijon, established_year=1957)
    _partner(mainz, louisville, established_year=1994)
    _partner(
        mainz,
        CommunityFactory.create(name="Zagreb", slug="zagreb", country="HR"),
        status=Partnership.Status.INACTIVE,
    )

    response = client.get(mainz.get_absolute_url())

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == "Mainz"
    assert "Class IV" in text(find(page, "header", css_class="mb-4"))
    items = partner_items(page)
    # By country (France, Israel, Japan, United States), then name; the inactive one is left out.
    assert [partner_name(item) for item in items] == ["Dijon", "Haifa", "Kyoto", "Louisville"]
    assert "Burgundy, France · since 1957" in text(items[0])
    assert "Kyoto, Japan · since 1972 · Global Member" in text(items[2])
    native = {
        text(span): attr(span, "lang") for span in find_all(page, "span", css_class="native-name")
    }
    assert native == {"חיפה": "he", "京都市": "ja"}
    assert facts(page)["Partnerships"] == "4"
    assert facts(page)["Population"].startswith("217,000")


def test_profile_links_only_partners_that_are_global_members(client):
    mainz = make_member("Mainz")
    kyoto = make_member("Kyoto", country="JP")
    dijon = CommunityFactory.create(name="Dijon", slug="dijon", country="FR")
    louisville = make_member("Louisville", country="US")
    for partner in (kyoto, dijon, louisville):
        _partner(mainz, partner)

    page = parse(client.get(mainz.get_absolute_url()))

    links = {
        text(link): attr(link, "href")
        for item in partner_items(page)
        for link in find_all(item, "a")
    }
    assert links == {"Kyoto": "/directory/kyoto/"}
    assert client.get(links["Kyoto"]).status_code == 200


def test_profile_without_partnerships_says_so(client):
    mainz = make_member("Mainz")

    page = parse(client.get(mainz.get_absolute_url()))

    assert not find_all(page, "ul", css_class="partner-list")
    assert "No partnerships are recorded yet." in text(page)


@pytest.mark.parametrize("who", ["non-member", "us-member", "lapsed", "unknown"])
def test_profile_is_not_found_unless_a_global_member(client, who):
    make_member("Dayton", country="US")
    CommunityFactory.create(name="Dresden", slug="dresden")
    lapsed = CommunityFactory.create(name="Essen", slug="essen")
    MembershipFactory.create(
        community=lapsed, membership_class=_class("Class IV"), status=Membership.Status.LAPSED
    )
    slug = {
        "non-member": "dresden",
        "us-member": "dayton",
        "lapsed": "essen",
        "unknown": "atlantis",
    }[who]

    response = client.get(f"/directory/{slug}/")

    assert response.status_code == 404
    page = parse(response)
    assert text(find(page, "h1")) == "Page not found"
    assert attr(find(find(page, "main"), "a", css_class="btn-primary"), "href") == DIRECTORY


@pytest.mark.parametrize("partners", [1, 20])
def test_profile_query_count_does_not_grow_with_the_partners(
    client, django_assert_num_queries, partners
):
    mainz = make_member("Mainz")
    for number in range(partners):
        partner = (
            make_member(f"Partner {number:02d}", country="FR")
            if number % 2
            else CommunityFactory.create(country="US")
        )
        _partner(mainz, partner)

    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(mainz.get_absolute_url())

    assert response.status_code == 200
    assert len(partner_items(parse(response))) == partners


def test_directory_pages_answer_head_requests(client):
    mainz = make_member("Mainz")

    assert client.head(DIRECTORY).status_code == 200
    assert client.head(mainz.get_absolute_url()).status_code == 200
    assert client.post(DIRECTORY).status_code == 405


# Pages seen before are served from caches, and still show every change at once ---------------


def test_a_page_seen_before_is_served_with_one_query(client, django_assert_num_queries):
    mainz = make_member("Mainz")
    for url, heading in [
        (DIRECTORY, "Member directory"),
        (f"{DIRECTORY}?q=mainz", "Member directory"),
        (mainz.get_absolute_url(), "Mainz"),
    ]:
        client.get(url)

        with django_assert_num_queries(1):
            response = client.get(url)

        assert text(find(parse(response), "h1")) == heading


def test_a_change_made_without_save_is_seen_by_the_next_request(client):
    aachen = make_member("Aachen")
    assert result_names(parse(client.get(DIRECTORY))) == ["Aachen"]
    assert text(find(parse(client.get(aachen.get_absolute_url())), "h1")) == "Aachen"

    Community.objects.filter(pk=aachen.pk).update(name="Aix-la-Chapelle")

    assert result_names(parse(client.get(DIRECTORY))) == ["Aix-la-Chapelle"]
    assert text(find(parse(client.get(aachen.get_absolute_url())), "h1")) == "Aix-la-Chapelle"


def test_a_lapsed_membership_leaves_the_directory_at_once(client):
    aachen = make_member("Aachen")
    make_member("Bonn")
    client.get(DIRECTORY)
    client.get(aachen.get_absolute_url())

    Membership.objects.filter(community=aachen).update(status=Membership.Status.LAPSED)

    assert result_names(parse(client.get(DIRECTORY))) == ["Bonn"]
    assert client.get(aachen.get_absolute_url()).status_code == 404


def test_an_ended_partnership_leaves_the_profile_at_once(client):
    mainz = make_member("Mainz")
    _partner(mainz, make_member("Dijon", country="FR"))
    assert [
        partner_name(item) for item in partner_items(parse(client.get(mainz.get_absolute_url())))
    ] == ["Dijon"]

    Partnership.objects.update(status=Partnership.Status.INACTIVE)

    page = parse(client.get(mainz.get_absolute_url()))
    assert "No partnerships are recorded yet." in text(page)
    assert facts(page)["Partnerships"] == "0"


def test_a_term_ending_today_is_listed_until_tomorrow(client, monkeypatch):
    today = timezone.localdate()
    aachen = CommunityFactory.create(name="Aachen", slug="aachen")
    MembershipFactory.create(
        community=aachen,
        membership_class=_class("Class IV"),
        starts_on=today - datetime.timedelta(days=364),
        ends_on=today,
    )
    assert result_names(parse(client.get(DIRECTORY))) == ["Aachen"]

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + datetime.timedelta(days=1))

    assert result_names(parse(client.get(DIRECTORY))) == []


def test_a_page_served_from_the_cache_keeps_the_visitors_own_header(client, django_user_model):
    make_member("Aachen")
    client.get(DIRECTORY)
    user = django_user_model.objects.create_user("mayor@aachen.example.org", password="x")
    client.force_login(user)

    page = parse(client.get(DIRECTORY))

    assert result_names(page) == ["Aachen"]
    assert "Sign out" in text(find(page, "header"))
    assert "Sign in" not in text(find(page, "header"))


def test_home_page_shows_a_dues_change_at_once(client):
    dues_table(client)

    MembershipClass.objects.filter(pk=_class("Class I").pk).update(annual_dues=Decimal("310"))

    assert dues_table(client)[0] == ["Class I", "under 25,000", "US$ 310"]


def test_a_nul_in_the_search_is_refused_at_the_field_and_not_echoed(client):
    make_member("Kraków", country="PL")

    response = client.get("/directory/", {"q": "Kra\x00ków"})

    assert response.status_code == 200
    assert b"\x00" not in response.content
    assert "Null characters are not allowed" in field_error(parse(response), "q")


def test_search_finds_an_arabic_name_typed_without_hamza(client):
    make_member("Alexandria", native_name="الإسكندرية", country="EG")

    page = parse(client.get("/directory/", {"q": "الاسكندرية"}))

    assert result_names(page) == ["Alexandria"]
