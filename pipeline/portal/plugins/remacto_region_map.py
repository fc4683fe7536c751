"""Portal plugin: /-/map, the region's 146 communes with their boundaries (OpenStreetMap, simplified
once by pipeline/tools/region_geometry.py), every member on it (a member commune by its boundary, a
council by its province or the region, a commune HCP does not know by the province the source names),
a legend, and the same as a table: the map's text equivalent."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import members as data, region_map
from pipeline.portal.context import texts_for

REGION_CODE = "01"


def member_url(collectivity_id: str) -> str:
    return f"/-/member/{collectivity_id}"


def commune_names(tx, communes: list[dict]) -> dict[str, str]:
    """{nine-digit code: HCP's name in the page's language}; without HCP tables, none (never OSM's Latin
    name on an Arabic page)."""
    return {c["code_digits"]: data.unit_name(tx, c) for c in communes}


def marks(tx, found: list[dict]) -> tuple[dict[str, dict], list[dict]]:
    """What the map draws for the members: {commune code: link} and the territories' outlines."""
    communes, territories = {}, []
    for m in found:
        place, label = m["place"], tx.name(m)
        if not place:
            continue
        if place["level"] == "commune":
            communes[place["code_digits"]] = {"href": member_url(m["collectivity_id"]), "label": label}
        else:
            kind = "approximate" if place.get("approximate") else ("region" if place["level"] == "region" else "council")
            territories.append(
                {"province": place.get("province_code"), "href": member_url(m["collectivity_id"]), "label": label, "kind": kind}
            )
    # The region first, under the provinces, so that a province's outline stays clickable.
    territories.sort(key=lambda t: t["province"] is not None)
    return communes, territories


def where_shown(tx, member: dict, provinces: dict) -> str:
    place = member["place"]
    if not place:
        return tx.ui("map_not_placed")
    if place["level"] == "commune":
        return tx.ui("map_shown_commune")
    if place["level"] == "region":
        return tx.ui("map_shown_region")
    province = provinces.get(place["province_code"])
    name = data.unit_name(tx, province) if province else place["province_code"]
    return f"{tx.ui('map_shown_province_approx' if place.get('approximate') else 'map_shown_province')} {name}"


async def map_page(datasette, request):
    tx = texts_for(datasette, request)
    db = data.db_of(datasette)
    found = await data.members(db)
    units = await data.hcp_units(db)
    communes = await data.region_communes(db, REGION_CODE)
    names = commune_names(tx, communes)
    marked, territories = marks(tx, found)
    members_text = [
        dict(
            m, label=tx.name(m), kind_label=tx.code_label("collectivities", "kind", m["kind"]), shown=where_shown(tx, m, units["province"])
        )
        for m in found
    ]
    member_codes = set(marked)
    by_province: dict[str, list[str]] = {}
    for c in communes:
        if c["code_digits"] not in member_codes:
            by_province.setdefault(c["province_code"], []).append(data.unit_name(tx, c))
    others = [
        (data.unit_name(tx, units["province"][code]) if code in units["province"] else code, sorted(n))
        for code, n in sorted(by_province.items())
    ]
    context = {
        "svg": region_map.svg(tx.ui("region_map"), names, marked, territories),
        "members": members_text,
        "on_map": sum(1 for m in found if m["place"]),
        "communes_total": len(region_map.communes()),
        "others": others,
        "others_total": sum(len(n) for _, n in others),
    }
    return Response.html(await datasette.render_template("remacto_region_map.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/map$", map_page)]
