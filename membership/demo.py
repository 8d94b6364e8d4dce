"""Builds a realistic portal from the shipped public data; every step is idempotent.

Global Members are chosen country by country (round robin, each country's best-connected
cities first), so the directory shows the real spread of scripts and regions rather than
only the European cities that dominate the source lists.
"""

from __future__ import annotations

import datetime
import zlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from membership.models import (
    Community,
    Membership,
    MembershipClass,
    Partnership,
    RecognizedDomain,
)
from membership.reference_data import (
    PARTNERSHIP_SOURCE,
    POPULATION_SOURCE,
    ReferenceCity,
    ReferencePair,
    read_cities,
    read_pairs,
    slugs_for,
)
from membership.services import start_membership

# The portal's seed table, mirroring the population bands of the U.S. membership. These are
# defaults only: staff enter the association's official rate sheet in the admin each year.
DEFAULT_CLASSES: list[tuple[str, int, int | None, Decimal]] = [
    ("Class I", 0, 24_999, Decimal("300.00")),
    ("Class II", 25_000, 49_999, Decimal("450.00")),
    ("Class III", 50_000, 99_999, Decimal("600.00")),
    ("Class IV", 100_000, 249_999, Decimal("800.00")),
    ("Class V", 250_000, 499_999, Decimal("1000.00")),
    ("Class VI", 500_000, 999_999, Decimal("1250.00")),
    ("Class VII", 1_000_000, None, Decimal("1500.00")),
]


@dataclass
class DemoSummary:
    classes_created: int = 0
    communities_created: int = 0
    memberships_created: int = 0
    partnerships_created: int = 0
    domains_created: int = 0


# Well-known mail domains of governments, so that official addresses can be confirmed on a
# fresh portal. Staff keep the real list in the admin (Recognized government domains).
DEFAULT_RECOGNIZED_DOMAINS: list[tuple[str, str]] = [
    ("AR", "gob.ar"),
    ("AT", "gv.at"),
    ("AU", "gov.au"),
    ("BR", "gov.br"),
    ("CA", "gc.ca"),
    ("CH", "admin.ch"),
    ("CN", "gov.cn"),
    ("ES", "gob.es"),
    ("FR", "gouv.fr"),
    ("GB", "gov.uk"),
    ("IE", "gov.ie"),
    ("IN", "gov.in"),
    ("JP", "go.jp"),
    ("JP", "lg.jp"),
    ("KR", "go.kr"),
    ("MX", "gob.mx"),
    ("NZ", "govt.nz"),
    ("PH", "gov.ph"),
    ("PL", "gov.pl"),
    ("UA", "gov.ua"),
    ("ZA", "gov.za"),
]


def seed_recognized_domains() -> int:
    """Add the well-known government domains that are missing; staff's own entries stay."""
    existing = set(RecognizedDomain.objects.values_list("domain", flat=True))
    new = [
        RecognizedDomain(country=country, domain=domain, note="Seeded default")
        for country, domain in DEFAULT_RECOGNIZED_DOMAINS
        if domain not in existing
    ]
    RecognizedDomain.objects.bulk_create(new)
    return len(new)


def seed_membership_classes(year: int) -> int:
    """Create the default class table for a year unless staff already set classes for it."""
    if MembershipClass.objects.filter(year=year).exists():
        return 0
    MembershipClass.objects.bulk_create(
        MembershipClass(
            year=year,
            name=name,
            min_population=low,
            max_population=high,
            annual_dues=dues,
            is_seeded_default=True,
        )
        for name, low, high, dues in DEFAULT_CLASSES
    )
    return len(DEFAULT_CLASSES)


def choose_members(
    cities: dict[int, ReferenceCity], pairs: list[ReferencePair], count: int
) -> list[int]:
    """Pick `count` non-U.S. cities with real partnerships, taking turns across countries."""
    partner_count: dict[int, int] = defaultdict(int)
    us_partner_count: dict[int, int] = defaultdict(int)
    for pair in pairs:
        if not pair.high_confidence or pair.a_geonameid is None or pair.b_geonameid is None:
            continue
        a, b = cities.get(pair.a_geonameid), cities.get(pair.b_geonameid)
        if a is None or b is None:
            continue
        for side, other in ((a, b), (b, a)):
            partner_count[side.geonameid] += 1
            if other.country == "US":
                us_partner_count[side.geonameid] += 1

    by_country: dict[str, list[ReferenceCity]] = defaultdict(list)
    for geonameid in partner_count:
        city = cities[geonameid]
        if city.country != "US" and city.population > 0:
            by_country[city.country].append(city)
    for country_cities in by_country.values():
        country_cities.sort(
            key=lambda c: (-us_partner_count[c.geonameid], -partner_count[c.geonameid], c.geonameid)
        )

    chosen: list[int] = []
    queues = [by_country[code] for code in sorted(by_country)]
    depth = 0
    while len(chosen) < count and any(depth < len(queue) for queue in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < count:
                chosen.append(queue[depth].geonameid)
        depth += 1
    return chosen


def _community(city: ReferenceCity, slug: str) -> Community:
    community = Community(
        geonameid=city.geonameid,
        name=city.name,
        ascii_name=city.ascii_name,
        native_name=city.native_name,
        native_script=city.native_script,
        other_names="\n".join(city.other_names),
        kind=city.kind,
        country=city.country,
        region=city.region,
        population=city.population or None,
        population_source=POPULATION_SOURCE,
        latitude=city.latitude,
        longitude=city.longitude,
        slug=slug,
    )
    community.refresh_search_text()
    return community


def _start_date(geonameid: int, today: datetime.date) -> datetime.date:
    """Spread terms over the past year, the same way on every run, so renewals fall all year."""
    return today - datetime.timedelta(days=zlib.crc32(str(geonameid).encode()) % 360)


@transaction.atomic
def build_demo(*, members: int, today: datetime.date, reference: bool = False) -> DemoSummary:
    """The demo portal; with `reference`, every city of the reference data too, so that
    applicants find theirs (tests leave it out: 40,000 rows they do not need)."""
    summary = DemoSummary()
    summary.domains_created = seed_recognized_domains()
    for year in (today.year - 1, today.year, today.year + 1):
        summary.classes_created += seed_membership_classes(year)

    cities = read_cities()
    pairs = read_pairs()
    slugs = slugs_for(cities)
    member_ids = choose_members(cities, pairs, members)
    member_set = set(member_ids)

    member_pairs = [
        pair
        for pair in pairs
        if pair.high_confidence
        and pair.a_geonameid in cities
        and pair.b_geonameid in cities
        and (pair.a_geonameid in member_set or pair.b_geonameid in member_set)
    ]
    needed = (
        member_set | {p.a_geonameid for p in member_pairs} | {p.b_geonameid for p in member_pairs}
    )

    existing = set(
        Community.objects.filter(geonameid__in=needed).values_list("geonameid", flat=True)
    )
    taken_slugs = set(Community.objects.values_list("slug", flat=True))
    new = []
    for geonameid in sorted(g for g in needed if g is not None and g not in existing):
        slug = slugs[geonameid]
        if slug in taken_slugs:
            slug = f"{slug}-{geonameid}"
        new.append(_community(cities[geonameid], slug))
    Community.objects.bulk_create(new, batch_size=500)
    summary.communities_created = len(new)

    by_geonameid = {c.geonameid: c for c in Community.objects.filter(geonameid__in=needed)}

    # Global Members, and the U.S. communities partnered with them as U.S. members.
    us_partners = {
        gid
        for pair in member_pairs
        for gid in (pair.a_geonameid, pair.b_geonameid)
        if gid is not None and cities[gid].country == "US" and cities[gid].population > 0
    }
    with_membership = set(
        Membership.objects.filter(status=Membership.Status.ACTIVE).values_list(
            "community__geonameid", flat=True
        )
    )
    for geonameid in [*member_ids, *sorted(us_partners)]:
        if geonameid in with_membership:
            continue
        start_membership(by_geonameid[geonameid], starts_on=_start_date(geonameid, today))
        summary.memberships_created += 1

    existing_pairs = set(Partnership.objects.values_list("community_a_id", "community_b_id"))
    new_partnerships = []
    for pair in member_pairs:
        assert pair.a_geonameid is not None and pair.b_geonameid is not None
        ids = sorted((by_geonameid[pair.a_geonameid].pk, by_geonameid[pair.b_geonameid].pk))
        key = (ids[0], ids[1])
        if ids[0] == ids[1] or key in existing_pairs:
            continue
        existing_pairs.add(key)
        new_partnerships.append(
            Partnership(community_a_id=key[0], community_b_id=key[1], source=PARTNERSHIP_SOURCE)
        )
    Partnership.objects.bulk_create(new_partnerships, batch_size=1000)
    summary.partnerships_created = len(new_partnerships)
    if reference:
        summary.communities_created += load_reference_communities(cities, slugs)
    return summary


def load_reference_communities(cities: dict[int, ReferenceCity], slugs: dict[int, str]) -> int:
    """Every city of the reference data as a community, for applicants to pick theirs; the
    ones already there get the spellings the data has gained since (see `_merged_names`)."""
    stored = dict(
        Community.objects.filter(geonameid__isnull=False).values_list("geonameid", "other_names")
    )
    existing = set(stored)
    taken_slugs = set(Community.objects.values_list("slug", flat=True))
    new = []
    for geonameid in sorted(cities):
        if geonameid in existing:
            continue
        slug = slugs[geonameid]
        if slug in taken_slugs:
            slug = f"{slug}-{geonameid}"
        taken_slugs.add(slug)
        new.append(_community(cities[geonameid], slug))
    stale = {
        geonameid: merged
        for geonameid, other_names in stored.items()
        if geonameid in cities
        and (merged := _merged_names(cities[geonameid], other_names)) != other_names
    }
    stale_ids = sorted(stale)
    changed: list[Community] = []
    for start in range(0, len(stale_ids), 1000):  # SQLite limits the parameters of a query
        changed += Community.objects.filter(geonameid__in=stale_ids[start : start + 1000]).only(
            "pk", "geonameid", "name", "ascii_name", "native_name", "other_names"
        )
    now = timezone.now()
    for community in changed:
        assert community.geonameid is not None
        community.other_names = stale[community.geonameid]
        # bulk_update skips save(), which keeps search_text and updated_at current.
        community.refresh_search_text()
        community.updated_at = now
    with transaction.atomic():
        Community.objects.bulk_create(new, batch_size=1000)
        Community.objects.bulk_update(
            changed, ["other_names", "search_text", "updated_at"], batch_size=1000
        )
    return len(new)


def _merged_names(city: ReferenceCity, other_names: str) -> str:
    """The reference data's other names, then any lines staff added by hand, which stay."""
    names = list(city.other_names)
    known = set(names)
    names += [line for line in other_names.splitlines() if line and line not in known]
    return "\n".join(names)
