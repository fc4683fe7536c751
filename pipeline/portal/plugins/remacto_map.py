"""Portal plugin: /-/map, the members on the region's map."""
from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import charts, context
from pipeline.settings import DB_NAME


async def member_map(datasette, request):
    """/-/map: members placed from GeoNames where certain, and the list of those without a place."""
    tx = context.texts_for(datasette, request)
    db = datasette.get_database(DB_NAME)
    rows = [dict(r) for r in (await db.execute(
        "SELECT c.collectivity_id, c.name_ar, c.name_latin, c.kind, l.latitude, l.longitude, l.geonames_id, l.geonames_name "
        "FROM collectivities AS c LEFT JOIN collectivity_locations AS l ON l.collectivity_id = c.collectivity_id "
        "ORDER BY c.collectivity_id")).rows]
    placed = [r for r in rows if r["latitude"] is not None]
    svg, placements = charts.region_map(
        tx.ui("map"), charts.region_geography(),
        [(tx.name(r), r["latitude"], r["longitude"], r["collectivity_id"]) for r in placed])
    page = {
        "svg": svg,
        "placed": [dict(r, label=tx.name(r), n=p["n"], labelled=p["box"] is not None) for r, p in zip(placed, placements)],
        "geography": charts.region_geography(),
        "unplaced": [dict(r, label=tx.name(r), kind_label=tx.code_label("collectivities", "kind", r["kind"]))
                     for r in rows if r["latitude"] is None],
    }
    return Response.html(await datasette.render_template("remacto_map.html", page, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/map$", member_map)]
