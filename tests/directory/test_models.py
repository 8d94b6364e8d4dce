"""The directory's data version: every way of writing the data it shows gives a new one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import F

from directory.models import ChangeStamp
from membership.models import Community, Membership, MembershipClass, Partnership
from tests.factories import CommunityFactory, MembershipFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member() -> Community:
    community = CommunityFactory.create(name="Aachen", slug="aachen")
    MembershipFactory.create(community=community)
    PartnershipFactory.create(community_a=community)
    return community


WRITES: dict[str, Callable[[Community], object]] = {
    "save": lambda member: member.save(),
    "create": lambda member: CommunityFactory.create(),
    "bulk_create": lambda member: Community.objects.bulk_create(
        [CommunityFactory.build(slug="one"), CommunityFactory.build(slug="two")]
    ),
    "update of a community": lambda member: Community.objects.filter(pk=member.pk).update(
        name="Aix-la-Chapelle"
    ),
    "update of a membership": lambda member: Membership.objects.filter(community=member).update(
        status=Membership.Status.LAPSED
    ),
    "update of a class": lambda member: MembershipClass.objects.update(
        annual_dues=F("annual_dues") + 1
    ),
    "update of a partnership": lambda member: Partnership.objects.update(
        status=Partnership.Status.INACTIVE
    ),
    "delete": lambda member: Partnership.objects.all().delete(),
    "plain SQL": lambda member: connection.cursor().execute(
        f"UPDATE {Community._meta.db_table} SET region = 'Rhineland'"  # noqa: S608
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_write_gives_a_new_version(member, write):
    before = ChangeStamp.objects.version()

    write(member)

    after = ChangeStamp.objects.version()
    assert before is not None
    assert after is not None
    assert after != before


def test_reading_does_not_change_the_version(member):
    before = ChangeStamp.objects.version()

    list(Community.objects.global_members().with_membership_summary())

    assert ChangeStamp.objects.version() == before


def test_the_stamps_do_not_pile_up(member):
    for number in range(50):
        Community.objects.filter(pk=member.pk).update(population=number)

    assert ChangeStamp.objects.count() == 1
