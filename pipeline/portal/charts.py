"""Small charts as inline SVG: no script, no CDN, readable in both directions."""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path

# The committed Natural Earth extract (pipeline/tools/geography.py writes it; source natural-earth-admin1).
GEOGRAPHY = Path(__file__).parent / "geography" / "tanger-tetouan-al-hoceima.geojson"

BAR_HEIGHT = 22
GAP = 6
WIDTH = 640
LABEL_WIDTH = 300


def bar_chart(title: str, items: list[tuple[str, int]], rtl: bool = False) -> str:
    """Horizontal bars, one per (label, value); on right-to-left pages labels sit on the right
    and bars grow leftwards."""
    top = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    # direction="ltr" keeps text-anchor absolute inside right-to-left pages; Arabic labels still
    # read right to left by the bidi algorithm.
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" direction="ltr" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        y = GAP + i * (BAR_HEIGHT + GAP)
        w = max(1, round(span * value / top))
        mid = y + BAR_HEIGHT * 0.7
        if rtl:
            label_x, label_anchor = WIDTH - 4, "end"
            bar_x = WIDTH - LABEL_WIDTH - 10 - w
            value_x, value_anchor = bar_x - 6, "end"
        else:
            label_x, label_anchor = LABEL_WIDTH, "end"
            bar_x = LABEL_WIDTH + 10
            value_x, value_anchor = bar_x + w + 6, "start"
        out.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{label_x}" y="{mid:.0f}" text-anchor="{label_anchor}">{escape(label)}</text>'
            f'<rect x="{bar_x}" y="{y}" width="{w}" height="{BAR_HEIGHT}" rx="2"></rect>'
            f'<text class="value" x="{value_x}" y="{mid:.0f}" text-anchor="{value_anchor}">{value}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


MAP_WIDTH = 560
LABEL_SIZE = 13  # px in the map's own units; the figure scales with the page
CHAR_WIDTH = 0.62 * LABEL_SIZE  # an estimate: the server cannot measure text, so boxes are generous
DOT = 4
# Where a label may go around its point, in order of preference: right, left, above, below, corners.
OFFSETS = [(1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 1), (-1, -1), (-1, 1)]
# Farther away, joined to the point by a leader line, when no place beside it is free.
LEADER_RADII = (28, 44, 60, 80)


def project(frame: tuple[float, float, float, float], width: int = MAP_WIDTH):
    """Equirectangular projection of the frame (west, south, east, north) onto `width` px,
    x stretched by cos(latitude) so the region keeps its shape; gives (to_xy, height)."""
    import math

    west, south, east, north = frame
    kx = math.cos(math.radians((north + south) / 2))
    scale = width / ((east - west) * kx)
    height = round((north - south) * scale)
    return (lambda lon, lat: ((lon - west) * kx * scale, (north - lat) * scale)), height


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points: list[tuple[str, float, float]], width: int, height: int) -> list[dict]:
    """Deterministic placement of one label per point (label, x, y), in the given order: the first
    free spot beside the point, else the first free spot farther away with a leader line, else only
    the point's number. No label box overlaps another label, a dot, or the frame's edge."""
    dots = [(x - DOT - 1, y - DOT - 1, x + DOT + 1, y + DOT + 1) for _, x, y in points]
    taken: list[tuple] = []
    placed = []
    for n, (label, x, y) in enumerate(points, 1):
        w, h = len(label) * CHAR_WIDTH + 4, LABEL_SIZE + 4
        choice = None
        for radius, leader in [(DOT + 3, False)] + [(r, True) for r in LEADER_RADII]:
            for dx, dy in OFFSETS:
                ax, ay = x + dx * radius, y + dy * radius
                left = ax if dx > 0 else ax - w if dx < 0 else ax - w / 2
                top = ay - h / 2 if dy == 0 else ay - h if dy < 0 else ay
                box = (left, top, left + w, top + h)
                if box[0] < 2 or box[1] < 2 or box[2] > width - 2 or box[3] > height - 2:
                    continue
                if any(boxes_overlap(box, b) for b in taken + dots):
                    continue
                choice = {
                    "box": box,
                    "leader": leader,
                    "anchor": "start" if dx > 0 else "end" if dx < 0 else "middle",
                    "tx": ax if dx else x,
                    "ty": top + h - 4.5,
                }
                break
            if choice:
                break
        if choice:
            taken.append(choice["box"])
        placed.append({"n": n, "label": label, "x": x, "y": y, **(choice or {"box": None})})
    return placed


def _path(rings, to_xy) -> str:
    parts = []
    for ring in rings:
        pts = [to_xy(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def region_geography() -> dict:
    return json.loads(GEOGRAPHY.read_text(encoding="utf-8"))


def region_map(
    title: str, geography: dict, points: list[tuple[str, float, float, str]], home_country: str = "MAR"
) -> tuple[str, list[dict]]:
    """The region's land, coast and admin-1 boundaries (from the committed Natural Earth extract)
    under its members as numbered dots with labels that do not collide. Gives the SVG and the
    placements (number, label, box or None), in the order of `points`; nothing is fetched."""
    to_xy, height = project(tuple(geography["frame"]))
    width = MAP_WIDTH
    out = [
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" role="img" direction="ltr" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{escape(title)}">'
        f'<title>{escape(title)}</title><rect class="sea" x="0" y="0" width="{width}" height="{height}"></rect>'
    ]
    for feature in geography["features"]:
        props = feature["properties"]
        kind = "land" if props["adm0_a3"] == home_country else "land abroad"
        d = "".join(_path(polygon, to_xy) for polygon in feature["geometry"]["coordinates"])
        out.append(f'<path class="{kind}" data-iso="{escape(props["iso_3166_2"] or "")}" d="{d}"></path>')
    projected = [(label, *to_xy(lon, lat)) for label, lat, lon, _ in points]
    placements = place_labels(projected, width, height)
    for (label, lat, lon, key), p in zip(points, placements):
        x, y = p["x"], p["y"]
        g = [f'<g class="place" data-id="{escape(key)}"><title>{p["n"]}. {escape(label)} ({lat:.4f}, {lon:.4f})</title>']
        if p["box"] and p["leader"]:
            bx = min(max(x, p["box"][0]), p["box"][2])
            by = min(max(y, p["box"][1]), p["box"][3])
            g.append(f'<line class="leader" x1="{x:.1f}" y1="{y:.1f}" x2="{bx:.1f}" y2="{by:.1f}"></line>')
        g.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{DOT}"></circle>')
        if p["box"]:
            g.append(f'<text x="{p["tx"]:.1f}" y="{p["ty"]:.1f}" text-anchor="{p["anchor"]}">{escape(label)}</text>')
        else:
            g.append(f'<text class="number" x="{x + DOT + 2:.1f}" y="{y - DOT - 2:.1f}">{p["n"]}</text>')
        g.append("</g>")
        out.append("".join(g))
    out.append("</svg>")
    return "".join(out), placements
