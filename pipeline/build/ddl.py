"""The release database's SQL, generated from the schemas: tables, keys, indexes, full-text search,
and how a validated cell becomes a SQLite value."""

from __future__ import annotations

import sqlite3

from pipeline.model import Model, ModelError, Table
from pipeline.model.layout import FTS_SUFFIX
from pipeline.model.types import SQLITE_TYPES
from pipeline.model.types import quote_literal, quote_name as q


def _column(table: Table, f) -> str:
    if f.type not in SQLITE_TYPES:
        raise ModelError(f"{table.schema_path}: field {f.name} has type {f.type!r}, which the build does not support")
    parts = [q(f.name), SQLITE_TYPES[f.type]]
    if f.required:
        parts.append("NOT NULL")
    if f.codes:
        # Not `IN (...)`: SQLite builds a lookup table for an IN list each time it checks a row,
        # which makes a national table's load three times slower than this chain of equalities.
        parts.append(f"CHECK ({' OR '.join(f'{q(f.name)} = {quote_literal(c)}' for c in f.codes)})")
    return " ".join(parts)


def table_ddl(table: Table) -> list[str]:
    """CREATE statements for one table: columns, keys, indexes, full-text search."""
    body = [_column(table, f) for f in table.fields]
    if table.primary_key:
        body.append(f"PRIMARY KEY ({', '.join(map(q, table.primary_key))})")
    for fk in table.foreign_keys:
        body.append(
            f"FOREIGN KEY ({', '.join(map(q, fk.fields))}) REFERENCES {q(fk.table)} ({', '.join(map(q, fk.ref_fields))})"
            # Deferred: a row may refer to one later in the same file (territories' parents).
            " DEFERRABLE INITIALLY DEFERRED"
        )
    statements = [f"CREATE TABLE {q(table.name)} (\n  " + ",\n  ".join(body) + "\n)"]
    indexed = []
    for cols in [fk.fields for fk in table.foreign_keys] + [(f,) for f in table.facet_fields]:
        if cols not in indexed and tuple(cols) != table.primary_key[: len(cols)]:
            indexed.append(cols)
            # The primary key after the column: a filtered page, listed in key order as Datasette
            # lists it, reads the index in order instead of sorting every matching row.
            keyed = list(cols) + [c for c in table.primary_key if c not in cols]
            statements.append(f"CREATE INDEX {q(table.name + '_' + '_'.join(cols))} ON {q(table.name)} ({', '.join(map(q, keyed))})")
    if table.search_fields:
        cols = ", ".join(map(q, table.search_fields))
        statements.append(f"CREATE VIRTUAL TABLE {q(table.name + FTS_SUFFIX)} USING fts5 ({cols}, tokenize = 'trigram')")
    return statements


def schema_sql(model: Model) -> str:
    return ";\n\n".join(s for t in model.tables.values() for s in table_ddl(t)) + ";\n"


def typed_value(value: str, type_: str):
    """A normalised cell as the SQLite value the release holds."""
    if value == "":
        return None
    if type_ in ("integer", "year"):
        return int(value)
    if type_ == "number":
        return float(value)
    if type_ == "time":
        return value.zfill(5)  # 9:30 -> 09:30, as the schema's %H:%M reads it
    return value


def staging_pragmas(db: sqlite3.Connection) -> None:
    """A new file in a staging folder: a crash loses only the staging folder, so no journal."""
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -65536")


def insert_sql(table: Table) -> str:
    return f"INSERT INTO {q(table.name)} VALUES ({', '.join('?' for _ in table.fields)})"
