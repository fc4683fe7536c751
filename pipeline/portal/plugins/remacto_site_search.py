"""Portal plugin: /-/search, one query against every table's full-text index (Arabic folded)."""

from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import escape_fts, path_from_row_pks
from datasette.utils.asgi import Response

from pipeline.portal import context, i18n, search_more
from pipeline.read.text import search_key
from pipeline.settings import DB_NAME


async def search_all(datasette, request):
    """/-/search?q=: the folded query against every table's full-text index."""
    tx = context.texts_for(datasette, request)
    query = request.args.get("q", "").strip()
    key = search_key(query) or ""
    db = datasette.get_database(DB_NAME)
    names = set(await db.table_names())
    groups = []
    if any(len(term) >= 3 for term in key.split()):
        for table, spec in tx.config["tables"].items():
            if f"{table}_fts" not in names:
                continue
            pks = await db.primary_keys(table)
            rows = (
                await db.execute(
                    f'SELECT * FROM "{table}" WHERE rowid IN (SELECT rowid FROM "{table}_fts" WHERE "{table}_fts" MATCH :q) LIMIT 50',
                    {"q": escape_fts(key)},
                )
            ).rows
            if not rows:
                continue
            labels = [c for c in await db.table_columns(f"{table}_fts") if c in spec["columns"]]  # searched columns
            groups.append(
                {
                    "table": table,
                    "title": tx.table_title(table),
                    "url": datasette.urls.table(DB_NAME, table) + "?" + urlencode({"_search": query, i18n.LANG_PARAM: tx.lang}),
                    # Each searched column's text apart: an Arabic and a French name, each isolated (<bdi>), read in order.
                    "rows": [
                        {
                            "url": datasette.urls.row(DB_NAME, table, path_from_row_pks(r, pks, not pks)),
                            "parts": [str(r[c]) for c in labels if r[c]] or [", ".join(str(r[p]) for p in pks)],
                        }
                        for r in rows
                    ],
                }
            )
    more = await search_more.groups(db, tx, query)  # communes, pages and tables by what they say
    html = await datasette.render_template(
        "remacto_search.html",
        {
            "q": query,
            "groups": groups,
            "searched": bool(query),
            "more": more,
            "too_short": bool(query) and not groups and not any(len(t) >= 3 for t in key.split()),
        },
        request=request,
    )
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/-/search$", search_all)]
