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
        first = True
        for row in rows:
            writer.writerow(row)
            item = json.dumps(dict(zip(columns, row)), ensure_ascii=False, indent=1)
            j.write(("[\n" if first else ",\n") + "\n".join(" " + line for line in item.split("\n")))
            first = False
        j.write("[]\n" if first else "\n]\n")


def batches(cursor) -> Iterator[tuple]:
    while batch := cursor.fetchmany(BATCH):
        yield from batch
