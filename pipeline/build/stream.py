"""Streaming for the tables built in line (below the workers' threshold, build/native.py writes the
others): rows go from the validated CSV (read by DuckDB) to SQLite, and from SQLite to the CSV and
JSON exports, in batches, never a whole table in Python memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.build import ddl
from pipeline.build.native import typed_expressions
from pipeline.check import fast
from pipeline.check.fast import BATCH, text_source
from pipeline.model import Table
from pipeline.model.types import quote_name as q
from pipeline.read.text import normalise_rows


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
        self.template = " {\n" + ",\n".join(f"  {json.dumps(c, ensure_ascii=False).replace('%', '%%')}: %s" for c in columns) + "\n }"
        self.width = len(columns)
        self.first = True

    def write(self, batch: list[tuple]) -> None:
        if not batch:
            return
        self.writer.writerows(batch)
        values = self.encode([list(r) for r in batch])[1:-1].split("\x00")
        parts = []
        for i in range(0, len(values), self.width):
            row = values[i : i + self.width]
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
    exprs, flag = typed_expressions(table)
    source = text_source(path, table)
    width = len(table.fields)
    con = fast.connect()
    try:
        # One pass: each row comes typed by DuckDB, and, for the few it does not type, as text too.
        raw = ", ".join(f"CASE WHEN special THEN {q(f.name)} END" for f in table.fields)
        cursor = con.execute(f"SELECT special, {', '.join(exprs)}, {raw} FROM (SELECT ({flag}) AS special, * FROM {source})")
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                if row[0]:
                    cells = ["" if c is None else c for c in row[1 + width :]]
                    yield tuple(ddl.typed_value(v, t) for v, t in zip(normalise_rows([cells], types)[0], types))
                else:
                    yield row[1 : 1 + width]
    finally:
        con.close()
