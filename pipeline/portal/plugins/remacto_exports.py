"""Portal plugin: downloads. The whole release as one archive (/-/release.zip) and any table or query
view as a spreadsheet (`.xlsx`) or a CSV Excel opens right (`.excelcsv`)."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import context, downloads as exports


async def release_archive(datasette, request):
    """/-/release.zip: every file of the served release in one archive."""
    info = context.release_info(datasette)
    body = exports.release_zip(context.release_dir(datasette))
    return Response(
        body,
        content_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{info["archive"]}"',
            # it follows the current release; each release's own is /-/release/<id>.zip (remacto_release)
            "cache-control": "public, max-age=60",
        },
    )


@hookimpl
def register_routes():
    return [(r"^/-/release\.zip$", release_archive)]


def _download_name(request, table, query_name, ext: str) -> str:
    base = table or query_name or "query"
    filtered = any(
        not k.startswith("_") or k in ("_search", "_where") or k.startswith(("_filter", "_search_")) for k in request.args.keys()
    )
    return f"remacto-{base}{'-filtered' if filtered else ''}{ext}"


def _render(kind: str):
    def render(datasette, columns, rows, request, table, query_name, data):
        if data.get("next"):
            return Response.text(
                "This view has more rows than one download holds: add filters, or take the whole table "
                "from /-/release.zip (csv/ folder) or the plain .csv link with _stream=on.",
                status=413,
            )
        columns, values = exports.plain_table(columns, [list(r) for r in rows], data.get("expanded_columns"))
        if kind == "xlsx":
            body, ctype, ext = exports.xlsx(columns, values), exports.XLSX_TYPE, ".xlsx"
        else:
            body, ctype, ext = exports.excel_csv(columns, values), "text/csv; charset=utf-8", "-excel.csv"
        name = _download_name(request, table, query_name, ext)
        return Response(body, content_type=ctype, headers={"content-disposition": f'attachment; filename="{name}"'})

    return render


@hookimpl
def register_output_renderer(datasette):
    return [{"extension": "xlsx", "render": _render("xlsx")}, {"extension": "excelcsv", "render": _render("excelcsv")}]
