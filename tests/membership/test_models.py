import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from membership.demo import seed_membership_classes
from membership.models import Community, Membership, MembershipClass, Partnership
from tests.factories import CommunityFactory, MembershipClassFactory, MembershipFactory

YEAR = 2026


@pytest.fixture
def classes_2026(db: None) -> dict[str, MembershipClass]:
    """The seeded class table of 2026, by name (Class I under 25,000 ... Class VII from 1,000,000)."""
    seed_membership_classes(YEAR)
    return {c.name: c for c in MembershipClass.objects.filter(year=YEAR)}


def _today() -> datetime.date:
    return timezone.localdate()


# Membership classes: population bands


@pytest.mark.parametrize(
    ("population", "class_name"),
    [
        (0, "Class I"),
        (49_999, "Class II"),
        (50_000, "Class III"),
        (999_999, "Class VI"),
        (1_000_000, "Class VII"),
        (38_000_000, "Class VII"),
    ],
)
def test_population_on_a_band_bound_belongs_to_that_band(
    classes_2026: dict[str, MembershipClass], population: int, class_name: str
) -> None:
    assert MembershipClass.objects.for_population(population, year=YEAR) == classes_2026[class_name]


def test_population_exactly_at_boundary_takes_upper_class(
    classes_2026: dict[str, MembershipClass],
) -> None:
    assert MembershipClass.objects.for_population(24_999, year=YEAR).name == "Class I"
    assert MembershipClass.objects.for_population(25_000, year=YEAR).name == "Class II"


def test_population_is_classed_by_the_bands_of_the_asked_year_only(
    classes_2026: dict[str, MembershipClass],
) -> None:
    MembershipClassFactory(year=YEAR + 1, name="Single band", min_population=0)

    assert MembershipClass.objects.for_population(30_000, year=YEAR + 1).name == "Single band"
    assert MembershipClass.objects.for_population(30_000, year=YEAR - 1) is None


def test_population_in_a_gap_between_bands_has_no_class(db: None) -> None:
    MembershipClassFactory(year=YEAR, name="Small", min_population=0, max_population=9_999)
    MembershipClassFactory(year=YEAR, name="Large", min_population=20_000, max_population=None)

    assert MembershipClass.objects.for_population(15_000, year=YEAR) is None


@pytest.mark.parametrize(
    ("class_name", "label"),
    [
        ("Class I", "under 25,000"),
        ("Class II", "25,000 – 49,999"),
        ("Class VI", "500,000 – 999,999"),
        ("Class VII", "1,000,000 and more"),
    ],
)
def test_band_label_reads_as_the_rate_sheet_does(
    classes_2026: dict[str, MembershipClass], class_name: str, label: str
) -> None:
    assert classes_2026[class_name].band_label == label


def test_a_band_overlapping_another_of_the_same_year_is_refused(
    classes_2026: dict[str, MembershipClass],
) -> None:
    band = MembershipClass(
        year=YEAR, name="Class IIa", min_population=40_000, max_population=60_000, annual_dues=1
    )

    with pytest.raises(ValidationError) as excinfo:
        band.full_clean()

    assert excinfo.value.error_dict["__all__"][0].code == "overlapping_band"
    assert "Class II" in excinfo.value.messages[0]


def test_a_band_starting_on_the_last_population_of_another_overlaps_it(db: None) -> None:
    MembershipClassFactory(year=YEAR, name="Small", min_population=0, max_population=24_999)
    band = MembershipClass(year=YEAR, name="Next", min_population=24_999, annual_dues=1)

    with pytest.raises(ValidationError, match="overlaps Small"):
        band.full_clean()


def test_a_band_inside_the_open_ended_top_band_is_refused(
    classes_2026: dict[str, MembershipClass],
) -> None:
    band = MembershipClass(
        year=YEAR,
        name="Metropolis",
        min_population=5_000_000,
        max_population=9_000_000,
        annual_dues=1,
    )

    with pytest.raises(ValidationError, match="overlaps Class VII"):
        band.full_clean()


def test_a_band_adjoining_the_previous_one_is_accepted(db: None) -> None:
    MembershipClassFactory(year=YEAR, name="Small", min_population=0, max_population=24_999)
    band = MembershipClass(year=YEAR, name="Large", min_population=25_000, annual_dues=1)

    band.full_clean()


def test_the_same_band_in_another_year_does_not_overlap(
    classes_2026: dict[str, MembershipClass],
) -> None:
    band = MembershipClass(
        year=YEAR + 1, name="Class II", min_population=25_000, max_population=49_999, annual_dues=1
    )

    band.full_clean()


def test_editing_a_band_does_not_count_as_overlapping_itself(
    classes_2026: dict[str, MembershipClass],
) -> None:
    class_ii = classes_2026["Class II"]
    class_ii.annual_dues = Decimal("475.00")

    class_ii.full_clean()


def test_an_inverted_band_is_refused_on_its_largest_population(db: None) -> None:
    band = MembershipClass(
        year=YEAR, name="Upside down", min_population=50_000, max_population=40_000, annual_dues=1
    )

    with pytest.raises(ValidationError) as excinfo:
        band.full_clean()

    errors = excinfo.value.error_dict["max_population"]
    assert [error.code for error in errors] == ["inverted_band"]


def test_a_band_without_smallest_population_is_refused_not_crashed(db: None) -> None:
    band = MembershipClass(
        year=YEAR, name="No start", min_population=None, max_population=40_000, annual_dues=1
    )

    with pytest.raises(ValidationError) as excinfo:
        band.full_clean()

    assert "min_population" in excinfo.value.error_dict


def test_the_database_refuses_an_inverted_band(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipClass.objects.create(
            year=YEAR,
            name="Upside down",
            min_population=50_000,
            max_population=40_000,
            annual_dues=1,
        )


# Memberships


def test_the_database_refuses_a_second_active_membership_for_a_community(db: None) -> None:
    first = MembershipFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(community=first.community, starts_on=first.ends_on)

    assert list(first.community.memberships.all()) == [first]


def test_a_lapsed_membership_and_a_new_active_one_can_coexist(db: None) -> None:
    old = MembershipFactory(
        starts_on=_today() - datetime.timedelta(days=500),
        ends_on=_today() - datetime.timedelta(days=136),
        status=Membership.Status.LAPSED,
    )

    new = MembershipFactory(community=old.community)

    assert set(old.community.memberships.all()) == {old, new}
    assert list(Membership.objects.active()) == [new]


def test_the_database_refuses_a_term_ending_before_it_starts(db: None) -> None:
    community = CommunityFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            community=community,
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 3, 1),
        )


def test_a_term_ending_when_it_starts_is_refused_on_its_end_date(db: None) -> None:
    membership = MembershipFactory.build(
        community=CommunityFactory(),
        membership_class=MembershipClassFactory(),
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 1),
    )

    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()

    assert [error.code for error in excinfo.value.error_dict["ends_on"]] == ["empty_term"]


def test_a_membership_is_active_through_its_last_day_only(db: None) -> None:
    ends_today = MembershipFactory(ends_on=_today())
    ended_yesterday = MembershipFactory(ends_on=_today() - datetime.timedelta(days=1))

    assert ends_today.is_active
    assert not ended_yesterday.is_active


# Partnerships


def test_the_database_refuses_a_partnership_stored_in_the_wrong_order(db: None) -> None:
    lower, higher = CommunityFactory(), CommunityFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(community_a=higher, community_b=lower)

    assert not Partnership.objects.exists()


def test_the_database_refuses_a_community_partnered_with_itself(db: None) -> None:
    community = CommunityFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(community_a=community, community_b=community)

    assert not Partnership.objects.exists()


def test_the_database_refuses_the_same_partnership_twice(db: None) -> None:
    lower, higher = CommunityFactory(), CommunityFactory()
    Partnership.objects.create(community_a=lower, community_b=higher)

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(community_a=lower, community_b=higher)

    assert Partnership.objects.count() == 1


def test_partner_of_names_the_other_side_from_either_side(db: None) -> None:
    krakow, cleveland = CommunityFactory(name="Kraków"), CommunityFactory(name="Cleveland")
    partnership = Partnership.objects.create(community_a=krakow, community_b=cleveland)

    assert partnership.partner_of(krakow) == cleveland
    assert partnership.partner_of(cleveland) == krakow


# Search


@pytest.fixture
def places(db: None) -> dict[str, Community]:
    return {
        "krakow": CommunityFactory(name="Kraków", country="PL", other_names="Cracovia\nKrakau"),
        "kraljevo": CommunityFactory(name="Kraljevo", country="RS"),
        "tokyo": CommunityFactory(
            name="Tokyo", native_name="東京", native_script="Hani", country="JP"
        ),
        "kyoto": CommunityFactory(
            name="Kyoto", native_name="京都市", native_script="Hani", country="JP"
        ),
        "kyiv": CommunityFactory(
            name="Kyiv", native_name="Київ", native_script="Cyrl", country="UA"
        ),
        "frankfurt_main": CommunityFactory(name="Frankfurt am Main", country="DE"),
        "frankfurt_oder": CommunityFactory(name="Frankfurt (Oder)", country="DE"),
        "lodz": CommunityFactory(name="Łódź", country="PL"),
    }


@pytest.mark.parametrize("query", ["krakow", "KRAKÓW", "Kraków", "krak", "  kraków  ", "Krakau"])
def test_search_finds_krakow_with_or_without_accents_and_case(
    places: dict[str, Community], query: str
) -> None:
    assert list(Community.objects.matching(query)) == [places["krakow"]]


@pytest.mark.parametrize(
    ("query", "place"),
    [("東京", "tokyo"), ("京都", "kyoto"), ("Київ", "kyiv"), ("київ", "kyiv"), ("lodz", "lodz")],
)
def test_search_finds_a_name_typed_in_its_own_script(
    places: dict[str, Community], query: str, place: str
) -> None:
    assert list(Community.objects.matching(query)) == [places[place]]


def test_search_with_several_words_needs_every_word_in_any_order(
    places: dict[str, Community],
) -> None:
    assert list(Community.objects.matching("frankfurt main")) == [places["frankfurt_main"]]
    assert list(Community.objects.matching("Main Frankfurt")) == [places["frankfurt_main"]]
    assert set(Community.objects.matching("frankfurt")) == {
        places["frankfurt_main"],
        places["frankfurt_oder"],
    }
    assert not Community.objects.matching("frankfurt tokyo").exists()


def test_a_renamed_community_is_found_by_its_new_name(places: dict[str, Community]) -> None:
    kyiv = places["kyiv"]
    kyiv.name = "Kiew"
    kyiv.save(update_fields=["name"])

    assert list(Community.objects.matching("kiew")) == [kyiv]


def test_search_text_folds_every_spelling_of_the_name(places: dict[str, Community]) -> None:
    krakow = Community.objects.get(pk=places["krakow"].pk)

    assert "krakow" in krakow.search_text.split()
    assert "cracovia" in krakow.search_text.split()


# Global Members


def test_global_members_are_the_non_us_communities_with_an_active_membership(db: None) -> None:
    today = _today()
    member = MembershipFactory(community__name="Kraków", community__country="PL").community
    MembershipFactory(community__name="Cleveland", community__country="US")
    CommunityFactory(name="Never joined", country="PL")
    MembershipFactory(
        community__name="Lapsed",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=36),
        status=Membership.Status.LAPSED,
    )
    MembershipFactory(
        community__name="Term over, not yet lapsed",
        starts_on=today - datetime.timedelta(days=365),
        ends_on=today - datetime.timedelta(days=1),
    )
    MembershipFactory(community__name="Cancelled", status=Membership.Status.CANCELLED)
    MembershipFactory(
        community__name="Starts tomorrow",
        starts_on=today + datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=365),
    )

    assert list(Community.objects.global_members()) == [member]


def test_global_members_on_a_past_day_include_those_active_then(db: None) -> None:
    today = _today()
    expired = MembershipFactory(
        starts_on=today - datetime.timedelta(days=365), ends_on=today - datetime.timedelta(days=1)
    ).community

    assert list(Community.objects.global_members(on=today - datetime.timedelta(days=2))) == [
        expired
    ]
    assert not Community.objects.global_members().exists()


# Names in their own script


@pytest.mark.parametrize(
    ("script", "country", "lang"),
    [
        ("Hani", "TW", "zh-TW"),
        ("Hani", "CN", "zh-CN"),
        ("Hani", "HK", "zh-HK"),
        ("Hani", "JP", "ja"),
        ("Hani+Kana", "JP", "ja"),
        ("Kana", "JP", "ja"),
        ("Hang", "KR", "ko"),
        ("Cyrl", "UA", "uk"),
        ("Cyrl", "RU", "ru"),
        ("Cyrl", "BG", "bg"),
        ("Arab", "IR", "fa"),
        ("Arab", "EG", "ar"),
        ("Deva", "NP", "ne"),
        ("Deva", "IN", "hi"),
        ("", "DE", ""),
    ],
)
def test_native_lang_tags_the_native_name_by_script_and_country(
    script: str, country: str, lang: str
) -> None:
    community = Community(name="Somewhere", native_name="名", native_script=script, country=country)

    assert community.native_lang == lang


def test_display_name_adds_the_native_name_only_where_it_differs() -> None:
    assert Community(name="Kyiv", native_name="Київ").display_name == "Kyiv (Київ)"
    assert Community(name="Berlin", native_name="Berlin").display_name == "Berlin"
    assert Community(name="Berlin").display_name == "Berlin"
