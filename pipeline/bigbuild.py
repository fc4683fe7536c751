"""Streaming for large tables: rows go from the validated CSV (read by DuckDB) to SQLite, and from
SQLite to the CSV and JSON exports, in batches, never a whole table in Python memory."""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb

from . import normalise
from .model import Table

BATCH = 50_000
# Every character clean_text changes: glyph forms, tatweel, Farsi yeh/kaf, invisible marks, white
# space other than a single inner space, and Arabic-Indic digits (normalised in typed cells). A row
# without any goes out as read; a row with one goes through normalise.normalise_rows itself.
_NEEDS_CLEANING = ("[\\x{0640}\\x{06cc}\\x{06a9}\\x{061c}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}"
                   "\\x{feff}\\x{fb50}-\\x{fdff}\\x{fe70}-\\x{fefe}\\x{0660}-\\x{0669}\\x{06f0}-\\x{06f9}"
                   "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
                   "\\x{202f}\\x{205f}\\x{3000}]|  |^ | $")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def normalised_rows(path: Path, table: Table) -> Iterator[list[str]]:
    """The rows of a validated CSV, in file order, as normalise.normalise_rows gives them."""
    types = [f.type for f in table.fields]
    columns = "{" + ", ".join(f"{_lit(f.name)}: 'VARCHAR'" for f in table.fields) + "}"
    flag = " OR ".join(f"regexp_matches(coalesce({_q(f.name)}, ''), {_lit(_NEEDS_CLEANING)})" for f in table.fields)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        cursor = con.execute(
            f"SELECT ({flag}) AS needs_cleaning, * FROM read_csv({_lit(str(path))}, header = true, auto_detect = false, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
            f"max_line_size = 100000000)")
        while batch := cursor.fetchmany(BATCH):
            for needs_cleaning, *cells in batch:
                cells = ["" if c is None else c for c in cells]
                yield normalise.normalise_rows([cells], types)[0] if needs_cleaning else cells
    finally:
        con.close()


def write_csv_and_json(columns: list[str], rows: Iterable[tuple], csv_path: Path, json_path: Path) -> None:
    """CSV (Python's csv module, CRLF, as Datasette writes it) and a JSON array of objects, the same
    bytes as json.dumps(list, ensure_ascii=False, indent=1), written row by row."""
    with csv_path.open("w", newline="", encoding="utf-8") as c, json_path.open("w", encoding="utf-8") as j:
        writer = csv.writer(c)
        writer.writerow(columns)
        # A batch of rows is encoded by json's C encoder in one call, with a separator no encoded
        # value can hold (a NUL inside a string is written \u0000); each row's values are then laid
        # out as indent=1 lays out an object inside a list.
        encode = json.JSONEncoder(ensure_ascii=False, separators=("\x00", ": ")).encode
        template = " {\n" + ",\n".join(f'  {json.dumps(c, ensure_ascii=False).replace("%", "%%")}: %s' for c in columns) + "\n }"
        width = len(columns)
        first = True
        for batch in _chunks(rows):
            writer.writerows(batch)
            values = encode([list(r) for r in batch])[1:-1].split("\x00")
            parts = []
            for i in range(0, len(values), width):
                row = values[i:i + width]
                row[0] = row[0][1:]  # the row's own [ and ]
                row[-1] = row[-1][:-1]
                parts.append(template % tuple(row))
            j.write(("[\n" if first else ",\n") + ",\n".join(parts))
            first = False
        j.write("[]\n" if first else "\n]\n")


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
        c = _q(f.name)
        present = f"({c} IS NOT NULL AND {c} <> '')"
        if f.type in ("integer", "year"):
            exprs.append(f"CASE WHEN regexp_full_match({c}, {_lit(_INTEGER)}) THEN TRY_CAST({c} AS BIGINT) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {_lit(_INTEGER)}))")
        elif f.type == "number":
            exprs.append(f"CASE WHEN regexp_full_match({c}, {_lit(_NUMBER)}) THEN TRY_CAST({c} AS DOUBLE) END")
            odd.append(f"({present} AND NOT regexp_full_match({c}, {_lit(_NUMBER)}))")
        else:
            exprs.append(f"CASE WHEN {present} THEN {c} END")
            if f.type == "time":  # build pads H:MM to HH:MM
                odd.append(f"({present} AND length({c}) < 5)")
        odd.append(f"regexp_matches(coalesce({c}, ''), {_lit(_NEEDS_CLEANING)})")
    columns = "{" + ", ".join(f"{_lit(f.name)}: 'VARCHAR'" for f in table.fields) + "}"
    source = (f"read_csv({_lit(str(path))}, header = true, auto_detect = false, columns = {columns}, delim = ',', "
              f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, max_line_size = 100000000)")
    flag = " OR ".join(odd)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        # The few rows DuckDB does not type are read first, as text, in file order.
        special = iter(con.execute(f"SELECT * FROM {source} WHERE {flag}").fetchall())
        cursor = con.execute(f"SELECT ({flag}) AS special, {', '.join(exprs)} FROM {source}")
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                if row[0]:
                    cells = ["" if c is None else c for c in next(special)]
                    yield tuple(typed(v, t) for v, t in zip(normalise.normalise_rows([cells], types)[0], types))
                else:
                    yield row[1:]
    finally:
        con.close()
