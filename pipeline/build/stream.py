"""Streaming for large tables: rows go from the validated CSV (read by DuckDB) to SQLite, and from
SQLite to the CSV and JSON exports, in batches, never a whole table in Python memory."""
from __future__ import annotations

import csv
import json
import operator
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.build import ddl
from pipeline.build.parquet import build_parquet
from pipeline.check import fast
from pipeline.check.fast import BATCH, text_source
from pipeline.model import Table
from pipeline.model.types import CANONICAL_DOUBLE, CANONICAL_INTEGER
from pipeline.model.types import quote_literal as lit, quote_name as q
from pipeline.read.text import NEEDS_CLEANING_RE2, normalise_rows
from pipeline import progress
from pipeline.timing import stage


class ExportWriter:
    """CSV (Python's csv module, CRLF, as Datasette writes it) and a JSON array of objects, the same
    bytes as json.dumps(list, ensure_ascii=False, indent=1), written batch by batch."""

    def __init__(self, columns: list[str], csv_path: Path, json_path: Path):
        self.csv, self.json = csv_path.open("w", newline="", encoding="utf-8"), json_path.open("w", encoding="utf-8")
        self.writer = csv.writer(self.csv)
        self.writer.writerow(columns)
        # A batch of rows is encoded by json's C encoder in one call, with a separator no encoded
        # value can hold (a NUL inside a string is written \u0000); each row's values are then laid
        # out as indent=1 lays out an object inside a list.
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=("\x00", ": ")).encode
        self.template = " {\n" + ",\n".join(f'  {json.dumps(c, ensure_ascii=False).replace("%", "%%")}: %s' for c in columns) + "\n }"
        self.width = len(columns)
        self.first = True

    def write(self, batch: list[tuple]) -> None:
        if not batch:
            return
        self.writer.writerows(batch)
        values = self.encode([list(r) for r in batch])[1:-1].split("\x00")
        parts = []
        for i in range(0, len(values), self.width):
            row = values[i:i + self.width]
            row[0] = row[0][1:]  # the row's own [ and ]
            row[-1] = row[-1][:-1]
            parts.append(self.template % tuple(row))
        self.json.write(("[\n" if self.first else ",\n") + ",\n".join(parts))
        self.first = False

    def close(self) -> None:
        self.json.write("[]\n" if self.first else "\n]\n")
        self.csv.close()
        self.json.close()


def write_csv_and_json(columns: list[str], rows: Iterable[tuple], csv_path: Path, json_path: Path) -> None:
    """Both exports of a table from its rows in primary-key order, never all in memory."""
    out = ExportWriter(columns, csv_path, json_path)
    for batch in chunks(rows):
        out.write(batch)
    out.close()


def chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def batches(cursor) -> Iterator[tuple]:
    while batch := cursor.fetchmany(BATCH):
        yield from batch


def sqlite_rows(path: Path, table: Table) -> Iterator[tuple]:
    """The rows of a validated CSV as SQLite values, in file order. DuckDB types the canonical
    cells (`-?[0-9]+` as an integer, ...); a row with anything else (a spelling such as `+5`, text
    to clean) is typed by ddl.typed_value from its normalised cells, as the in-memory path does."""
    types = [f.type for f in table.fields]
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
            if f.type == "time":  # build pads H:MM to HH:MM
                odd.append(f"({present} AND length({c}) < 5)")
        odd.append(f"regexp_matches(coalesce({c}, ''), {lit(NEEDS_CLEANING_RE2)})")
    source = text_source(path, table)
    flag = " OR ".join(odd)
    width = len(table.fields)
    con = fast.connect()
    try:
        # One pass: each row comes typed by DuckDB, and, for the few it does not type, as text too.
        raw = ", ".join(f"CASE WHEN special THEN {q(f.name)} END" for f in table.fields)
        cursor = con.execute(f"SELECT special, {', '.join(exprs)}, {raw} FROM (SELECT ({flag}) AS special, * FROM {source})")
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                if row[0]:
                    cells = ["" if c is None else c for c in row[1 + width:]]
                    yield tuple(ddl.typed_value(v, t) for v, t in zip(normalise_rows([cells], types)[0], types))
                else:
                    yield row[1:1 + width]
    finally:
        con.close()


class KeyOrder:
    """Whether rows come in ascending primary-key order, as SQLite's ORDER BY sorts them (numbers
    by value, text by code point, which is UTF-8 byte order), checked a batch at a time."""

    def __init__(self, key_columns: list[int]):
        self.columns, self.last, self.sorted = key_columns, None, bool(key_columns)

    def check(self, batch: list[tuple]) -> bool:
        if self.sorted and batch:
            cols = self.columns
            keys = [r[cols[0]] for r in batch] if len(cols) == 1 else [tuple(r[i] for i in cols) for r in batch]
            if self.last is not None:
                keys.insert(0, self.last)
            self.sorted = all(map(operator.lt, keys, keys[1:]))
            self.last = keys[-1]
        return self.sorted


def build_part(table: Table, csv_path: Path, part_path: Path, total: int | None = None) -> None:
    """A national table on its own, in a worker process: its rows from the validated CSV into a
    SQLite file of its own (table and indexes, rowids in file order), for the main database to
    take in whole."""
    statements = [s for s in ddl.table_ddl(table) if "USING fts5" not in s]  # full text is built in the main file
    indexes = [s for s in statements if s.startswith("CREATE INDEX")]
    db = sqlite3.connect(part_path)
    try:
        ddl.staging_pragmas(db)
        for statement in statements:
            if statement not in indexes:
                db.execute(statement)
        insert = ddl.insert_sql(table)
        with stage(f"worker: load {table.name}"):
            for batch in progress.batches(f"loading {table.name} into SQLite (worker)", total,
                                          chunks(sqlite_rows(csv_path, table))):
                db.executemany(insert, batch)
        with stage(f"worker: index {table.name}"):
            for statement in indexes:
                db.execute(statement)
            db.commit()
    finally:
        db.close()


def export_part(table: Table, csv_path: Path, export_dirs: tuple[Path, Path, Path],
                total: int | None = None) -> tuple[bool, list[tuple]]:
    """A national table's exports, in a worker process of its own beside the one that loads it:
    the same rows (from the validated CSV, as SQLite values) go to its CSV and JSON, then its
    Parquet, when the file comes in primary-key order (most exports do; else the exports are left
    to be read back from the database, and this says False). Returns (exported, the rows counted
    by every combination of the table's facet fields, [(values..., count)]: facets.py builds the
    portal's counts from them)."""
    csv_dir, json_dir, parquet_dir = export_dirs
    writer = ExportWriter(table.field_names, csv_dir / f"{table.name}.csv", json_dir / f"{table.name}.json")
    order = KeyOrder([table.field_names.index(c) for c in table.primary_key])
    facet_at = [table.field_names.index(c) for c in table.facet_fields]
    counted: Counter = Counter()
    with stage(f"worker: export {table.name}"):
        for batch in progress.batches(f"exporting {table.name} to CSV and JSON (worker)", total,
                                      chunks(sqlite_rows(csv_path, table))):
            if facet_at:
                counted.update(map(operator.itemgetter(*facet_at), batch))
            if order.check(batch):
                writer.write(batch)
        writer.close()
    if order.sorted:
        with stage(f"worker: parquet {table.name}"):
            build_parquet([table], csv_dir, parquet_dir)
    else:  # not in key order: the exports are read back from the database instead
        for path in (csv_dir / f"{table.name}.csv", json_dir / f"{table.name}.json"):
            path.unlink()
    one = len(facet_at) == 1  # itemgetter of one index gives the value, not a 1-tuple
    return order.sorted, [((key,) if one else key) + (n,) for key, n in counted.items()]
