"""Coordinates are a published fact with a source: the committed table is exactly what the
gazetteer rule gives today, and it never places a member it cannot be sure of."""

import csv

from pipeline.tools import gazetteer
from pipeline.settings import ROOT


def read(name):
    with (ROOT / "raw" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_committed_locations_equal_what_the_gazetteer_gives():
    rows = [gazetteer.COLUMNS] + gazetteer.locations(read("collectivities"))
    with (ROOT / "raw" / "collectivity_locations.csv").open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == rows


def test_only_communes_whose_latin_name_geonames_backs_are_placed():
    """A Latin name from GeoNames or from HCP places a commune only where one GeoNames place of the
    region has exactly that name."""
    members = {r["collectivity_id"]: r for r in read("collectivities")}
    placed = read("collectivity_locations")
    assert placed, "GeoNames places some members (Tétouan, Tanger, ...)"
    for row in placed:
        member = members[row["collectivity_id"]]
        assert member["kind"] == "commune" and member["name_latin_source_id"] in ("geonames", "hcp-rgph-2024")
        if member["name_latin_source_id"] == "geonames":
            assert member["name_latin_ref"].startswith(f"GeoNames {row['geonames_id']} (")
        assert row["matched_name"] == member["name_latin"] and row["source_id"] == "geonames"
    places = gazetteer.moroccan_places()
    backed = {
        i
        for i, m in members.items()
        if m["kind"] == "commune" and m["name_latin"] and gazetteer.match(m["name_latin"], places, m["region_id"])
    }
    assert {r["collectivity_id"] for r in placed} == backed
    placed_ids = {r["collectivity_id"] for r in placed}
    assert "tta-011" not in placed_ids  # no Latin name in the source: never placed
    assert "tta-001" not in placed_ids  # the Regional Council is not a point
    assert len(placed_ids) == 17  # HCP's Ksar El Kebir and Bni Bouayach are GeoNames names too


def test_an_ambiguous_or_out_of_region_name_is_not_placed():
    member = {
        "collectivity_id": "x",
        "name_latin": "Ajdir",
        "name_latin_source_id": "geonames",
        "kind": "commune",
        "region_id": "tanger-tetouan-al-hoceima",
    }
    one = {"geonameid": 1, "name": "Ajdir", "alternatenames": [], "admin1code": "01", "latitude": 35.0, "longitude": -3.9}
    assert len(gazetteer.locations([member], [one])) == 1
    assert gazetteer.locations([member], [one, dict(one, geonameid=2)]) == []  # two places: not certain
    assert gazetteer.locations([member], [dict(one, admin1code="03")]) == []  # another region


def test_geonames_is_a_listed_source():
    assert {"source_id": "geonames", "kind": "gazetteer"}.items() <= next(
        r for r in read("sources") if r["source_id"] == "geonames"
    ).items()


def test_a_latin_place_name_is_referenced_to_geonames_exactly_when_one_geonames_place_has_it():
    """The per-cell reference of every Latin place name (members, event cities) not taken from HCP is
    what the gazetteer's match gives: the GeoNames id where one place of Morocco has that name, and an
    editorial reading (never GeoNames) where none or several have it."""
    tables = {"collectivities": read("collectivities"), "events": read("events")}
    keys = {"collectivities": "collectivity_id", "events": "event_id"}
    expected = gazetteer.name_references(tables)
    assert sum(ref is not None for ref in expected.values()) == 2  # the event cities Tétouan and Saïdia
    for (table, key, column), ref in expected.items():
        row = next(r for r in tables[table] if r[keys[table]] == key)
        if ref is None:
            assert (row[column + "_source_id"], row[column + "_ref"].startswith("Editorial: ")) == ("latin-names", True), key
        else:
            assert (row[column + "_source_id"], row[column + "_ref"]) == ("geonames", ref), key
