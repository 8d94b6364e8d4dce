import datetime

import pytest
from django.core.exceptions import ValidationError

from membership.demo import seed_membership_classes
from membership.models import Membership, MembershipClass, Partnership
from membership.services import (
    class_for_population,
    lapse_expired_memberships,
    record_partnership,
    start_membership,
    term_starting,
)
from tests.factories import CommunityFactory, MembershipFactory

YEAR = 2026


@pytest.fixture
def classes(db: None) -> None:
    """The seeded class tables of 2025 and 2026."""
    seed_membership_classes(YEAR - 1)
    seed_membership_classes(YEAR)


# class_for_population


def test_class_for_population_picks_the_band_holding_it(classes: None) -> None:
    membership_class = class_for_population(25_000, year=YEAR)

    assert (membership_class.name, membership_class.year) == ("Class II", YEAR)


def test_a_negative_population_is_refused(classes: None) -> None:
    with pytest.raises(ValidationError) as excinfo:
        class_for_population(-1, year=YEAR)

    assert excinfo.value.code == "negative_population"


def test_a_year_with_no_classes_yet_takes_the_latest_earlier_ones(classes: None) -> None:
    """In January, before staff set the new year's dues, last year's apply (as the pages show)."""
    membership_class = class_for_population(30_000, year=YEAR + 1)

    assert (membership_class.name, membership_class.year) == ("Class II", YEAR)


def test_a_year_with_no_classes_at_or_before_it_is_refused_with_no_class(classes: None) -> None:
    with pytest.raises(ValidationError) as excinfo:
        class_for_population(30_000, year=YEAR - 5)

    assert excinfo.value.code == "no_class"
    assert "30,000" in excinfo.value.messages[0]
    assert str(YEAR - 5) in excinfo.value.messages[0]


# term_starting


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (datetime.date(2026, 3, 15), datetime.date(2027, 3, 14)),
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 3, 1), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 31), datetime.date(2027, 12, 30)),
    ],
)
def test_a_term_lasts_one_year_less_a_day(starts_on: datetime.date, ends_on: datetime.date) -> None:
    assert term_starting(starts_on) == (starts_on, ends_on)


def test_a_term_starting_on_29_february_ends_on_28_february() -> None:
    assert term_starting(datetime.date(2024, 2, 29)) == (
        datetime.date(2024, 2, 29),
        datetime.date(2025, 2, 28),
    )


# start_membership


@pytest.mark.parametrize(
    ("population", "class_name"),
    [(1_200, "Class I"), (24_999, "Class I"), (25_000, "Class II"), (1_000_000, "Class VII")],
)
def test_starting_a_membership_puts_the_community_in_its_population_class(
    classes: None, population: int, class_name: str
) -> None:
    community = CommunityFactory(population=population)

    membership = start_membership(community, starts_on=datetime.date(YEAR, 3, 15))

    assert membership.membership_class.name == class_name
    assert (membership.starts_on, membership.ends_on) == (
        datetime.date(YEAR, 3, 15),
        datetime.date(YEAR + 1, 3, 14),
    )
    assert membership.status == Membership.Status.ACTIVE


def test_a_membership_takes_the_class_of_the_year_its_term_starts(classes: None) -> None:
    MembershipClass.objects.filter(year=YEAR - 1, name="Class IV").update(annual_dues=777)
    community = CommunityFactory(population=120_000)

    membership = start_membership(community, starts_on=datetime.date(YEAR - 1, 12, 31))

    assert membership.membership_class.year == YEAR - 1
    assert membership.membership_class.annual_dues == 777


def test_starting_a_membership_twice_returns_the_same_membership(classes: None) -> None:
    community = CommunityFactory(population=120_000)

    first = start_membership(community, starts_on=datetime.date(YEAR, 3, 15))
    second = start_membership(community, starts_on=datetime.date(YEAR, 6, 1))

    assert second == first
    assert second.starts_on == datetime.date(YEAR, 3, 15)
    assert community.memberships.count() == 1


def test_a_community_whose_membership_lapsed_can_start_a_new_one(classes: None) -> None:
    lapsed = MembershipFactory(
        community__population=120_000,
        starts_on=datetime.date(YEAR - 1, 1, 1),
        ends_on=datetime.date(YEAR - 1, 12, 31),
        status=Membership.Status.LAPSED,
    )

    renewed = start_membership(lapsed.community, starts_on=datetime.date(YEAR, 1, 1))

    assert renewed != lapsed
    assert renewed.status == Membership.Status.ACTIVE
    assert lapsed.community.memberships.count() == 2


def test_a_community_without_population_cannot_start_a_membership(classes: None) -> None:
    community = CommunityFactory(population=None)

    with pytest.raises(ValidationError) as excinfo:
        start_membership(community, starts_on=datetime.date(YEAR, 3, 15))

    assert excinfo.value.code == "no_population"
    assert not community.memberships.exists()


def test_a_membership_starting_before_the_first_classes_is_refused(classes: None) -> None:
    community = CommunityFactory(population=120_000)

    with pytest.raises(ValidationError) as excinfo:
        start_membership(community, starts_on=datetime.date(YEAR - 5, 3, 15))

    assert excinfo.value.code == "no_class"
    assert not community.memberships.exists()


# lapse_expired_memberships

TODAY = datetime.date(YEAR, 6, 1)


@pytest.fixture
def terms(db: None) -> dict[str, Membership]:
    def ending(ends_on: datetime.date, **kwargs: object) -> Membership:
        return MembershipFactory(
            starts_on=ends_on - datetime.timedelta(days=364), ends_on=ends_on, **kwargs
        )

    return {
        "ended_yesterday": ending(TODAY - datetime.timedelta(days=1)),
        "ended_long_ago": ending(TODAY - datetime.timedelta(days=200)),
        "ends_today": ending(TODAY),
        "ends_later": ending(TODAY + datetime.timedelta(days=90)),
        "cancelled": ending(
            TODAY - datetime.timedelta(days=10), status=Membership.Status.CANCELLED
        ),
    }


def _statuses(terms: dict[str, Membership]) -> dict[str, str]:
    return {name: Membership.objects.get(pk=m.pk).status for name, m in terms.items()}


def test_lapsing_lapses_only_terms_that_ended_before_today(terms: dict[str, Membership]) -> None:
    lapsed = lapse_expired_memberships(today=TODAY)

    assert lapsed == 2
    assert _statuses(terms) == {
        "ended_yesterday": Membership.Status.LAPSED,
        "ended_long_ago": Membership.Status.LAPSED,
        "ends_today": Membership.Status.ACTIVE,
        "ends_later": Membership.Status.ACTIVE,
        "cancelled": Membership.Status.CANCELLED,
    }


def test_lapsing_twice_changes_nothing_the_second_time(terms: dict[str, Membership]) -> None:
    lapse_expired_memberships(today=TODAY)
    after_first = _statuses(terms)
    history_after_first = Membership.history.count()

    assert lapse_expired_memberships(today=TODAY) == 0
    assert _statuses(terms) == after_first
    assert Membership.history.count() == history_after_first


def test_lapsing_records_the_change_in_the_membership_history(
    terms: dict[str, Membership],
) -> None:
    membership = terms["ended_yesterday"]
    untouched = terms["ends_today"]

    lapse_expired_memberships(today=TODAY)

    records = list(membership.history.order_by("history_date", "history_id"))
    assert [record.status for record in records] == ["active", "lapsed"]
    assert records[-1].history_change_reason == "membership.membership.lapsed"
    assert records[-1].history_type == "~"
    assert untouched.history.count() == 1


# record_partnership


def test_recording_a_partnership_in_either_order_gives_one_partnership(db: None) -> None:
    krakow, cleveland = CommunityFactory(name="Kraków"), CommunityFactory(name="Cleveland")

    partnership, created = record_partnership(cleveland, krakow, established_year=1993)
    again, created_again = record_partnership(krakow, cleveland)

    assert created
    assert not created_again
    assert again == partnership
    assert (partnership.community_a, partnership.community_b) == (krakow, cleveland)
    assert partnership.established_year == 1993
    assert Partnership.objects.count() == 1


def test_recording_the_same_partnership_again_keeps_its_first_details(db: None) -> None:
    krakow, cleveland = CommunityFactory(), CommunityFactory()
    record_partnership(krakow, cleveland, established_year=1993, source="City council")

    partnership, _ = record_partnership(cleveland, krakow, established_year=2001, source="Other")

    partnership.refresh_from_db()
    assert (partnership.established_year, partnership.source) == (1993, "City council")


def test_a_community_cannot_partner_with_itself(db: None) -> None:
    krakow = CommunityFactory()

    with pytest.raises(ValidationError) as excinfo:
        record_partnership(krakow, krakow)

    assert excinfo.value.code == "self_partnership"
    assert not Partnership.objects.exists()
