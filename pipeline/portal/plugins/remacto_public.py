"""Portal plugin: what a public, read-only portal needs beyond Datasette's defaults.

- Follows the `published` symlink: when a new release is swapped in, the next request is
  served from it (database, counts and metadata switch together); requests already running
  finish on the old release, whose folder is never deleted.
- Hides debug pages that show file paths, versions and threads; answers /health and /robots.txt.
- Caps the size of any string or blob a query can build, so one request cannot eat the memory.
- Answers every mistake a visitor can make (an unknown column to sort or facet by, an unknown row or
  table, a bad `_size` or `_next`, a wrong `_shape`, a method other than GET, an absurdly long
  search) with 400, 404 or 405 on the portal's own error page in the page's language, logged as one
  line; only a fault of the portal is a 500, logged with its traceback (Datasette's default handler,
  which prints every local variable of every frame, is blocked).
- Answers a table page's row count from the release's precomputed facet counts when its only
  filters are equalities on facet fields (pipeline/build/facet_counts.py), and a search-only page's
  from its full-text index; any other count runs live.
"""

import asyncio
import json
import os
import re
import sqlite3
import sys
import threading
import traceback
from pathlib import Path
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.database import Database, QueryInterrupted, connections
from datasette.plugins import pm
from datasette.utils.asgi import Base400, Request, Response
from datasette.views.base import DatasetteError

from pipeline.portal import facet_lookup as facets
from pipeline.portal import cache as response_cache

DB_NAME = "remacto"
PUBLISHED = os.environ.get("REMACTO_PUBLISHED")  # set by `python -m pipeline serve`
MAX_VALUE_BYTES = 5_000_000
# Debug pages: absolute paths (/-/databases), Python/SQLite builds (/-/versions), threads, plugins.
HIDDEN = re.compile(r"^/-/(databases|versions|threads|plugins|actor|permissions|messages|allow-debug)(\.json)?/?$")
# The portal's own pages under /-/ (map, dictionary, PB cycles, the source document) are for readers and
# search engines alike; search results, queries, exports and Datasette's /-/ pages are not.
ROBOTS = """User-agent: *
Allow: /-/map
Allow: /-/dictionary
Allow: /-/pb
Allow: /-/documents/
Disallow: /-/
Disallow: /*?sql=
Disallow: /*.csv
Disallow: /*.json
Allow: /
"""

_swap_lock = threading.Lock()
# Datasette's own handler prints a traceback with every frame's locals for any error, a client's
# mistake included (150 lines for an unknown sort column): the portal's handler below replaces it.
pm.set_blocked("datasette.handle_exception")
# The methods a read-only portal answers; any other is a 405.
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# A search longer than this is no search a person typed: refused before any index is read.
MAX_SEARCH_CHARS = 500
SEARCH_PARAM = re.compile(r"^(q|_search(_.+)?)$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ClientMistake(Base400):
    """A request the portal refuses as it was sent: status 400 unless given."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _mistake_in(scope) -> ClientMistake | None:
    """What is wrong with a request before any page is computed, or None."""
    if scope.get("method", "GET") not in READ_METHODS:
        return ClientMistake(f"method {scope.get('method')} not allowed: this portal is read-only", 405)
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if CONTROL_CHARS.search(key + value):
            return ClientMistake(f"the parameter {key[:40]!r} holds a control character")
        if SEARCH_PARAM.match(key) and len(value) > MAX_SEARCH_CHARS:
            return ClientMistake(f"a search of {len(value)} characters: at most {MAX_SEARCH_CHARS}")
    return None


TABLE_PATH = re.compile(rf"^/{DB_NAME}/([^/.]+)(\.[a-z]+)?$")
FACET_PARAMS = ("_facet", "_facet_array", "_facet_date")


async def _unknown_facet(datasette, scope) -> ClientMistake | None:
    """A facet by a column the table does not have. Checked before Datasette runs the facets: it would
    fail with a 400 too, but leave its other facets' coroutines never awaited, each warning in the log."""
    match = TABLE_PATH.match(scope.get("path", ""))
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    asked = [v for k, v in parse_qsl(query) if k in FACET_PARAMS] if match else []
    if not asked:
        return None
    db = datasette.databases.get(DB_NAME)
    if db is None or not await db.table_exists(match.group(1)):
        return None  # Datasette's 404 says the table is unknown
    columns = set(await db.table_columns(match.group(1)))
    unknown = [v for v in asked if v not in columns and not v.startswith("{")]  # {"simple": …} is JSON
    return ClientMistake(f"cannot facet by {unknown[0][:60]!r}: no such column") if unknown else None


def _status_of(exception) -> tuple[int, str]:
    """The answer's status and message. Datasette raises DatasetteError with status 500 for a bad
    parameter (`Cannot sort table by x`) or bad SQL: a mistake in the request, so a 400."""
    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0] if exception.args else exception.status)
    if isinstance(exception, DatasetteError):
        return (400 if exception.status == 500 else exception.status), str(exception.message)
    return 500, "the portal could not answer this request"


async def error_response(datasette, request, status: int, message: str) -> Response:
    """The portal's error page (templates/error.html) in the page's language, or JSON for .json."""
    headers = {"allow": ", ".join(READ_METHODS)} if status == 405 else {}
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": message, "status": status}, status=status, headers=headers)
    context = {"ok": False, "error": message, "status": status, "title": None}
    html = await datasette.render_template("error.html", context, request=request, view_name="error")
    return Response.html(html, status=status, headers=headers)


@hookimpl
def handle_exception(datasette, request, exception):
    async def inner():
        status, message = _status_of(exception)
        if status >= 500:
            traceback.print_exception(exception, file=sys.stderr)
        else:
            print(f"{status} {request.method} {request.path[:200]}: {message[:200]}", file=sys.stderr, flush=True)
        try:
            return await error_response(datasette, request, status, message)
        except Exception as failed:  # the error page itself failed: say so plainly, once
            print(f"error page failed: {failed!r}", file=sys.stderr, flush=True)
            return Response.text(f"Error {status}: {message}", status=status)

    return inner


class ReleaseDatabase(Database):
    """One release's database. Datasette caches each worker thread's connection under the
    database's name, which every release shares; keyed by file instead, a swapped-in release
    never runs a query on the previous release's connection. Counts that the release's facet
    counts hold are read from them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._facet_fields: dict[str, list[str] | None] = {}
        self._schema: dict = {}

    async def facet_fields(self, table: str) -> list[str] | None:
        """The facet fields of `table` whose counts the release holds (None: no counts)."""
        if table not in self._facet_fields:
            name = facets.counts_table(table)
            columns = [r[1] for r in (await super().execute(f"PRAGMA table_info({facets.q(name)})")).rows]
            self._facet_fields[table] = facets.fields_of_counts(columns)
        return self._facet_fields[table]

    async def execute(self, sql, params=None, *args, **kwargs):
        # Datasette prints every failed query (a facet by an unknown column included) besides raising
        # it; handle_exception below logs it once: one line for a client's mistake.
        kwargs["log_sql_errors"] = False
        try:
            return await self._execute(sql, params, *args, **kwargs)
        except QueryInterrupted:
            # A count or facet Datasette then leaves out of the page: that page must not be kept.
            response_cache.page_incomplete(f"query interrupted: {sql[:80]}")
            raise

    async def _execute(self, sql, params=None, *args, **kwargs):
        if sql.startswith("select name from sqlite_master "):  # the permission check's table spelling, every page
            key = ("execute", sql, repr(params))
            if key not in self._schema:
                self._schema[key] = await super().execute(sql, params, *args, **kwargs)
            return self._schema[key]
        parsed = facets.parse_count_sql(sql, params) if sql.startswith("select count(*) from ") else None
        if parsed:
            fields = await self.facet_fields(parsed[0])
            sql = (fields and facets.count_sql(parsed[0], fields, parsed[1])) or sql
        searched = facets.searched_only(sql, params, count=True) if sql.startswith("select count(*) from ") else None
        if searched and await self.index_rows_are_rows(searched[0], searched[1]):
            sql = facets.search_count_sql(searched[1], searched[2])
        return await super().execute(sql, params, *args, **kwargs)

    async def index_rows_are_rows(self, table: str, fts: str) -> bool:
        """Whether every rowid of the full-text table `fts` is a row of `table` (the build indexes each
        row under its own rowid), so that a search's count can be read from the index alone. Asked
        once per release (the file is immutable)."""
        key = ("index_rows_are_rows", table, fts)
        if key not in self._schema:
            sql = (
                f"SELECT NOT EXISTS (SELECT 1 FROM {facets.q(fts)} AS f WHERE NOT EXISTS "
                f"(SELECT 1 FROM {facets.q(table)} AS t WHERE t.rowid = f.rowid))"
            )
            try:
                self._schema[key] = bool((await super().execute(sql)).rows[0][0])
            except QueryInterrupted:
                return False  # not known: the count stays Datasette's
        return self._schema[key]

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"{self.name}:{self.path}"

        def in_thread():
            conn = getattr(connections, key, None)
            if not conn:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(connections, key, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


def _per_release(name: str):
    """A schema question answered once per release: the file is immutable, and Datasette asks the
    same ones (does the table exist, its columns, keys, definition) on every page."""
    method = getattr(Database, name)

    async def cached(self, *args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items())))
        if key not in self._schema:
            self._schema[key] = await method(self, *args, **kwargs)
        value = self._schema[key]
        return list(value) if isinstance(value, list) else value

    cached.__name__ = name
    return cached


for _name in (
    "table_exists",
    "table_names",
    "view_names",
    "table_columns",
    "table_column_details",
    "primary_keys",
    "fts_table",
    "foreign_keys_for_table",
    "get_table_definition",
    "hidden_table_names",
    "label_column_for_table",
):
    setattr(ReleaseDatabase, _name, _per_release(_name))


def _release_dir(datasette) -> Path:
    return Path(datasette.databases[DB_NAME].path).parent


def _serve_release(datasette, target: Path) -> None:
    """Serve the release in `target` (its database, counts and metadata together)."""
    inspect = json.loads((target / "portal" / "inspect.json").read_text(encoding="utf-8"))[DB_NAME]
    metadata = json.loads((target / "portal" / "metadata.json").read_text(encoding="utf-8"))
    # The portal's texts (every title and label in three languages, most of the file) are read from
    # the file by pipeline/portal/context.py, once per release: Datasette deep-copies the metadata it holds on
    # every permission check (twice a page; ~10 ms a page with them).
    metadata.get("plugins", {}).pop("remacto-portal", None)
    # The same for the column notes: pages show them from those texts, in the visitor's language.
    for table in metadata.get("databases", {}).get(DB_NAME, {}).get("tables", {}).values():
        table.pop("columns", None)
    db = ReleaseDatabase(datasette, path=str(target / f"{DB_NAME}.db"), is_mutable=False)
    db.name = db.route = DB_NAME
    db.cached_hash, db.cached_size = inspect["hash"], inspect["size"]
    # The table counts: Database.cached_table_counts reads them from inspect_data, set below.
    # Datasette 0.65 keeps `-m` metadata in _metadata_local and has no public setter.
    datasette._metadata_local = metadata
    datasette.inspect_data = {**(datasette.inspect_data or {}), DB_NAME: inspect}
    datasette.databases = {**datasette.databases, DB_NAME: db}  # one assignment: no mixed state


def _follow_published(datasette) -> None:
    """Serve the release `published` points to, if it is not the one being served."""
    target = Path(os.path.realpath(PUBLISHED))
    if target == _release_dir(datasette):
        return
    with _swap_lock:
        if target == _release_dir(datasette) or not (target / "datapackage.json").exists():
            return
        _serve_release(datasette, target)


@hookimpl
def startup(datasette):
    """The release given on the command line is served by a ReleaseDatabase too."""
    db = datasette.databases.get(DB_NAME)
    if db is not None and not isinstance(db, ReleaseDatabase) and (_release_dir(datasette) / "portal" / "inspect.json").exists():
        _serve_release(datasette, _release_dir(datasette))


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)


@hookimpl
def register_routes():
    def health(datasette):
        db = datasette.databases[DB_NAME]
        return Response.json({"status": "ok", "release": _release_dir(datasette).name, "tables": len(db.cached_table_counts or {})})

    def robots():
        return Response.text(ROBOTS)

    return [(r"^/health$", health), (r"^/robots\.txt$", robots)]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def public(scope, receive, send):
            if scope.get("type") == "http":
                if PUBLISHED:
                    _follow_published(datasette)
                mistake = (
                    ClientMistake("not found", 404)
                    if HIDDEN.match(scope.get("path", ""))
                    else _mistake_in(scope) or await _unknown_facet(datasette, scope)
                )
                if mistake is not None:
                    # Datasette's CSRF layer, which sets the token templates read, is inside this one.
                    request = Request({**scope, "csrftoken": lambda: ""}, receive)
                    await (await handle_exception(datasette, request, mistake)()).asgi_send(send)
                    return
            await app(scope, receive, send)

        return public

    return wrap
