"""Portal plugin: the home page, with the network in numbers and the datasets."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import charts, context, i18n
from pipeline.settings import DB_NAME


async def home_page(datasette, tx: i18n.Texts) -> dict:
    """The network in numbers and the datasets, for the home page."""
    db = datasette.get_database(DB_NAME)
    by_kind = (await db.execute("SELECT kind, members FROM network_composition ORDER BY members")).rows
    by_year = (await db.execute("SELECT year, SUM(members_joined) AS n FROM network_growth GROUP BY year ORDER BY year")).rows
    by_province = (
        await db.execute(
            "SELECT c.territory_id, t.name_ar, t.name_latin, COUNT(*) AS n FROM collectivities AS c "
            "LEFT JOIN territories AS t ON t.territory_id = c.territory_id "
            "GROUP BY c.territory_id ORDER BY MIN(c.collectivity_id)"
        )
    ).rows
    rtl = tx.dir == "rtl"
    province_items = [(tx.name(dict(r)) if r["territory_id"] else tx.ui("no_province"), r["n"]) for r in by_province]
    counts = await db.table_counts(5)
    # (title, heading of the labels, items): each chart is drawn and also given as a table of its numbers.
    shown = [
        (
            tx.ui("members_by_kind"),
            tx.column_title("network_composition", "kind"),
            [(tx.code_label("network_composition", "kind", r["kind"]), r["members"]) for r in by_kind],
        ),
        (tx.ui("growth_by_year"), tx.column_title("network_growth", "year"), [(str(r["year"]), r["n"]) for r in by_year]),
        (tx.ui("members_by_province"), tx.column_title("collectivities", "territory_id"), province_items),
    ]
    return {
        "members_total": sum(r["members"] for r in by_kind),
        "charts": [charts.bar_chart(title, items, rtl) for title, _, items in shown],
        "chart_titles": [title for title, _, _ in shown],
        "chart_tables": [
            {"heading": heading, "rows": [(label, value, round(100 * value / max(v for _, v in items))) for label, value in items]}
            for _, heading, items in shown
        ],
        "counts": counts,
        "release": context.release_info(datasette),
    }


async def home(datasette, request):
    """/: the portal's own home page. Datasette's index view is bypassed: it inspects every table
    (about 2 s here) for a list the home page does not show; `/.json` stays Datasette's."""
    return Response.html(await datasette.render_template("index.html", {}, request=request, view_name="index"))


@hookimpl
def register_routes():
    return [(r"^/$", home)]


@hookimpl
def extra_template_vars(view_name, request, datasette):
    async def inner():
        if view_name != "index":
            return {}
        return {"home": await home_page(datasette, context.texts_for(datasette, request))}

    return inner
