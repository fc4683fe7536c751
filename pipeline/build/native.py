"""Native writers for the national tables: no Python loop over their rows.

A worker reads the validated CSV once into a typed DuckDB table (`typed_table`: DuckDB types the
canonical cells, Python types the few rows that are not, as the in-line build does), then DuckDB
writes everything from it:

- the SQLite rows, through DuckDB's sqlite extension (PyPI `duckdb-extension-sqlite-scanner`,
  loaded by path: no download), into a part file whose table was created by build/ddl.py, in file
  order (the rowids the row rules name);
- the CSV and JSON exports, with `COPY`, in primary-key order. Each line is made in SQL with the
  bytes Python's writers give (csv.writer's minimal quoting and CRLF, which is what Datasette's CSV
  download writes, and json.dumps(rows, ensure_ascii=False, indent=1)); DuckDB only writes the
  lines (no quoting of its own: it quotes any cell holding `#`, and to_json writes `\\u001A` where
  json.dumps writes `\\u001a`);
- the facet counts, with one GROUP BY.

A DOUBLE cast to VARCHAR in DuckDB is the shortest round-trip spelling, as Python's repr() (a test
compares them); an integer is its digits.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_extension_sqlite_scanner

from pipeline import progress
from pipeline.build import ddl
from pipeline.check import fast
from pipeline.check.fast import BATCH, text_source
from pipeline.model import Table
from pipeline.model.types import CANONICAL_DOUBLE, CANONICAL_INTEGER
from pipeline.model.types import quote_literal as lit, quote_name as q
from pipeline.read.text import NEEDS_CLEANING_RE2, normalise_rows
from pipeline.timing import stage

ROWS = "typed_rows"
# DuckDB's type of each field's SQLite value (date, time and datetime are text in the release).
DUCKDB_TYPES = {"integer": "BIGINT", "year": "BIGINT", "number": "DOUBLE"}
# NEEDS_CLEANING_RE2 (a cell's) for cells joined by \x01: a space at a cell's start or end is one
# next to a \x01 too.
_CELL_EDGES = "|^ | $"
assert NEEDS_CLEANING_RE2.endswith(_CELL_EDGES)
_ROW_NEEDS_CLEANING = NEEDS_CLEANING_RE2[: -len(_CELL_EDGES)] + "|(^|\\x01) | (\\x01|$)"
# The characters to_json escapes with upper-case hex digits (json.dumps writes lower case).
_UPPER_HEX = "\x0b\x0e\x0f\x1a\x1b\x1c\x1d\x1e\x1f"
_JSON_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    **{chr(c): f"\\u{c:04x}" for c in range(0x20) if chr(c) not in "\b\f\n\r\t"},
}


def sqlite_extension() -> Path:
    """The sqlite extension's file in its PyPI package, for the DuckDB version the project pins."""
    root = Path(duckdb_extension_sqlite_scanner.__file__).parent / "extensions"
    path = root / f"v{duckdb.__version__}" / "sqlite_scanner.duckdb_extension"
    if not path.is_file():
        raise RuntimeError(
            f"{path} is missing: duckdb and duckdb-extension-sqlite-scanner must have the same version (pyproject.toml pins both)"
        )
    return path


@contextmanager
def connection(spill: Path):
    """A DuckDB connection with the pipeline's settings, the sqlite extension loaded, spilling to
    `spill` (removed after) beyond its memory limit."""
    spill.mkdir(parents=True, exist_ok=True)
    con = fast.connect(spill=spill)
    try:
        con.execute(f"LOAD {lit(str(sqlite_extension()))}")
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def typed_expressions(table: Table) -> tuple[list[str], str]:
    """Each field's SQLite value for a canonical cell (else NULL), and the condition naming a row
    Python must type: a cell in another spelling (`+5`, `٥`, `9:30`) or text to clean."""
    exprs, odd = [], []
    for f in table.fields:
        c = q(f.name)
        present = f"({c} IS NOT NULL AND {c} <> '')"
        if f.type in ("integer", "year"):
            exprs.append(f"CASE WHEN regexp_full_match({c}, {lit(CANONICAL_INTEGER)}) THEN TRY_CAST({c} AS BIGINT) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {lit(CANONICAL_INTEGER)}))")
        elif f.type == "number":
            exprs.append(f"CASE WHEN regexp_full_match({c}, {lit(CANONICAL_DOUBLE)}) THEN TRY_CAST({c} AS DOUBLE) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {lit(CANONICAL_DOUBLE)}))")
        else:
            exprs.append(f"CASE WHEN {present} THEN {c} END")
            if f.type == "time":  # the build pads H:MM to HH:MM
                odd.append(f"({present} AND length({c}) < 5)")
    # Text to clean, found in one match over the row's cells joined by \x01 (a cell's own start and
    # end are then also next to a \x01): a regex a row, not a cell. A \x01 in a cell can only add a
    # row to those Python types, which is exact anyway.
    cells = ", ".join(f"coalesce({q(f.name)}, '')" for f in table.fields)
    odd.append(f"regexp_matches(concat_ws(chr(1), {cells}), {lit(_ROW_NEEDS_CLEANING)})")
    return exprs, " OR ".join(odd)


def typed_table(con: duckdb.DuckDBPyConnection, csv_path: Path, table: Table) -> int:
    """The validated CSV's rows as SQLite values in the DuckDB table ROWS, in file order (its rowid);
    the rows DuckDB does not type are typed by ddl.typed_value from their normalised cells, as the
    in-line build types every row. Returns the number of rows."""
    exprs, flag = typed_expressions(table)
    # Read by one thread: the rowid is the row's place in the file (the row rules name it), and a
    # table made by a SELECT that computes columns may store a parallel read's rows out of order.
    names = [q(f.name) for f in table.fields]
    raw = ", ".join(f"CASE WHEN _special THEN {c} END AS {q('_raw_' + f.name)}" for c, f in zip(names, table.fields))
    typed = ", ".join(f"{e} AS {c}" for e, c in zip(exprs, names))
    con.execute(
        f"CREATE TEMP TABLE {ROWS} AS SELECT _special, {typed}, {raw} "
        f"FROM (SELECT ({flag}) AS _special, * FROM {text_source(csv_path, table, one_thread=True)})"
    )
    types = [f.type for f in table.fields]
    cursor = con.execute(f"SELECT rowid, {', '.join(q('_raw_' + f.name) for f in table.fields)} FROM {ROWS} WHERE _special ORDER BY rowid")
    fixes = []
    while batch := cursor.fetchmany(BATCH):
        for rowid, *cells in batch:
            cells = normalise_rows([["" if c is None else c for c in cells]], types)[0]
            fixes.append([rowid, *(ddl.typed_value(v, t) for v, t in zip(cells, types))])
    if fixes:
        # Handed to DuckDB a column at a time (one list each), then one UPDATE joins them in.
        columns = [("_rowid", "BIGINT")] + [(f.name, DUCKDB_TYPES.get(f.type, "VARCHAR")) for f in table.fields]
        for start in range(0, len(fixes), BATCH):
            part = list(zip(*fixes[start : start + BATCH]))
            unnest = ", ".join(f"unnest(?::{t}[]) AS {q(n)}" for n, t in columns)
            con.execute(f"CREATE OR REPLACE TEMP TABLE typed_fixes AS SELECT {unnest}", [list(c) for c in part])
            sets = ", ".join(f"{c} = typed_fixes.{c}" for c in names)
            con.execute(f"UPDATE {ROWS} SET {sets} FROM typed_fixes WHERE {ROWS}.rowid = typed_fixes._rowid")
        con.execute("DROP TABLE typed_fixes")
    return con.execute(f"SELECT count(*) FROM {ROWS}").fetchone()[0]


def delimited_cell(text: str, delimiter: str = ",") -> str:
    """A text value (SQL) as csv.writer's QUOTE_MINIMAL writes it, NULL as nothing: quoted when it
    holds the delimiter, the quote or a line break."""
    return (
        f"CASE WHEN {text} IS NULL THEN '' WHEN regexp_matches({text}, '[{delimiter}\"\\r\\n]') "
        f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END"
    )


def _csv_cell(f) -> str:
    c = q(f.name)
    if f.type in DUCKDB_TYPES:
        return f"coalesce(CAST({c} AS VARCHAR), '')"
    return delimited_cell(c)


def _json_value(f, exact_escapes: bool) -> str:
    c = q(f.name)
    if f.type in DUCKDB_TYPES:
        return f"coalesce(CAST({c} AS VARCHAR), 'null')"
    if not exact_escapes:
        return f"coalesce(CAST(to_json({c}) AS VARCHAR), 'null')"
    escaped = c
    for char, escape in _JSON_ESCAPES.items():  # chr(): a SQL literal cannot hold a NUL
        escaped = f"replace({escaped}, chr({ord(char)}), {lit(escape)})"
    return f"coalesce('\"' || {escaped} || '\"', 'null')"


def _row_holds(table: Table, characters: str) -> str | None:
    """Whether any text cell of the row holds one of `characters` (one search of the row's text run
    together, not one a cell; `contains` is cheaper than a regex here), None for a row without text."""
    texts = [q(f.name) for f in table.fields if f.type not in DUCKDB_TYPES]
    if not texts:
        return None
    text = f"concat({', '.join(texts)}, '')"  # concat skips NULLs
    return "(" + " OR ".join(f"contains({text}, chr({ord(c)}))" for c in characters) + ")"


def csv_line(table: Table) -> str:
    quoted = ", ',', ".join(_csv_cell(f) for f in table.fields)
    plain = ", ',', ".join(f"coalesce(CAST({q(f.name)} AS VARCHAR), '')" for f in table.fields)
    # Most rows need no quoting: one search a row decides. concat(), not ||: one string made, not one a cell.
    needs_quotes = _row_holds(table, ',"\r\n')
    line = f"CASE WHEN {needs_quotes} THEN concat({quoted}) ELSE concat({plain}) END" if needs_quotes else f"concat({plain})"
    # csv.writer writes a row of one empty cell as "" (an empty line would be no row).
    return f"CASE WHEN ({line}) = '' THEN '\"\"' ELSE {line} END" if len(table.fields) == 1 else line


def json_object(table: Table) -> str:
    """One row as json.dumps(..., indent=1) lays out an object inside a list."""

    def layout(exact_escapes: bool) -> str:
        parts = [
            f"{lit(('{' if i == 0 else ',') + chr(10) + '  ' + json.dumps(f.name, ensure_ascii=False) + ': ')}, "
            f"{_json_value(f, exact_escapes)}"
            for i, f in enumerate(table.fields)
        ]
        return f"concat(' ', {', '.join(parts)}, {lit(chr(10) + ' }')})"

    # to_json, but for the rare row holding a character it escapes in upper case.
    upper_hex = _row_holds(table, _UPPER_HEX)
    return f"CASE WHEN {upper_hex} THEN {layout(True)} ELSE {layout(False)} END" if upper_hex else layout(False)


def _copy_lines(con: duckdb.DuckDBPyConnection, expression: str, order: str, path: Path, prefix: str, separator: str, suffix: str) -> None:
    """prefix + the lines (in `order`) joined by separator + suffix, written as they are."""
    con.execute(
        f"COPY (SELECT {expression} FROM {ROWS} ORDER BY {order}) TO {lit(str(path))} "
        f"(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', PREFIX {lit(prefix)}, NEW_LINE {lit(separator)}, "
        f"SUFFIX {lit(suffix)})"
    )


def write_csv_and_json(con: duckdb.DuckDBPyConnection, table: Table, rows: int, csv_path: Path, json_path: Path | None) -> None:
    """The table's CSV and JSON (None: no JSON) in primary-key order (rowid without one), as SQLite's
    ORDER BY lists them (text by code point, which is UTF-8 byte order, as DuckDB compares it)."""
    header = io.StringIO(newline="")
    csv.writer(header).writerow(table.field_names)
    order = ", ".join(map(q, table.primary_key)) or "rowid"
    if rows == 0:
        csv_path.write_text(header.getvalue(), encoding="utf-8", newline="")
        if json_path:
            json_path.write_text("[]\n", encoding="utf-8")
        return
    _copy_lines(con, csv_line(table), order, csv_path, header.getvalue(), "\r\n", "\r\n")
    if json_path:
        _copy_lines(con, json_object(table), order, json_path, "[\n", ",\n", "\n]\n")


def facet_combinations(con: duckdb.DuckDBPyConnection, table: Table) -> list[tuple]:
    """The rows counted by every combination of the table's facet values: [(values..., count)]."""
    if not table.facet_fields:
        return []
    cols = ", ".join(map(q, table.facet_fields))
    return con.execute(f"SELECT {cols}, count(*) FROM {ROWS} GROUP BY {cols} ORDER BY {cols}").fetchall()


def build_part(table: Table, csv_path: Path, part_path: Path, total: int | None = None) -> None:
    """A national table on its own, in a worker process: its rows from the validated CSV into a
    SQLite file of its own (table and indexes, rowids in file order), for the main database to
    take in whole. DuckDB writes the rows into the table ddl.py declares (its types, keys and
    checks are SQLite's: the extension inserts through SQLite)."""
    statements = [s for s in ddl.table_ddl(table) if "USING fts5" not in s]  # full text is built in the main file
    indexes = [s for s in statements if s.startswith("CREATE INDEX")]
    db = sqlite3.connect(part_path)
    try:
        for statement in statements:
            if statement not in indexes:
                db.execute(statement)
        db.commit()
    finally:
        db.close()
    with progress.rows(f"loading {table.name} into SQLite (worker)", total, announce=(total or 0) >= progress.ANNOUNCE_ROWS) as tracker:
        with stage(f"worker: load {table.name}"), connection(part_path.with_name(part_path.name + ".spill")) as con:
            rows = typed_table(con, csv_path, table)
            con.execute(f"ATTACH {lit(str(part_path))} AS part (TYPE sqlite)")
            columns = ", ".join(q(f.name) for f in table.fields)
            con.execute("BEGIN")  # one SQLite transaction
            # A batch of rowids at a time, in file order: the progress is the rows in SQLite.
            for start in range(0, rows, BATCH):
                con.execute(
                    f"INSERT INTO part.{q(table.name)} ({columns}) SELECT {columns} FROM {ROWS} "
                    f"WHERE rowid >= {start} AND rowid < {start + BATCH} ORDER BY rowid"
                )
                tracker.advance(min(BATCH, rows - start))
            con.execute("COMMIT")
            con.execute("DETACH part")
    with stage(f"worker: index {table.name}"):
        db = sqlite3.connect(part_path)
        try:
            ddl.staging_pragmas(db)
            for statement in indexes:
                db.execute(statement)
            # Its statistics, taken into the main file's sqlite_stat1 (facet_counts.write_facet_counts):
            # the same rows ANALYZE gives there, counted here, beside the other tables' work.
            db.execute("ANALYZE")
            db.commit()
        finally:
            db.close()


def export_part(table: Table, csv_path: Path, export_dirs: tuple[Path, Path, Path], total: int | None = None) -> list[tuple]:
    """A national table's exports, in a worker process of its own beside the one that loads it: the
    same rows (from the validated CSV, as SQLite values) to its CSV (no JSON copy: a national
    table's rows are served as JSON by the portal's API; docs/releases.md), then its Parquet (from
    that CSV, as every table's). Returns the rows counted by every combination of the table's facet
    fields, [(values..., count)]: facet_counts.py builds the portal's counts from them."""
    from pipeline.build.parquet import build_parquet

    csv_dir, _, parquet_dir = export_dirs
    with progress.rows(f"exporting {table.name} to CSV (worker)", total, announce=(total or 0) >= progress.ANNOUNCE_ROWS) as tracker:
        with stage(f"worker: export {table.name}"), connection(csv_dir.parent / f".{table.name}.export.spill") as con:
            rows = typed_table(con, csv_path, table)
            write_csv_and_json(con, table, rows, csv_dir / f"{table.name}.csv", None)
            counted = facet_combinations(con, table)
            tracker.advance(rows)
    with stage(f"worker: parquet {table.name}"):
        build_parquet([table], csv_dir, parquet_dir)
    return counted
