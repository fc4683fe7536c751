"""The region's map as one inline SVG: its 146 communes with their boundaries, the prefectures and
provinces dissolved from them, members marked and linked, the councils shown by their territory.
The shapes are the committed, simplified file `geography/tanger-tetouan-al-hoceima-communes.json`
(pipeline/tools/region_geometry.py, OpenStreetMap, ODbL 1.0); nothing is fetched."""

from __future__ import annotations

import functools
import json
import math
from html import escape
from pathlib import Path

GEOMETRY = Path(__file__).parent / "geography" / "tanger-tetouan-al-hoceima-communes.json"
WIDTH = 1000  # the drawing's own units: integers at this width are finer than any screen shows
DOT = 7


@functools.lru_cache(maxsize=1)
def geometry() -> dict:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _drawing() -> tuple[list[list[tuple[int, int]]], int]:
    """The arcs projected once (equirectangular, shrunk by the cosine of the middle latitude), in integers."""
    west, south, east, north = geometry()["bbox"]
    k = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * k)
    arcs = []
    for arc in geometry()["arcs"]:
        points = [(round((x - west) * k * scale), round((north - y) * scale)) for x, y in arc]
        arcs.append([p for i, p in enumerate(points) if i == 0 or i == len(points) - 1 or p != points[i - 1]])
    return arcs, round((north - south) * scale)


def _ring_points(ring: list[int]) -> list[tuple[int, int]]:
    arcs = _drawing()[0]
    points: list[tuple[int, int]] = []
    for a in ring:
        part = arcs[~a][::-1] if a < 0 else arcs[a]
        points.extend(part[1:] if points else part)
    return points


def _d(rings: list[list[int]]) -> str:
    """An SVG path of closed rings, in relative steps (short, and gzip likes them)."""
    out = []
    for ring in rings:
        points = _ring_points(ring)
        steps = [f"{x - px} {y - py}" for (px, py), (x, y) in zip(points, points[1:])]
        out.append(f"M{points[0][0]} {points[0][1]}l" + " ".join(steps) + "z")
    return "".join(out)


@functools.lru_cache(maxsize=None)
def commune_d(code: str) -> str:
    commune = next(c for c in geometry()["communes"] if c["code"] == code)
    return _d([ring for polygon in commune["polygons"] for ring in polygon])


@functools.lru_cache(maxsize=None)
def province_d(code: str) -> str:
    return _d(next(p for p in geometry()["provinces"] if p["code"] == code)["rings"])


@functools.lru_cache(maxsize=1)
def region_d() -> str:
    return _d(geometry()["region"])


@functools.lru_cache(maxsize=None)
def label_point(code: str) -> tuple[int, int]:
    """The middle of a commune's largest ring's box: where its dot goes (small communes stay visible)."""
    commune = next(c for c in geometry()["communes"] if c["code"] == code)
    ring = max((r for p in commune["polygons"] for r in p), key=lambda r: len(_ring_points(r)))
    xs, ys = zip(*_ring_points(ring))
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def communes() -> list[dict]:
    return geometry()["communes"]


def svg(title: str, names: dict[str, str], marked: dict[str, dict], territories: list[dict], css_class: str = "region-map") -> str:
    """The map. `names`: {commune code: its name in the page's language}; `marked`: {commune code:
    {"href", "label", "here"}} for the member communes (a link if href, a dot; `here`: the page's own);
    `territories`: the councils' and approximate places [{"province"|None for the region, "href",
    "label", "kind"}], drawn as outlines."""
    _, height = _drawing()
    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" direction="ltr" '
        f'viewBox="-8 -8 {WIDTH + 16} {height + 16}" aria-labelledby="{css_class}-title" role="group">'
        f'<title id="{css_class}-title">{escape(title)}</title><g class="communes">'
    ]
    for commune in communes():
        code = commune["code"]
        name = escape(names.get(code, ""))
        if code in marked:
            mark = marked[code]
            path = (
                f'<path class="commune member{" here" if mark.get("here") else ""}" d="{commune_d(code)}">'
                f"<title>{escape(mark['label'])}</title></path>"
            )
            out.append(
                f'<a href="{escape(mark["href"])}" aria-label="{escape(mark["label"])}" data-code="{code}">{path}</a>'
                if mark.get("href")
                else path
            )
        else:
            out.append(
                f'<path class="commune" data-code="{code}" d="{commune_d(code)}">' + (f"<title>{name}</title>" if name else "") + "</path>"
            )
    out.append("</g>")
    out.append('<path class="provinces" d="' + "".join(province_d(p["code"]) for p in geometry()["provinces"]) + '"></path>')
    for t in territories:
        d = province_d(t["province"]) if t.get("province") else region_d()
        path = f'<path d="{d}"><title>{escape(t["label"])}</title></path>'
        out.append(
            f'<a href="{escape(t["href"])}" aria-label="{escape(t["label"])}" class="territory {t["kind"]}">{path}</a>'
            if t.get("href")
            else f'<g class="territory {t["kind"]}">{path}</g>'
        )
    for code, mark in marked.items():
        x, y = label_point(code)
        out.append(f'<circle class="member-dot{" here" if mark.get("here") else ""}" cx="{x}" cy="{y}" r="{DOT}"></circle>')
    out.append("</svg>")
    return "".join(out)
