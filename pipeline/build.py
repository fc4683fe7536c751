"""Build stage: SQLite (served; DDL, indexes and full-text search generated from the schemas),
CSV and JSON exports read back from it, and Parquet (via DuckDB) for analysis."""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import duckdb

from . import bigbuild
from .fastcheck import LargeCsv
from .model import Model, ModelError, Table
from .normalise import search_key

SQLITE_TYPES = {"string": "TEXT", "integer": "INTEGER", "year": "INTEGER", "number": "REAL",
                "date": "TEXT", "time": "TEXT", "datetime": "TEXT"}
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "year": "INTEGER", "number": "DOUBLE",
                "date": "DATE", "time": "TIME", "datetime": "TIMESTAMP"}
FTS_SUFFIX = "_fts"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _column(table: Table, f) -> str:
    if f.type not in SQLITE_TYPES:
        raise ModelError(f"{table.schema_path}: field {f.name} has type {f.type!r}, which the build does not support")
    parts = [q(f.name), SQLITE_TYPES[f.type]]
    if f.required:
        parts.append("NOT NULL")
    if f.codes:
        parts.append(f"CHECK ({q(f.name)} IN ({', '.join(_literal(c) for c in f.codes)}))")
    return " ".join(parts)


def table_ddl(table: Table) -> list[str]:
    """CREATE statements for one table: columns, keys, indexes, full-text search."""
    body = [_column(table, f) for f in table.fields]
    if table.primary_key:
        body.append(f"PRIMARY KEY ({', '.join(map(q, table.primary_key))})")
    for fk in table.foreign_keys:
        body.append(f"FOREIGN KEY ({', '.join(map(q, fk.fields))}) REFERENCES {q(fk.table)} ({', '.join(map(q, fk.ref_fields))})"
            # Deferred: a row may refer to one later in the same file (territories' parents).
            " DEFERRABLE INITIALLY DEFERRED")
    statements = [f"CREATE TABLE {q(table.name)} (\n  " + ",\n  ".join(body) + "\n)"]
    indexed = []
    for cols in [fk.fields for fk in table.foreign_keys] + [(f,) for f in table.facet_fields]:
        if cols not in indexed and tuple(cols) != table.primary_key[: len(cols)]:
            indexed.append(cols)
            statements.append(
                f"CREATE INDEX {q(table.name + '_' + '_'.join(cols))} ON {q(table.name)} ({', '.join(map(q, cols))})"
            )
    if table.search_fields:
        cols = ", ".join(map(q, table.search_fields))
        statements.append(
            f"CREATE VIRTUAL TABLE {q(table.name + FTS_SUFFIX)} USING fts5 ({cols}, tokenize = 'trigram')"
        )
    return statements


def schema_sql(model: Model) -> str:
    return ";\n\n".join(s for t in model.tables.values() for s in table_ddl(t)) + ";\n"


def _typed(value: str, type_: str):
    if value == "":
        return None
    if type_ in ("integer", "year"):
        return int(value)
    if type_ == "number":
        return float(value)
    if type_ == "time":
        return value.zfill(5)  # 9:30 -> 09:30, as the schema's %H:%M reads it
    return value


@contextlib.contextmanager
def sqlite_connection(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.create_function("search_key", 1, search_key, deterministic=True)
    try:
        yield db
    finally:
        db.close()


def load_sqlite(db: sqlite3.Connection, model: Model, tables: dict[str, list[list[str]]]) -> None:
    """Create every table and insert the normalised rows, in the order raw/ gives them."""
    with db:
        for table in model.tables.values():
            statements = table_ddl(table)
            # Indexes are built after the rows are in: one sort instead of a b-tree insert per row.
            indexes = [s for s in statements if s.startswith("CREATE INDEX")]
            for statement in statements:
                if statement not in indexes:
                    db.execute(statement)
            types = [f.type for f in table.fields]
            rows = tables.get(table.name, [])
            if isinstance(rows, LargeCsv):  # validated on disk by the fast path: streamed, never held whole
                values = bigbuild.sqlite_rows(rows.path, table, _typed)
            else:
                values = ([_typed(v, t) for v, t in zip(row, types)] for row in rows)
            db.executemany(f"INSERT INTO {q(table.name)} VALUES ({', '.join('?' for _ in types)})", values)
            if table.search_fields:
                cols = ", ".join(map(q, table.search_fields))
                keys = ", ".join(f"search_key({q(c)})" for c in table.search_fields)
                db.execute(
                    f"INSERT INTO {q(table.name + FTS_SUFFIX)} (rowid, {cols}) SELECT rowid, {keys} FROM {q(table.name)}"
                )
            for statement in indexes:
                db.execute(statement)


def build_sqlite(model: Model, tables: dict[str, list[list[str]]], path: Path) -> None:
    with sqlite_connection(path) as db:
        # A new file in a staging folder: a crash loses only the staging folder, so no journal.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -65536")
        # Validation has checked every reference (frictionless or the fast path); checking each again
        # per inserted row costs a quarter of a national table's load. The keys stay declared.
        db.execute("PRAGMA foreign_keys = OFF")
        load_sqlite(db, model, tables)
        for table in model.tables.values():
            if table.search_fields:
                db.execute(f"INSERT INTO {q(table.name + FTS_SUFFIX)}({q(table.name + FTS_SUFFIX)}) VALUES ('optimize')")
        db.commit()
        db.execute("VACUUM")


def export_tables(model: Model, db_path: Path, csv_dir: Path, json_dir: Path) -> None:
    """CSV and JSON of each table, read back from SQLite with Python's csv module (CRLF),
    as Datasette writes its CSV."""
    csv_dir.mkdir(parents=True, exist_ok=True)
    json_dir.mkdir(parents=True, exist_ok=True)
    with sqlite_connection(db_path) as db:
        for table in model.tables.values():
            # Primary-key order, as Datasette lists a table: the CSV equals the portal's download.
            order = ", ".join(map(q, table.primary_key)) or "rowid"
            cursor = db.execute(f"SELECT * FROM {q(table.name)} ORDER BY {order}")
            columns = [c[0] for c in cursor.description]
            # Row by row: a national table does not fit in memory as one list.
            bigbuild.write_csv_and_json(columns, bigbuild.batches(cursor), csv_dir / f"{table.name}.csv",
                                        json_dir / f"{table.name}.json")


def build_parquet(model: Model, csv_dir: Path, parquet_dir: Path) -> None:
    """Typed Parquet per table, from the published CSV (DuckDB cannot attach SQLite offline)."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads = 1")  # one writer thread: the same bytes on every run
    try:
        for table in model.tables.values():
            columns = "{" + ", ".join(f"{_literal(f.name)}: {_literal(DUCKDB_TYPES[f.type])}" for f in table.fields) + "}"
            source = _literal(str(csv_dir / f"{table.name}.csv"))
            target = _literal(str(parquet_dir / f"{table.name}.parquet"))
            con.execute(
                f"COPY (SELECT * FROM read_csv({source}, header = true, auto_detect = false, columns = {columns}, "
                f"quote = '\"', escape = '\"', nullstr = '', dateformat = '%Y-%m-%d')) "
                f"TO {target} (FORMAT parquet, COMPRESSION zstd)"
            )
    finally:
        con.close()
