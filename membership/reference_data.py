"""Reads the real public data shipped in `data/` (GeoNames cities, Wikipedia sister-city pairs).

See `data/README.md` for sources, licences and caveats.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

DATA_DIR = Path(settings.BASE_DIR) / "data"
CITIES_FILE = DATA_DIR / "cities.csv.gz"
PAIRS_FILE = DATA_DIR / "sister_city_pairs.csv.gz"
POPULATION_SOURCE = "GeoNames"
PARTNERSHIP_SOURCE = "Wikipedia, List of twin towns and sister cities"

_KIND_WORDS = [
    (
        "province",
        re.compile(r"\b(province|prefecture|oblast|region|state|krai|voivodeship)\b", re.I),
    ),
    ("county", re.compile(r"\b(county|kreis|landkreis|comarca)\b", re.I)),
    ("district", re.compile(r"\b(district|borough|ward|-gu|raion|rayon|okrug)\b", re.I)),
]


@dataclass(frozen=True)
class ReferenceCity:
    geonameid: int
    name: str
    ascii_name: str
    native_name: str
    native_script: str
    other_names: tuple[str, ...]
    country: str
    region: str
    population: int
    latitude: Decimal
    longitude: Decimal

    @property
    def kind(self) -> str:
        for kind, pattern in _KIND_WORDS:
            if pattern.search(self.name):
                return kind
        return "city"


@dataclass(frozen=True)
class ReferencePair:
    pair_id: str
    a_geonameid: int | None
    b_geonameid: int | None
    high_confidence: bool


def _open(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def read_cities(path: Path = CITIES_FILE) -> dict[int, ReferenceCity]:
    """The cities by geonameid; `other_names` holds their names in other scripts, then their
    other Latin-script names ("München" for Munich), where the file has that column."""
    cities = {}
    for row in _open(path):
        other = tuple(
            entry.split(":", 1)[1]
            for entry in row["names_other_scripts"].split("|")
            if ":" in entry
        ) + tuple(name for name in (row.get("names_latin") or "").split("|") if name)
        city = ReferenceCity(
            geonameid=int(row["geonameid"]),
            name=row["name"],
            ascii_name=row["ascii_name"],
            native_name=row["native_name"],
            native_script=row["native_script"],
            other_names=other,
            country=row["country_code"],
            region=row["admin1_name"],
            population=int(row["population"] or 0),
            latitude=Decimal(row["latitude"]).quantize(Decimal("0.00001")),
            longitude=Decimal(row["longitude"]).quantize(Decimal("0.00001")),
        )
        cities[city.geonameid] = city
    return cities


def read_pairs(path: Path = PAIRS_FILE) -> list[ReferencePair]:
    def geonameid(value: str) -> int | None:
        return int(value) if value else None

    return [
        ReferencePair(
            pair_id=row["pair_id"],
            a_geonameid=geonameid(row["a_geonameid"]),
            b_geonameid=geonameid(row["b_geonameid"]),
            high_confidence=row["a_match"] == "name+coords" and row["b_match"] == "name+coords",
        )
        for row in _open(path)
    ]


def slugs_for(cities: dict[int, ReferenceCity]) -> dict[int, str]:
    """A stable slug per city: `kyoto-jp`, or `neustadt-de-2864072` where names repeat."""

    def base(city: ReferenceCity) -> str:
        return f"{slugify(city.ascii_name or city.name) or 'community'}-{city.country.lower()}"

    # slugify is slow enough over ~40,000 cities that each base is computed once.
    bases = {geonameid: base(city) for geonameid, city in cities.items()}
    counts = Counter(bases.values())
    return {
        geonameid: slug if counts[slug] == 1 else f"{slug}-{geonameid}"
        for geonameid, slug in bases.items()
    }
