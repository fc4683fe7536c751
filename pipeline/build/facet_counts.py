"""Precomputed facet counts: what a table page shows about its rows, counted once at publish time.

For each table with `facet: true` fields (schemas/), a hidden table `<table>_facet_counts` holds the
number of rows of every combination of values of those fields, for every subset of them (a "cube" of
grouping sets): row `_set` = the bit mask of the fields grouped (bit i = the i-th facet field, in
schema order); the fields outside the set are NULL; `_rows` is the count. With it, the portal answers
the row count and every facet of a page whose only filters are equalities on facet fields (one lookup
in a covering index instead of a GROUP BY over the table); any other page is counted live.

`ANALYZE` is run too, so SQLite picks the most selective index for a page with two filters (without
statistics it took the last index it saw: `channel`, half the table, instead of `cycle_id`).

Everything here is derived from the rows, in a fixed order: the same release gives the same bytes.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from pipeline.build import SQLITE_TYPES, q, staging_pragmas
from pipeline.model import Model, ModelError, Table

SUFFIX = "_facet_counts"
SET_COLUMN = "_set"
ROWS_COLUMN = "_rows"


def counts_table(table: str) -> str:
    return table + SUFFIX


def faceted_tables(model: Model) -> list[Table]:
    return [t for t in model.tables.values() if t.facet_fields]


def hidden_tables(model: Model) -> list[str]:
    """The tables this module adds to the release's database (hidden from the portal's lists)."""
    return [counts_table(t.name) for t in faceted_tables(model)]


def mask(facet_fields: list[str], columns) -> int:
    return sum(1 << facet_fields.index(c) for c in set(columns))


def _ddl(table: Table) -> list[str]:
    fields = table.facet_fields
    cols = [f"{q(SET_COLUMN)} INTEGER NOT NULL"]
    cols += [f"{q(c)} {SQLITE_TYPES[table.field(c).type]}" for c in fields]
    cols.append(f"{q(ROWS_COLUMN)} INTEGER NOT NULL")
    name = counts_table(table.name)
    return [f"CREATE TABLE {q(name)} (\n  " + ",\n  ".join(cols) + "\n)",
            # Covering: a page's lookup reads the index only.
            f"CREATE INDEX {q(name + '_lookup')} ON {q(name)} ({', '.join(q(c) for c in [SET_COLUMN, *fields, ROWS_COLUMN])})"]


def write_facet_counts(model: Model, db_path: Path, counted: dict[str, list[tuple]] | None = None) -> None:
    """Add the facet-count tables to a freshly built release database, then ANALYZE it. `counted`
    gives, for some tables, the rows counted by every combination of facet values as the build
    loaded them (bigbuild.export_part): the same numbers as a GROUP BY, without another pass."""
    names = set(model.tables)
    for table in faceted_tables(model):
        if counts_table(table.name) in names:
            raise ModelError(f"{table.schema_path}: a table named {counts_table(table.name)} would clash with its facet counts")
        if {SET_COLUMN, ROWS_COLUMN} & set(table.facet_fields):
            raise ModelError(f"{table.schema_path}: facet fields cannot be named {SET_COLUMN} or {ROWS_COLUMN}")
    db = sqlite3.connect(db_path)
    try:
        staging_pragmas(db)
        with db:
            for table in faceted_tables(model):
                _write_cube(db, table, (counted or {}).get(table.name))
            db.execute("ANALYZE")
    finally:
        db.close()


def _write_cube(db: sqlite3.Connection, table: Table, counted: list[tuple] | None = None) -> None:
    fields = table.facet_fields
    name = counts_table(table.name)
    create, index = _ddl(table)
    db.execute(create)
    # The finest grouping once from the table (one pass over its rows), every coarser one from it.
    full = "_facet_full"
    cols = ", ".join(q(c) for c in fields)
    if counted is None:
        db.execute(f"CREATE TEMP TABLE {full} AS SELECT {cols}, COUNT(*) AS n FROM {q(table.name)} GROUP BY {cols}")
    else:
        db.execute(f"CREATE TEMP TABLE {full} ({cols}, n)")
        db.executemany(f"INSERT INTO {full} VALUES ({', '.join('?' for _ in fields)}, ?)", counted)
    for m in range(1 << len(fields)):
        grouped = [c for i, c in enumerate(fields) if m >> i & 1]
        select = ", ".join(q(c) if c in grouped else "NULL" for c in fields)
        order = ", ".join(map(q, grouped))
        # The empty set has no GROUP BY: one row, the table's row count (0 for an empty table).
        group = f" GROUP BY {order} ORDER BY {order}" if grouped else ""
        db.execute(f"INSERT INTO {q(name)} SELECT {m}, {select}, COALESCE(SUM(n), 0) FROM {full}{group}")
    db.execute(f"DROP TABLE {full}")
    db.execute(index)


# --- answering a page from the counts (used by the portal plugin) ---

def lookup_sql(table: str, facet_fields: list[str], filters: dict[str, str], facet: str | None, limit: int | None):
    """SQL and params reading the count (facet None) or one facet's (value, count) rows for a page whose
    filters are `column = :param` on facet fields (filters maps column -> param name)."""
    grouped = set(filters) | ({facet} if facet else set())
    where = [f"{q(SET_COLUMN)} = {mask(facet_fields, grouped)}"]
    for c in facet_fields:  # every field constrained: the whole index prefix is used
        if c in filters:
            where.append(f"{q(c)} = :{filters[c]}")
        elif c != facet:
            where.append(f"{q(c)} IS NULL")
    if facet is None:
        return f"SELECT {q(ROWS_COLUMN)} FROM {q(counts_table(table))} WHERE {' AND '.join(where)}"
    where.append(f"{q(facet)} IS NOT NULL")
    return (f"SELECT {q(facet)} AS value, {q(ROWS_COLUMN)} AS count FROM {q(counts_table(table))} "
            f"WHERE {' AND '.join(where)} ORDER BY count DESC, value LIMIT {int(limit)}")


# The row count Datasette's table view asks for: `select count(*) from <table> where "c" = :p0 and ... `
# (datasette/views/table.py, 0.65.5; equality filters are `"c" = :pN`, datasette/filters.py).
_COUNT_SQL = re.compile(r"select count\(\*\) from (?P<table>\S+) (?:where (?P<where>.+) )?", re.S)
_EXACT = re.compile(r'"(?P<column>[A-Za-z_][A-Za-z0-9_]*)" = :(?P<param>p[0-9]+)')


def _unescape(name: str) -> str:
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name


def parse_count_sql(sql: str, params) -> tuple[str, dict[str, str]] | None:
    """(table, {column: param}) when `sql` is the table view's count with only equality filters."""
    match = _COUNT_SQL.fullmatch(sql)
    if not match:
        return None
    filters: dict[str, str] = {}
    for clause in (match["where"].split(" and ") if match["where"] else []):
        exact = _EXACT.fullmatch(clause)
        if not exact or exact["column"] in filters or exact["param"] not in (params or {}):
            return None
        filters[exact["column"]] = exact["param"]
    return _unescape(match["table"]), filters


def count_sql(table: str, facet_fields: list[str], filters: dict[str, str]) -> str | None:
    """The lookup answering a count whose filters are all facet fields (0 when no row matches)."""
    if not set(filters) <= set(facet_fields):
        return None
    return f"SELECT COALESCE(({lookup_sql(table, facet_fields, filters, None, None)}), 0)"


def fields_of_counts(columns: list[str]) -> list[str] | None:
    """The facet fields of a counts table, in mask order, from its columns (None if it is not one)."""
    if len(columns) < 2 or columns[0] != SET_COLUMN or columns[-1] != ROWS_COLUMN:
        return None
    return columns[1:-1]
