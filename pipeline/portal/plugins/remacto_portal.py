"""Portal plugin: languages, home page, search across tables, data dictionary, map and downloads.

The visitor's language is `?_lang=ar|fr|en` (remembered in a cookie) and Arabic by default;
every text comes from the release's metadata (`plugins.remacto-portal`, pipeline/portal/i18n.py).
"""
from __future__ import annotations

import contextvars
import functools
import json
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import escape_fts, path_from_row_pks, tilde_encode
from datasette.utils.asgi import NotFound, Request, Response
from markupsafe import Markup

from pipeline.portal import charts, downloads as exports, i18n
from pipeline.settings import DB_NAME
from pipeline.read.text import search_key
from pipeline.release.versions import read_release_json

PLUGIN = "remacto-portal"


@functools.lru_cache(maxsize=4)
def _release_texts(folder: Path) -> dict:
    """The texts of one release (its metadata's `plugins.remacto-portal`), read once per process.
    Datasette's own copy of the metadata does not hold them (remacto_public drops them): it
    deep-copies its metadata on every permission check, twice a page."""
    metadata = json.loads((folder / "portal" / "metadata.json").read_text(encoding="utf-8"))
    return metadata["plugins"][PLUGIN]


def _config(datasette) -> dict:
    return _release_texts(_release_dir(datasette))


@functools.lru_cache(maxsize=16)
def _texts(folder: Path, lang: str) -> i18n.Texts:
    return i18n.Texts(_release_texts(folder), lang)


def texts_for(datasette, request) -> i18n.Texts:
    lang = i18n.choose_lang(request.args.get(i18n.LANG_PARAM) if request else None,
                            request.cookies.get(i18n.LANG_COOKIE) if request else None)
    return _texts(_release_dir(datasette), lang)


@functools.lru_cache(maxsize=64)
def _folder_of(db_path: str) -> Path:
    return Path(db_path).resolve().parent


def _release_dir(datasette) -> Path:
    """The folder of the release served now. Asked for every cell of a page (render_cell), so the
    path is resolved once per database file, not each time (two realpath walks a cell were half a
    cold page's time): a release switch serves a new file path (remacto_public), so it is seen."""
    return _folder_of(datasette.get_database(DB_NAME).path)


def release_info(datasette) -> dict:
    """The release id is its folder's name; version and date are the ones it records (release.json)."""
    folder = _release_dir(datasette)
    recorded = read_release_json(folder) or {}
    return {"id": folder.name, "version": recorded.get("version"), "date": recorded.get("release_date"),
            "archive": f"remacto-release-{folder.name}.zip"}


@functools.lru_cache(maxsize=4)
def _datapackage(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


@hookimpl
def asgi_wrapper(datasette):
    """Remember a language chosen with ?_lang= in a cookie, so the next pages keep it."""
    def wrap(app):
        async def remember_lang(scope, receive, send):
            chosen = None
            if scope.get("type") == "http" and scope.get("query_string"):
                chosen = dict(parse_qsl(scope["query_string"].decode("utf-8", "replace"))).get(i18n.LANG_PARAM)
            if scope.get("type") == "http":
                _page_lang.set(i18n.choose_lang(chosen, Request(scope, receive).cookies.get(i18n.LANG_COOKIE)))
            if chosen not in i18n.LANGS:
                return await app(scope, receive, send)

            async def send_with_cookie(event):
                if event["type"] == "http.response.start":
                    cookie = f"{i18n.LANG_COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax"
                    event = dict(event, headers=list(event.get("headers", [])) + [(b"set-cookie", cookie.encode())])
                await send(event)

            await app(scope, receive, send_with_cookie)

        return remember_lang

    return wrap


def _localised_metadata(tx: i18n.Texts, view_name: str, request, datasette) -> dict | None:
    """What Datasette's templates read as `metadata`, in the visitor's language."""
    pkg = _config(datasette)["package"]
    common = {"license": pkg["licence"]["title"], "license_url": pkg["licence"]["path"],
              "source": tx.pick(pkg["attribution"]), "source_url": f"/{DB_NAME}/sources"}
    name = (request.url_vars or {}).get("table") if request else None
    if view_name in ("table", "row") and name in tx.config["tables"]:
        return {**common, "title": tx.table_title(name),
                "description_html": f"<p>{escape(tx.table_description(name))}</p>",
                "columns": {c: tx.column_description(name, c) for c in tx.config["tables"][name]["columns"]}}
    # A canned query is served through the table view: its name decides, not the view.
    if view_name in ("query", "table") and name in tx.config["queries"]:
        return {**common, "title": tx.query_title(name), "description_html": f"<p>{escape(tx.query_description(name))}</p>"}
    if view_name in ("index", "database", None):
        return {**common, "title": tx.package("title"), "description_html": f"<p>{escape(tx.package('description'))}</p>"}
    return None


async def home_page(datasette, tx: i18n.Texts) -> dict:
    """The network in numbers and the datasets, for the home page."""
    db = datasette.get_database(DB_NAME)
    by_kind = (await db.execute("SELECT kind, members FROM network_composition ORDER BY members")).rows
    by_year = (await db.execute("SELECT year, SUM(members_joined) AS n FROM network_growth GROUP BY year ORDER BY year")).rows
    by_province = (await db.execute(
        "SELECT c.territory_id, t.name_ar, t.name_latin, COUNT(*) AS n FROM collectivities AS c "
        "LEFT JOIN territories AS t ON t.territory_id = c.territory_id "
        "GROUP BY c.territory_id ORDER BY MIN(c.collectivity_id)")).rows
    rtl = tx.dir == "rtl"
    province_items = [(tx.name(dict(r)) if r["territory_id"] else tx.ui("no_province"), r["n"]) for r in by_province]
    counts = await db.table_counts(5)
    # (title, heading of the labels, items): each chart is drawn and also given as a table of its numbers.
    shown = [
        (tx.ui("members_by_kind"), tx.column_title("network_composition", "kind"),
         [(tx.code_label("network_composition", "kind", r["kind"]), r["members"]) for r in by_kind]),
        (tx.ui("growth_by_year"), tx.column_title("network_growth", "year"), [(str(r["year"]), r["n"]) for r in by_year]),
        (tx.ui("members_by_province"), tx.column_title("collectivities", "territory_id"), province_items),
    ]
    return {
        "members_total": sum(r["members"] for r in by_kind),
        "charts": [charts.bar_chart(title, items, rtl) for title, _, items in shown],
        "chart_titles": [title for title, _, _ in shown],
        "chart_tables": [{"heading": heading, "rows": [(label, value, round(100 * value / max(v for _, v in items)))
                                                       for label, value in items]}
                         for _, heading, items in shown],
        "counts": counts,
        "release": release_info(datasette),
    }


# The language of the page being rendered. Datasette 0.65's render_cell hook is not given the request,
# so the wrapper above sets it for the request's task and the cells read it.
_page_lang: contextvars.ContextVar[str] = contextvars.ContextVar("remacto_page_lang", default=i18n.DEFAULT_LANG)
# Column pairs that name a row, in Arabic and in a Latin-script language (tx.name picks by page language).
_NAME_COLUMNS = (("name_ar", "name_latin"), ("title_ar", "title_en"))
# A table past this many rows is not a lookup table: its rows are labelled by id, not read whole.
_MAX_LABELLED_ROWS = 5000
_row_names: dict[tuple[Path, str], tuple[tuple[str, str] | None, dict]] = {}
_foreign_keys: dict[tuple[Path, str], dict[str, str]] = {}


async def _names_of(datasette, table: str) -> tuple[tuple[str, str] | None, dict]:
    """The name columns of a small table and {id: row}, read once per release and process."""
    key = (_release_dir(datasette), table)
    if key not in _row_names:
        db = datasette.get_database(DB_NAME)
        columns, pks = await db.table_columns(table), await db.primary_keys(table)
        pair = next(((ar, latin) for ar, latin in _NAME_COLUMNS if ar in columns and latin in columns), None)
        rows = {}
        if pair and len(pks) == 1:
            found = (await db.execute(f'SELECT "{pks[0]}", "{pair[0]}", "{pair[1]}" FROM "{table}" LIMIT {_MAX_LABELLED_ROWS + 1}')).rows
            if len(found) <= _MAX_LABELLED_ROWS:
                rows = {r[0]: {pair[0]: r[1], pair[1]: r[2]} for r in found}
        _row_names[key] = (pair, rows)
    return _row_names[key]


async def _foreign_keys_of(datasette, table: str) -> dict[str, str]:
    key = (_release_dir(datasette), table)
    if key not in _foreign_keys:
        fks = await datasette.get_database(DB_NAME).foreign_keys_for_table(table)
        _foreign_keys[key] = {fk["column"]: fk["other_table"] for fk in fks}
    return _foreign_keys[key]


@functools.lru_cache(maxsize=16)
def _words_outside_tables(folder: Path, lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """For query results, which are not one table's: a column's title (as the first table with a column
    of that name gives it) and its codes' labels where every such table agrees (else the code stays)."""
    tx = _texts(folder, lang)
    titles: dict[str, str] = {}
    codes: dict[str, dict[str, set]] = {}
    for table, spec in tx.config["tables"].items():
        for column in spec["columns"]:
            titles.setdefault(column, tx.column_title(table, column))  # the first table's, in the model's order
            for code in tx.column(table, column).get("codes") or {}:
                codes.setdefault(column, {}).setdefault(code, set()).add(tx.code_label(table, column, code))
    return (titles,
            {c: {code: labels.pop() for code, labels in by_code.items() if len(labels) == 1} for c, by_code in codes.items()})


async def _foreign_row_names(datasette, tx: i18n.Texts, table: str) -> dict[str, dict]:
    """{column: {id: name in the page's language}} for the foreign keys of a table: the facets' words."""
    out = {}
    for column, other in (await _foreign_keys_of(datasette, table)).items():
        pair, names = await _names_of(datasette, other)
        out[column] = {key: tx.name(row, *pair) for key, row in names.items()}
    return out


class TableCells:
    """How one table's cells read in one language of one release, worked out once (its foreign keys,
    the names of the rows they point to, its codes' labels), and each cell's words kept (up to
    MAX_KEPT_CELLS a table), so that a cell costs a dictionary lookup: a page renders 100 rows × every
    column, and working each one out again was a third of a first visit's time."""

    MAX_KEPT_CELLS = 5_000

    def __init__(self, datasette, tx: i18n.Texts, table: str, foreign_keys: dict[str, str], names: dict):
        self.datasette, self.tx, self.table = datasette, tx, table
        self.foreign_keys, self.names = foreign_keys, names  # names: other table -> (pair, {id: row})
        columns = tx.config["tables"][table]["columns"]
        self.codes = {column: {code: Markup('<span class="code-label" data-code="{}">{}</span>').format(
                                   code, tx.code_label(table, column, code)) for code in spec["codes"]}
                      for column, spec in columns.items() if spec.get("codes")}
        # The columns whose cells are not shown as they are: the others answer None at once.
        self.worded = set(foreign_keys) | set(self.codes) | ({"source_ref"} & set(columns))
        self.kept: dict[tuple, Markup | None] = {}

    def cell(self, value, column):
        if column not in self.worded or value is None:
            return None
        raw, label = (value["value"], value.get("label")) if isinstance(value, dict) else (value, None)
        key = (column, type(raw), raw, label)
        if key in self.kept:
            return self.kept[key]
        words = self._words(raw, label, column)
        if len(self.kept) < self.MAX_KEPT_CELLS:
            self.kept[key] = words
        return words

    def _words(self, raw, label, column) -> Markup | None:
        other = self.foreign_keys.get(column)
        if other:
            href = self.datasette.urls.row(DB_NAME, other, tilde_encode(str(raw)))
            if other == "sources":
                # The source's title is on the page it links to: repeated in every row it took 9,900 px.
                return Markup('<a class="source-link" href="{}" data-id="{}">{}</a>').format(href, raw, self.tx.ui("source_link"))
            pair, names = self.names[other]
            name = self.tx.name(names[raw], *pair) if raw in names else None
            return Markup('<a href="{}" data-id="{}">{}</a>').format(href, raw, name or label or str(raw))
        if column == "source_ref":
            return Markup('<details class="source-ref"><summary>{}</summary>{}</details>').format(self.tx.ui("source_ref"), raw)
        return self.codes.get(column, {}).get(raw) if isinstance(raw, str) else None


_table_cells: dict[tuple[Path, str, str], TableCells] = {}


async def _cells_of(datasette, folder: Path, lang: str, table: str) -> TableCells:
    key = (folder, lang, table)
    if key not in _table_cells:
        foreign_keys = await _foreign_keys_of(datasette, table)
        names = {other: await _names_of(datasette, other) for other in set(foreign_keys.values())}
        _table_cells[key] = TableCells(datasette, _texts(folder, lang), table, foreign_keys, names)
    return _table_cells[key]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Words, not codes, in the page's language: a code shows its label, a foreign key the name of the
    row it points to (or its id, never "None"), a source a compact link with the place in it on
    demand. Links and filters keep the code; CSV and JSON are not rendered here and keep it too.
    Answered without a coroutine once the table's TableCells exist (every cell of a page asks)."""
    if database != DB_NAME:
        return None
    folder, lang = _release_dir(datasette), _page_lang.get()
    if not table:  # a query's result: a code's label where every table agrees on it
        label = _words_outside_tables(folder, lang)[1].get(column, {}).get(value)
        return Markup('<span class="code-label" data-code="{}">{}</span>').format(value, label) if label else None
    cells = _table_cells.get((folder, lang, table))
    if cells is not None:
        return cells.cell(value, column)
    if table not in _texts(folder, lang).config["tables"]:
        return None

    async def first():
        return (await _cells_of(datasette, folder, lang, table)).cell(value, column)

    return first()


@hookimpl
def extra_template_vars(template, view_name, request, datasette):
    async def inner():
        tx = texts_for(datasette, request)
        path = request.path if request else "/"
        qs = request.query_string if request else ""
        out = {
            "lang": tx.lang,
            "dir": tx.dir,
            "tx": tx,
            "lang_links": [(code, i18n.LANG_NAMES[code], i18n.url_with_lang(path, qs, code), code == tx.lang)
                           for code in i18n.LANGS],
        }
        meta = _localised_metadata(tx, view_name, request, datasette)
        if meta is not None:
            out["metadata"] = meta
        table = (request.url_vars or {}).get("table") if request else None
        if view_name == "table" and table in tx.config["tables"]:
            out["row_names"] = await _foreign_row_names(datasette, tx, table)
        if view_name in ("query", "table", "database"):
            titles = _words_outside_tables(_release_dir(datasette), tx.lang)[0]
            out["column_word"] = lambda column: titles.get(column, column)
        if view_name == "index":
            out["home"] = await home_page(datasette, tx)
        return out

    return inner


async def search_all(datasette, request):
    """/-/search?q=: the folded query against every table's full-text index."""
    tx = texts_for(datasette, request)
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
            rows = (await db.execute(
                f'SELECT * FROM "{table}" WHERE rowid IN (SELECT rowid FROM "{table}_fts" WHERE "{table}_fts" MATCH :q) LIMIT 50',
                {"q": escape_fts(key)})).rows
            if not rows:
                continue
            labels = [c for c in await db.table_columns(f"{table}_fts") if c in spec["columns"]]  # searched columns
            groups.append({
                "table": table,
                "title": tx.table_title(table),
                "url": datasette.urls.table(DB_NAME, table) + "?" + urlencode({"_search": query, i18n.LANG_PARAM: tx.lang}),
                "rows": [{"url": datasette.urls.row(DB_NAME, table, path_from_row_pks(r, pks, not pks)),
                          "label": " · ".join(str(r[c]) for c in labels if r[c]) or ", ".join(str(r[p]) for p in pks)}
                         for r in rows],
            })
    html = await datasette.render_template(
        "remacto_search.html", {"q": query, "groups": groups, "searched": bool(query),
                                "too_short": bool(query) and not groups and not any(len(t) >= 3 for t in key.split())},
        request=request)
    return Response.html(html)


def _field_rows(tx: i18n.Texts, resource: dict) -> list[dict]:
    schema = resource["schema"]
    fks = {fk["fields"][0]: fk["reference"] for fk in schema.get("foreignKeys", [])}
    rows = []
    for f in schema["fields"]:
        constraints = {k: v for k, v in f.get("constraints", {}).items() if k not in ("required", "enum")}
        notes = [k if v is True else f"{k}: {v}" for k, v in constraints.items()]
        if f.get("format"):
            notes.append(f"format: {f['format']}")
        ref = fks.get(f["name"])
        rows.append({
            "name": f["name"], "type": f["type"], "title": tx.pick(f.get("titles")),
            "required": bool(f.get("constraints", {}).get("required")),
            "notes": notes,
            "codes": [(code, tx.pick(labels)) for code, labels in (f.get("codes") or {}).items()],
            "descriptions": [(lang, i18n.LANG_NAMES[lang], f["descriptions"][lang]) for lang in i18n.LANGS],
            "ref": ({"table": ref["resource"] or resource["name"], "field": ref["fields"][0]} if ref else None),
        })
    return rows


async def dictionary(datasette, request):
    """/-/dictionary and /-/dictionary/<table>: the release's data dictionary, from its datapackage.json."""
    tx = texts_for(datasette, request)
    package = _datapackage(_release_dir(datasette))
    resources = {r["name"]: r for r in package["resources"]}
    name = request.url_vars.get("table")
    if name is not None and name not in resources:
        raise NotFound(f"No table named {name}")  # the portal's error page (remacto_public)
    context = {"resources": [(r["name"], tx.pick(r["titles"])) for r in package["resources"]]}
    if name:
        resource = resources[name]
        context.update({
            "table": name, "title": tx.pick(resource["titles"]),
            "descriptions": [(lang, i18n.LANG_NAMES[lang], resource["descriptions"][lang]) for lang in i18n.LANGS],
            "primary_key": resource["schema"].get("primaryKey", []),
            "fields": _field_rows(tx, resource),
        })
    return Response.html(await datasette.render_template("remacto_dictionary.html", context, request=request))


async def release_archive(datasette, request):
    """/-/release.zip: every file of the served release in one archive."""
    info = release_info(datasette)
    body = exports.release_zip(_release_dir(datasette))
    return Response(body, content_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="{info["archive"]}"',
                             # it follows the current release; each release's own is /-/release/<id>.zip (remacto_release)
                             "cache-control": "public, max-age=60"})


async def member_map(datasette, request):
    """/-/map: members placed from GeoNames where certain, and the list of those without a place."""
    tx = texts_for(datasette, request)
    db = datasette.get_database(DB_NAME)
    rows = [dict(r) for r in (await db.execute(
        "SELECT c.collectivity_id, c.name_ar, c.name_latin, c.kind, l.latitude, l.longitude, l.geonames_id, l.geonames_name "
        "FROM collectivities AS c LEFT JOIN collectivity_locations AS l ON l.collectivity_id = c.collectivity_id "
        "ORDER BY c.collectivity_id")).rows]
    placed = [r for r in rows if r["latitude"] is not None]
    svg, placements = charts.region_map(
        tx.ui("map"), charts.region_geography(),
        [(tx.name(r), r["latitude"], r["longitude"], r["collectivity_id"]) for r in placed])
    context = {
        "svg": svg,
        "placed": [dict(r, label=tx.name(r), n=p["n"], labelled=p["box"] is not None) for r, p in zip(placed, placements)],
        "geography": charts.region_geography(),
        "unplaced": [dict(r, label=tx.name(r), kind_label=tx.code_label("collectivities", "kind", r["kind"]))
                     for r in rows if r["latitude"] is None],
    }
    return Response.html(await datasette.render_template("remacto_map.html", context, request=request))


async def home(datasette, request):
    """/: the portal's own home page. Datasette's index view is bypassed: it inspects every table
    (about 2 s here) for a list the home page does not show; `/.json` stays Datasette's."""
    return Response.html(await datasette.render_template("index.html", {}, request=request, view_name="index"))


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/search$", search_all),
        (r"^/-/dictionary$", dictionary),
        (r"^/-/dictionary/(?P<table>[a-z0-9_]+)$", dictionary),
        (r"^/-/release\.zip$", release_archive),
        (r"^/-/map$", member_map),
    ]


def _download_name(request, table, query_name, ext: str) -> str:
    base = table or query_name or "query"
    filtered = any(not k.startswith("_") or k in ("_search", "_where") or k.startswith(("_filter", "_search_"))
                   for k in request.args.keys())
    return f"remacto-{base}{'-filtered' if filtered else ''}{ext}"


def _render(kind: str):
    def render(datasette, columns, rows, request, table, query_name, data):
        if data.get("next"):
            return Response.text(
                "This view has more rows than one download holds: add filters, or take the whole table "
                "from /-/release.zip (csv/ folder) or the plain .csv link with _stream=on.", status=413)
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
    return [{"extension": "xlsx", "render": _render("xlsx")},
            {"extension": "excelcsv", "render": _render("excelcsv")}]
