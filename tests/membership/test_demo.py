"""`load_demo` on the real data shipped in data/ (GeoNames cities, Wikipedia sister-city pairs)."""

import functools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Model

from membership import demo
from membership.models import Community, Membership, MembershipClass, Partnership
from membership.reference_data import (
    ReferenceCity,
    ReferencePair,
    read_cities,
    read_pairs,
    slugs_for,
)

BUENOS_AIRES = 3435910  # GeoNames ids; Buenos Aires and Berlin are sister cities (P00081).
BERLIN = 2950159
CLEVELAND = 5150529  # A U.S. partner of Fier, Albania (P00016).
FIER = 3185672
MUNICH = 2867714


@functools.cache
def _shipped_data() -> tuple[dict[int, ReferenceCity], list[ReferencePair], dict[int, str]]:
    cities = read_cities()
    return cities, read_pairs(), slugs_for(cities)


def _slugs_of_shipped_cities(cities: dict[int, ReferenceCity]) -> dict[int, str]:
    assert cities is _shipped_data()[0]
    return _shipped_data()[2]


@pytest.fixture(autouse=True)
def _shipped_data_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same real files, parsed once for the whole module: parsing takes seconds each time."""
    monkeypatch.setattr(demo, "read_cities", lambda: _shipped_data()[0])
    monkeypatch.setattr(demo, "read_pairs", lambda: _shipped_data()[1])
    monkeypatch.setattr(demo, "slugs_for", _slugs_of_shipped_cities)


def load_demo(*args: str, reference: bool = False) -> str:
    """The command; without `reference` it skips the 40,000 reference cities, for speed."""
    out = StringIO()
    call_command("load_demo", *args, *([] if reference else ["--no-reference"]), stdout=out)
    return out.getvalue()


def _rows(model: type[Model]) -> list[tuple[object, ...]]:
    """Every stored value of every row, so that any change to any row shows."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(model.objects.order_by("pk").values_list(*fields))


@pytest.mark.django_db
def test_demo_members_hold_active_memberships_in_their_population_class() -> None:
    load_demo("--members", "30")

    members = Community.objects.global_members()
    assert members.count() == 30
    memberships = Membership.objects.active().filter(community__in=members)
    assert memberships.count() == 30
    for membership in memberships.select_related("community", "membership_class"):
        band = membership.membership_class
        population = membership.community.population
        assert population is not None
        assert band.min_population <= population, membership
        assert band.max_population is None or population <= band.max_population, membership
        assert band.year == membership.starts_on.year


@pytest.mark.django_db
def test_demo_members_come_from_many_countries_and_have_real_partnerships() -> None:
    load_demo("--members", "30")

    members = list(Community.objects.global_members())
    assert len({member.country.code for member in members}) == 30
    for member in members:
        assert Partnership.objects.current().involving(member).exists(), member

    buenos_aires = Community.objects.get(geonameid=BUENOS_AIRES)
    berlin = Community.objects.get(geonameid=BERLIN)
    assert buenos_aires in members
    assert Partnership.objects.current().involving(buenos_aires).involving(berlin).exists()


@pytest.mark.django_db
def test_us_partners_of_demo_members_become_us_members_not_global_members() -> None:
    load_demo("--members", "30")

    cleveland = Community.objects.get(geonameid=CLEVELAND)
    fier = Community.objects.get(geonameid=FIER)
    assert Partnership.objects.involving(cleveland).involving(fier).exists()
    assert Community.objects.members().filter(pk=cleveland.pk).exists()
    assert not Community.objects.global_members().filter(pk=cleveland.pk).exists()


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_no_row() -> None:
    load_demo("--members", "30")
    before = {
        model: _rows(model) for model in (Community, Membership, Partnership, MembershipClass)
    }
    assert len(before[Membership]) >= 30

    output = load_demo("--members", "30")

    after = {model: _rows(model) for model in (Community, Membership, Partnership, MembershipClass)}
    assert after == before
    assert (
        "0 communities, 0 memberships, 0 partnerships, 0 membership classes and "
        "0 recognized government domains" in output
    )


@pytest.mark.django_db
def test_asking_for_no_members_is_refused() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        load_demo("--members", "0")

    assert not Community.objects.exists()


@pytest.mark.django_db
def test_the_default_demo_shows_hundreds_of_global_members() -> None:
    load_demo()

    assert Community.objects.global_members().count() >= 300


@pytest.mark.django_db
def test_every_reference_city_is_there_for_applicants_to_find() -> None:
    cities = _shipped_data()[0]

    load_demo("--members", "5", reference=True)
    output = load_demo("--members", "5", reference=True)

    assert Community.objects.count() == len(cities)
    assert "0 communities" in output
    assert Community.objects.global_members().count() == 5
    # Found in their own script, as applicants type them.
    assert Community.objects.matching("近江八幡").exists()
    assert Community.objects.matching("Київ").filter(country="UA").exists()
    # And by their local Latin-script name, first on the apply page, which lists largest first.
    largest_first = F("population").desc(nulls_last=True)
    assert Community.objects.matching("München").order_by(largest_first)[0].geonameid == MUNICH
