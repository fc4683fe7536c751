"""Strict reading of raw/*.csv: UTF-8 (a BOM is accepted), well-formed CSV, nothing guessed."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pipeline.model.problems import problem
from pipeline.model.report import Problem

# No fact in these tables needs more; a longer cell is a paste gone wrong or an attack.
MAX_CELL_CHARS = 10_000
# Python's csv refuses fields over 128 KiB with a message that names no column; read them
# whole and report them with their column instead.
csv.field_size_limit(1 << 30)


@dataclass
class RawTable:
    name: str
    file: str  # as shown to the maintainer, e.g. raw/events.csv
    header: list[str]
    rows: list[list[str]]


def read_csv(path: Path, shown_as: str) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV file as text cells; on failure return the problems instead."""

    def fail(code: str, row: int | None = None, variant: str = "", **values) -> tuple[None, list[Problem]]:
        return None, [problem(code, shown_as, row, None, variant, **values)]

    if not path.exists():
        return fail("missing-file", table=path.stem)
    data = path.read_bytes()
    if not data.strip():
        return fail("empty-file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return fail("encoding-error", variant="utf16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return fail("encoding-error", line, "not-utf8", byte=data[exc.start], line=line)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return fail("encoding-error", line, "nul")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        return fail("source-error", reader.line_num, reason=exc)
    header, rows = records[0], records[1:]
    too_long = [
        problem("cell-too-long", shown_as, number, header[i] if i < len(header) else None, length=len(cell), limit=MAX_CELL_CHARS)
        for number, row in enumerate(records, start=1)
        for i, cell in enumerate(row)
        if len(cell) > MAX_CELL_CHARS
    ]
    if too_long:
        return None, too_long
    return RawTable(path.stem, shown_as, header, rows), []
