"""Portal plugin: words, not codes, in every table and query result (pipeline/portal/cells.py)."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup

from pipeline.portal import cells, context
from pipeline.settings import DB_NAME


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Words, not codes, in the page's language: a code shows its label, a foreign key the name of the
    row it points to (or its id, never "None"), a source a compact link with the place in it on
    demand. Links and filters keep the code; CSV and JSON are not rendered here and keep it too.
    Answered without a coroutine once the table's TableCells exist (every cell of a page asks)."""
    if database != DB_NAME:
        return None
    folder, lang = context.release_dir(datasette), context.page_lang.get()
    if not table:  # a query's result: a code's label where every table agrees on it
        label = cells.query_words(folder, lang, context.page_name.get())[1].get(column, {}).get(value)
        return Markup('<span class="code-label" data-code="{}">{}</span>').format(value, label) if label else None
    kept = cells.kept_cells(folder, lang, table)
    if kept is not None:
        return kept.cell(value, column)
    if table not in context.texts(folder, lang).config["tables"]:
        return None

    async def first():
        return (await cells.cells_of(datasette, folder, lang, table)).cell(value, column)

    return first()


@hookimpl
def extra_template_vars(view_name, request, datasette):
    async def inner():
        tx = context.texts_for(datasette, request)
        out = {}
        table = (request.url_vars or {}).get("table") if request else None
        if view_name == "table" and table in tx.config["tables"]:
            out["row_names"] = await cells.foreign_row_names(datasette, tx, table)
        if view_name == "row" and table in tx.config["tables"]:
            out["row_name"] = await cells.row_name(datasette, tx, table, urlsafe_components(request.url_vars["pks"]))
        if view_name in ("query", "table", "database"):
            titles = cells.query_words(context.release_dir(datasette), tx.lang, table)[0]
            out["column_word"] = lambda column: titles.get(column, column)
        return out

    return inner
