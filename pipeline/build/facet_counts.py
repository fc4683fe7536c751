"""Precomputed facet counts: what a table page shows about its rows, counted once at publish time.

For each table with `facet: true` fields (schemas/), a hidden table `<table>_facet_counts` holds the
number of rows of every combination of values of those fields, for every subset of them (a "cube" of
grouping sets): row `_set` = the bit mask of the fields grouped (bit i = the i-th facet field, in
schema order); the fields outside the set are NULL; `_rows` is the count. With it, the portal answers
(portal/facet_lookup.py) the row count and every facet of a page whose only filters are equalities on facet fields (one lookup
in a covering index instead of a GROUP BY over the table); any other page is counted live.

`ANALYZE` is run too, so SQLite picks the most selective index for a page with two filters (without
statistics it took the last index it saw: `channel`, half the table, instead of `cycle_id`).

Everything here is derived from the rows, in a fixed order: the same release gives the same bytes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.build.ddl import staging_pragmas
from pipeline.model import Model, ModelError, Table
from pipeline.model.layout import ROWS_COLUMN, SET_COLUMN, counts_table
from pipeline.model.types import SQLITE_TYPES
from pipeline.model.types import quote_name as q


def faceted_tables(model: Model) -> list[Table]:
    return [t for t in model.tables.values() if t.facet_fields]


def hidden_tables(model: Model) -> list[str]:
    """The tables this module adds to the release's database (hidden from the portal's lists)."""
    return [counts_table(t.name) for t in faceted_tables(model)]


def _ddl(table: Table) -> list[str]:
    fields = table.facet_fields
    cols = [f"{q(SET_COLUMN)} INTEGER NOT NULL"]
    cols += [f"{q(c)} {SQLITE_TYPES[table.field(c).type]}" for c in fields]
    cols.append(f"{q(ROWS_COLUMN)} INTEGER NOT NULL")
    name = counts_table(table.name)
    return [
        f"CREATE TABLE {q(name)} (\n  " + ",\n  ".join(cols) + "\n)",
        # Covering: a page's lookup reads the index only.
        f"CREATE INDEX {q(name + '_lookup')} ON {q(name)} ({', '.join(q(c) for c in [SET_COLUMN, *fields, ROWS_COLUMN])})",
    ]


def write_facet_counts(
    model: Model, db_path: Path, counted: dict[str, list[tuple]] | None = None, stats: dict[str, list[tuple]] | None = None
) -> None:
    """Add the facet-count tables to a freshly built release database, then ANALYZE it. `counted`
    gives, for some tables, the rows counted by every combination of facet values as the build
    loaded them (native.export_part): the same numbers as a GROUP BY, without another pass.
    `stats` gives, for some tables, their sqlite_stat1 rows (counted in their part file): those
    are not analysed again, every other table is, one at a time."""
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
            _analyze(db, stats)
    finally:
        db.close()


def _analyze(db: sqlite3.Connection, stats: dict[str, list[tuple]] | None) -> None:
    if stats is None:
        db.execute("ANALYZE")
        return
    tables = [n for (n,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for name in tables:
        if name not in stats:
            db.execute(f"ANALYZE {q(name)}")
    db.execute("ANALYZE sqlite_schema")  # makes sqlite_stat1 if no table did
    # Every row in one order, whichever tables were analysed here: a table built in line or in a
    # worker gives the same file.
    rows = db.execute("SELECT tbl, idx, stat FROM sqlite_stat1").fetchall() + [r for n in stats for r in stats[n]]
    db.execute("DELETE FROM sqlite_stat1")
    db.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", sorted(rows, key=lambda r: (r[0], r[1] or "", r[2])))


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
