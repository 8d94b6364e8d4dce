"""Memberships: starting them, lapsing expired ones, recording partnerships."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from membership.models import Community, Membership, MembershipClass, Partnership

logger = logging.getLogger(__name__)


def class_for_population(population: int, *, year: int) -> MembershipClass:
    """The class a community of this population belongs to in the given membership year.

    Until staff set a year's classes (in its first days, say), the latest earlier year's
    classes apply: those are the ones the pages show, so the dues an applicant was shown are
    the dues they are asked for.
    """
    if population < 0:
        raise ValidationError(_("A population cannot be negative."), code="negative_population")
    latest = (
        MembershipClass.objects.filter(year__lte=year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    membership_class = (
        MembershipClass.objects.for_population(population, year=latest)
        if latest is not None
        else None
    )
    if membership_class is None:
        raise ValidationError(
            _("No membership class covers a population of %(population)s in %(year)s.")
            % {"population": f"{population:,}", "year": year},
            code="no_class",
        )
    return membership_class


def term_starting(starts_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A term runs for one year from the day it starts: 2026-03-15 to 2027-03-14."""
    try:
        anniversary = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February
        anniversary = starts_on.replace(year=starts_on.year + 1, day=28) + datetime.timedelta(
            days=1
        )
    return starts_on, anniversary - datetime.timedelta(days=1)


@transaction.atomic
def start_membership(community: Community, *, starts_on: datetime.date) -> Membership:
    """Give the community an active one-year membership, in the class its population fits.

    The class is the one of the membership year in which the term starts. Idempotent: a
    community that already holds an active membership keeps it and gets it back.
    """
    community = Community.objects.select_for_update().get(pk=community.pk)
    existing = community.memberships.filter(status=Membership.Status.ACTIVE).first()
    if existing is not None:
        return existing
    if community.population is None:
        raise ValidationError(
            _("%(community)s has no population, so no class can be chosen.")
            % {"community": community},
            code="no_population",
        )
    starts_on, ends_on = term_starting(starts_on)
    return Membership.objects.create(
        community=community,
        membership_class=class_for_population(community.population, year=starts_on.year),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def lapse_expired_memberships(*, today: datetime.date) -> int:
    """Mark active memberships whose term ended before today as lapsed; returns how many."""
    with transaction.atomic():
        expired = list(
            Membership.objects.expired(on=today).select_for_update().values_list("pk", flat=True)
        )
        for membership in Membership.objects.filter(pk__in=expired):
            membership.status = Membership.Status.LAPSED
            membership._change_reason = "membership.membership.lapsed"  # type: ignore[attr-defined]
            membership.save(update_fields=["status"])
    if expired:
        logger.info("Lapsed %d memberships whose term ended before %s", len(expired), today)
    return len(expired)


@transaction.atomic
def record_partnership(
    first: Community,
    second: Community,
    *,
    established_year: int | None = None,
    source: str = "",
) -> tuple[Partnership, bool]:
    """Record that two communities are sister cities; returns the partnership and whether it is new."""
    if first.pk == second.pk:
        raise ValidationError(_("A community cannot partner with itself."), code="self_partnership")
    community_a, community_b = sorted((first, second), key=lambda community: community.pk)
    return Partnership.objects.get_or_create(
        community_a=community_a,
        community_b=community_b,
        defaults={"established_year": established_year, "source": source},
    )
