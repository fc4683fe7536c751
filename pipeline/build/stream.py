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

from pipeline.check import fast as fastcheck
from pipeline.check.fast import lit, q
from pipeline.read import text as normalise
from pipeline.model import Table
from pipeline.timing import stage

BATCH = 50_000
# Every character clean_text changes: glyph forms, tatweel, Farsi yeh/kaf, invisible marks, white
# space other than a single inner space, and Arabic-Indic digits (normalised in typed cells). A row
# without any goes out as read; a row with one goes through normalise.normalise_rows itself.
_NEEDS_CLEANING = ("[\\x{0640}\\x{06cc}\\x{06a9}\\x{061c}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}"
                   "\\x{feff}\\x{fb50}-\\x{fdff}\\x{fe70}-\\x{fefe}\\x{0660}-\\x{0669}\\x{06f0}-\\x{06f9}"
                   "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
                   "\\x{202f}\\x{205f}\\x{3000}]|  |^ | $")


def _text_source(path: Path, table: Table) -> str:
    """A validated CSV as DuckDB reads it for the build: every column as text, strictly, in file order."""
    columns = "{" + ", ".join(f"{lit(f.name)}: 'VARCHAR'" for f in table.fields) + "}"
    return (f"read_csv({lit(str(path))}, header = true, auto_detect = false, columns = {columns}, delim = ',', "
            f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, {fastcheck.line_limits(table)})")


def normalised_rows(path: Path, table: Table) -> Iterator[list[str]]:
    """The rows of a validated CSV, in file order, as normalise.normalise_rows gives them."""
    types = [f.type for f in table.fields]
    flag = " OR ".join(f"regexp_matches(coalesce({q(f.name)}, ''), {lit(_NEEDS_CLEANING)})" for f in table.fields)
    con = fastcheck.connect()
    try:
        cursor = con.execute(f"SELECT ({flag}) AS needs_cleaning, * FROM {_text_source(path, table)}")
        while batch := cursor.fetchmany(BATCH):
            for needs_cleaning, *cells in batch:
                cells = ["" if c is None else c for c in cells]
                yield normalise.normalise_rows([cells], types)[0] if needs_cleaning else cells
    finally:
        con.close()


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
    for batch in _chunks(rows):
        out.write(batch)
    out.close()


def _chunks(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
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


_INTEGER = "-?[0-9]{1,18}"
_NUMBER = "-?[0-9]{1,15}(\\.[0-9]{1,15})?"


def sqlite_rows(path: Path, table: Table, typed) -> Iterator[tuple]:
    """The rows of a validated CSV as SQLite values, in file order. DuckDB types the canonical
    cells (`-?[0-9]+` as an integer, ...); a row with anything else (a spelling such as `+5`, text
    to clean) is typed by `typed` from its normalised cells, as the in-memory path does."""
    types = [f.type for f in table.fields]
    exprs, odd = [], []
    for f in table.fields:
        c = q(f.name)
        present = f"({c} IS NOT NULL AND {c} <> '')"
        if f.type in ("integer", "year"):
            exprs.append(f"CASE WHEN regexp_full_match({c}, {lit(_INTEGER)}) THEN TRY_CAST({c} AS BIGINT) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {lit(_INTEGER)}))")
        elif f.type == "number":
            exprs.append(f"CASE WHEN regexp_full_match({c}, {lit(_NUMBER)}) THEN TRY_CAST({c} AS DOUBLE) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {lit(_NUMBER)}))")
        else:
            exprs.append(f"CASE WHEN {present} THEN {c} END")
            if f.type == "time":  # build pads H:MM to HH:MM
                odd.append(f"({present} AND length({c}) < 5)")
        odd.append(f"regexp_matches(coalesce({c}, ''), {lit(_NEEDS_CLEANING)})")
    source = _text_source(path, table)
    flag = " OR ".join(odd)
    width = len(table.fields)
    con = fastcheck.connect()
    try:
        # One pass: each row comes typed by DuckDB, and, for the few it does not type, as text too.
        raw = ", ".join(f"CASE WHEN special THEN {q(f.name)} END" for f in table.fields)
        cursor = con.execute(f"SELECT special, {', '.join(exprs)}, {raw} FROM (SELECT ({flag}) AS special, * FROM {source})")
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                if row[0]:
                    cells = ["" if c is None else c for c in row[1 + width:]]
                    yield tuple(typed(v, t) for v, t in zip(normalise.normalise_rows([cells], types)[0], types))
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


def build_part(table: Table, csv_path: Path, part_path: Path) -> None:
    """A national table on its own, in a worker process: its rows from the validated CSV into a
    SQLite file of its own (table and indexes, rowids in file order), for the main database to
    take in whole."""
    from pipeline import build
    statements = [s for s in build.table_ddl(table) if "USING fts5" not in s]  # full text is built in the main file
    indexes = [s for s in statements if s.startswith("CREATE INDEX")]
    db = sqlite3.connect(part_path)
    try:
        build.staging_pragmas(db)
        for statement in statements:
            if statement not in indexes:
                db.execute(statement)
        insert = build.insert_sql(table)
        with stage(f"worker: load {table.name}"):
            for batch in _chunks(sqlite_rows(csv_path, table, build._typed)):
                db.executemany(insert, batch)
        with stage(f"worker: index {table.name}"):
            for statement in indexes:
                db.execute(statement)
            db.commit()
    finally:
        db.close()


def export_part(table: Table, csv_path: Path, export_dirs: tuple[Path, Path, Path]) -> tuple[bool, list[tuple]]:
    """A national table's exports, in a worker process of its own beside the one that loads it:
    the same rows (from the validated CSV, as SQLite values) go to its CSV and JSON, then its
    Parquet, when the file comes in primary-key order (most exports do; else the exports are left
    to be read back from the database, and this says False). Returns (exported, the rows counted
    by every combination of the table's facet fields, [(values..., count)]: facets.py builds the
    portal's counts from them)."""
    from pipeline import build
    csv_dir, json_dir, parquet_dir = export_dirs
    writer = ExportWriter(table.field_names, csv_dir / f"{table.name}.csv", json_dir / f"{table.name}.json")
    order = KeyOrder([table.field_names.index(c) for c in table.primary_key])
    facet_at = [table.field_names.index(c) for c in table.facet_fields]
    counted: Counter = Counter()
    with stage(f"worker: export {table.name}"):
        for batch in _chunks(sqlite_rows(csv_path, table, build._typed)):
            if facet_at:
                counted.update(map(operator.itemgetter(*facet_at), batch))
            if order.check(batch):
                writer.write(batch)
        writer.close()
    if order.sorted:
        with stage(f"worker: parquet {table.name}"):
            build.build_parquet([table], csv_dir, parquet_dir)
    else:  # not in key order: the exports are read back from the database instead
        for path in (csv_dir / f"{table.name}.csv", json_dir / f"{table.name}.json"):
            path.unlink()
    one = len(facet_at) == 1  # itemgetter of one index gives the value, not a 1-tuple
    return order.sorted, [((key,) if one else key) + (n,) for key, n in counted.items()]
