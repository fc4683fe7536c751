"""Small charts as inline SVG: no script, no CDN, readable in both directions."""
from __future__ import annotations

from html import escape

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
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" direction="ltr" viewBox="0 0 {WIDTH} {height}" '
           f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>']
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
            f'<g><title>{escape(label)}: {value}</title>'
            f'<text x="{label_x}" y="{mid:.0f}" text-anchor="{label_anchor}">{escape(label)}</text>'
            f'<rect x="{bar_x}" y="{y}" width="{w}" height="{BAR_HEIGHT}" rx="2"></rect>'
            f'<text class="value" x="{value_x}" y="{mid:.0f}" text-anchor="{value_anchor}">{value}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def point_map(title: str, points: list[tuple[str, float, float, str]], width: int = 640, height: int = 420) -> str:
    """Places as labelled dots on a plain equirectangular frame (no map tiles, nothing fetched)."""
    import math

    if not points:
        return ""
    lats = [p[1] for p in points]
    lons = [p[2] for p in points]
    pad = 0.15
    south, north = min(lats) - pad, max(lats) + pad
    west, east = min(lons) - pad, max(lons) + pad
    kx = math.cos(math.radians((north + south) / 2))  # keep the shape of the region
    scale = min((width - 160) / ((east - west) * kx), (height - 40) / (north - south))
    out = [f'<svg class="map" xmlns="http://www.w3.org/2000/svg" role="img" direction="ltr" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{escape(title)}">'
           f'<title>{escape(title)}</title><rect class="frame" x="0" y="0" width="{width}" height="{height}"></rect>']
    for label, lat, lon, key in points:
        x = 80 + (lon - west) * kx * scale
        y = 20 + (north - lat) * scale
        out.append(f'<g class="place" data-id="{escape(key)}"><title>{escape(label)} ({lat:.4f}, {lon:.4f})</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"></circle>'
                   f'<text x="{x + 8:.1f}" y="{y + 4:.1f}">{escape(label)}</text></g>')
    out.append("</svg>")
    return "".join(out)
