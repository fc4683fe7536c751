"""Portal plugin: /-/member/<collectivity_id>, a page for each member with its name as the title: its
kind, province, HCP unit (code, 2024 and 2014 population and the change, HCP credited) and how it was
linked to it, its PB initiative with supporters and project, the meeting sessions naming it, its place
on a small map of the region, and each fact's source on demand."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import members as data, region_map
from pipeline.portal.context import texts_for
from pipeline.portal.plugins.remacto_region_map import commune_names, member_url

INITIATIVE_SQL = """
SELECT i.pb_initiative_id, i.description_ar, i.source_id, i.source_ref, p.project_id, p.title_ar AS project_ar
FROM pb_initiatives AS i LEFT JOIN projects AS p ON p.project_id = i.project_id
WHERE i.collectivity_id = :member ORDER BY i.pb_initiative_id"""
SUPPORTERS_SQL = """
SELECT s.pb_initiative_id, o.name_ar, o.name_latin, s.role FROM pb_initiative_supporters AS s
JOIN organizations AS o ON o.organization_id = s.organization_id
JOIN pb_initiatives AS i ON i.pb_initiative_id = s.pb_initiative_id
WHERE i.collectivity_id = :member ORDER BY s.organization_id"""
SESSIONS_SQL = """
SELECT DISTINCT s.session_id, s.event_id, s.kind, s.title_ar, s.start_time, s.end_time, e.name_ar AS event_ar
FROM event_sessions AS s JOIN events AS e ON e.event_id = s.event_id
JOIN session_pb_initiatives AS sp ON sp.session_id = s.session_id
JOIN pb_initiatives AS i ON i.pb_initiative_id = sp.pb_initiative_id
WHERE i.collectivity_id = :member ORDER BY s.event_id, s.agenda_row, s.order_in_row"""
CYCLES_SQL = "SELECT COUNT(*) AS n FROM pb_cycles WHERE collectivity_id = :member"


def number(tx, value) -> str:
    return tx.number(value) if value is not None else ""


def change(tx, now, before) -> str:
    """The change from 2014 to 2024 in per cent, signed, with the language's decimal mark."""
    if not now or not before:
        return ""
    pct = 100 * (now - before) / before
    return tx.change(pct)


def place_marks(tx, member: dict, communes: list[dict], provinces: dict) -> tuple[dict, list[dict]]:
    """The small map marks only this member: its commune, or its province's or the region's outline."""
    place, label = member["place"], tx.name(member)
    if not place:
        return {}, []
    if place["level"] == "commune":
        return {place["code_digits"]: {"label": label, "here": True}}, []
    return {}, [{"province": place.get("province_code"), "label": label, "kind": "here"}]


def territory_members(member: dict, found: list[dict]) -> list[dict]:
    """For a council: the member communes inside its province (or the region)."""
    place = member["place"]
    if member["kind"] == "commune" or not place:
        return []
    inside = [m for m in found if m["kind"] == "commune" and m["place"]]
    if place["level"] == "region":
        return inside
    return [m for m in inside if m["place"].get("province_code") == place["province_code"]]


async def member_page(datasette, request):
    tx = texts_for(datasette, request)
    db = data.db_of(datasette)
    key = request.url_vars["collectivity_id"]
    found = await data.members(db)
    member = next((m for m in found if m["collectivity_id"] == key), None)
    if member is None:
        html = await datasette.render_template("remacto_member.html", {"missing": key}, request=request)
        return Response.html(html, status=404)
    units = await data.hcp_units(db)
    unit = member["unit"]
    params = {"member": key}
    supporters = await data.rows(db, SUPPORTERS_SQL, params)
    initiatives = [
        dict(i, supporters=[tx.name(s) for s in supporters if s["pb_initiative_id"] == i["pb_initiative_id"]])
        for i in await data.rows(db, INITIATIVE_SQL, params)
    ]
    marked, territories = place_marks(tx, member, [], units["province"])
    province = units["province"].get((member["place"] or {}).get("province_code"))
    match = member["match"]
    context = {
        "member": member,
        "title": tx.name(member),
        "kind_label": tx.code_label("collectivities", "kind", member["kind"]),
        "territory": tx.name(member, "territory_ar", "territory_latin") if member["territory_id"] else "",
        "province": data.unit_name(tx, province) if province else "",
        "unit": dict(
            unit,
            name=data.unit_name(tx, unit),
            population_2024_text=number(tx, unit["population_2024"]),
            population_2014_text=number(tx, unit["population_2014"]),
            households_2024_text=number(tx, unit["households_2024"]),
            change_text=change(tx, unit["population_2024"], unit["population_2014"]),
        )
        if unit
        else None,
        "match": dict(
            match,
            method_label=tx.code_label("collectivity_hcp_units", "match_method", match["match_method"]),
            note=match.get(f"match_note_{tx.lang}"),
        )
        if match
        else None,
        "initiatives": initiatives,
        "cycles": (await data.rows(db, CYCLES_SQL, params))[0]["n"],
        "sessions": [
            dict(s, kind_label=tx.code_label("event_sessions", "kind", s["kind"])) for s in await data.rows(db, SESSIONS_SQL, params)
        ],
        "inside": [dict(m, label=tx.name(m), url=member_url(m["collectivity_id"])) for m in territory_members(member, found)],
        "svg": region_map.svg(
            tx.ui("member_on_map") + ": " + tx.name(member),
            commune_names(tx, await data.region_communes(db)),
            marked,
            territories,
            css_class="region-map",
        )
        if member["place"]
        else "",
    }
    return Response.html(await datasette.render_template("remacto_member.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/member/(?P<collectivity_id>[a-z0-9]+(?:-[a-z0-9]+)*)$", member_page)]
