"""The shipped reference data lets applicants find a city by its local Latin-script name."""

import csv
import functools
import gzip
from pathlib import Path

import pytest
from django.db.models import F

from membership.demo import load_reference_communities
from membership.models import Community
from membership.reference_data import ReferenceCity, read_cities, slugs_for
from membership.search import normalize_for_search

MUNICH = 2867714  # GeoNames ids
PRAGUE = 3067696
VIENNA = 2761369
LOCAL_NAMES = [("München", MUNICH), ("Praha", PRAGUE), ("Wien", VIENNA)]


@functools.cache
def _shipped_cities() -> dict[int, ReferenceCity]:
    return read_cities()


def _search_text(city: ReferenceCity) -> str:
    return normalize_for_search(
        " ".join([city.name, city.ascii_name, city.native_name, *city.other_names])
    )


def _first_result(query: str) -> Community | None:
    """The first community the apply page lists: largest first."""
    return (
        Community.objects.matching(query)
        .order_by(F("population").desc(nulls_last=True), "name", "pk")
        .first()
    )


def _write_cities(path: Path, rows: list[dict[str, str]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(**columns: str) -> dict[str, str]:
    return {
        "geonameid": str(MUNICH),
        "name": "Munich",
        "ascii_name": "Munich",
        "native_name": "",
        "native_script": "",
        "names_other_scripts": "Hani:慕尼黑|Cyrl:Мюнхен",
        "country_code": "DE",
        "country_name": "Germany",
        "admin1_code": "02",
        "admin1_name": "Bavaria",
        "population": "1260391",
        "latitude": "48.13743",
        "longitude": "11.57549",
        "timezone": "Europe/Berlin",
        "in_cities15000": "yes",
        "sister_pair_count": "12",
        **columns,
    }


@pytest.mark.parametrize(("query", "geonameid"), LOCAL_NAMES)
def test_the_shipped_data_knows_cities_by_their_local_latin_name(
    query: str, geonameid: int
) -> None:
    city = _shipped_cities()[geonameid]

    assert normalize_for_search(query) not in normalize_for_search(city.name)
    assert normalize_for_search(query) in _search_text(city)


def test_the_shipped_latin_names_leave_out_codes_and_machine_transliterations() -> None:
    munich = _shipped_cities()[MUNICH]

    assert "Muenchen" in munich.other_names
    assert "MUC" not in munich.other_names  # the airport
    assert "mu ni hei" not in munich.other_names  # a transliteration of 慕尼黑
    # One spelling per folded form.
    assert not {"Munchen", "München"} <= set(munich.other_names)


def test_latin_names_follow_the_names_in_other_scripts(tmp_path: Path) -> None:
    path = _write_cities(
        tmp_path / "cities.csv.gz", [_row(names_latin="Munchen|Monaco di Baviera")]
    )

    city = read_cities(path)[MUNICH]

    assert city.other_names == ("慕尼黑", "Мюнхен", "Munchen", "Monaco di Baviera")


def test_a_cities_file_without_latin_names_still_reads(tmp_path: Path) -> None:
    path = _write_cities(tmp_path / "cities.csv.gz", [_row()])

    city = read_cities(path)[MUNICH]

    assert city.other_names == ("慕尼黑", "Мюнхен")


@pytest.mark.django_db
def test_reference_communities_are_found_by_their_local_latin_name() -> None:
    cities = {geonameid: _shipped_cities()[geonameid] for _, geonameid in LOCAL_NAMES}

    load_reference_communities(cities, slugs_for(cities))

    for query, geonameid in LOCAL_NAMES:
        first = _first_result(query)
        assert first is not None, query
        assert first.geonameid == geonameid, query


@pytest.mark.django_db
def test_loading_again_gives_existing_communities_the_new_names_and_keeps_staffs() -> None:
    munich = _shipped_cities()[MUNICH]
    cities = {MUNICH: munich}
    without_latin = {MUNICH: ReferenceCity(**{**vars(munich), "other_names": ("慕尼黑",)})}
    load_reference_communities(without_latin, slugs_for(cities))
    community = Community.objects.get(geonameid=MUNICH)
    community.other_names += "\nMunich (Bavaria)"
    community.save()
    assert _first_result("München") != community

    created = load_reference_communities(cities, slugs_for(cities))

    assert created == 0
    assert _first_result("München") == community
    assert _first_result("Munich Bavaria") == community
    community.refresh_from_db()
    assert community.other_names.splitlines()[: len(munich.other_names)] == list(munich.other_names)


@pytest.mark.django_db
def test_loading_unchanged_reference_data_again_changes_no_community() -> None:
    cities = {geonameid: _shipped_cities()[geonameid] for _, geonameid in LOCAL_NAMES}
    load_reference_communities(cities, slugs_for(cities))
    before = list(Community.objects.order_by("pk").values_list("other_names", "updated_at"))

    load_reference_communities(cities, slugs_for(cities))

    assert list(Community.objects.order_by("pk").values_list("other_names", "updated_at")) == before
