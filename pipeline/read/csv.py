"""Strict reading of raw/*.csv: UTF-8 (a BOM is accepted), well-formed CSV, nothing guessed."""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

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
    def fail(code: str, message: str, row: int | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(shown_as, row, None, code, message)]

    if not path.exists():
        return fail("missing-file", f"the file is missing; create it with the header row of schemas/{path.stem}.yaml")
    data = path.read_bytes()
    if not data.strip():
        return fail("empty-file", "the file is empty; it needs at least the header row")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return fail("encoding-error", "the file is UTF-16; re-save it as 'CSV UTF-8'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return fail(
            "encoding-error",
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} at line {line}); re-save it as 'CSV UTF-8'",
            row=line,
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return fail("encoding-error", "the file contains a NUL byte; it is binary or damaged", row=line)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        return fail("source-error", f"the CSV cannot be read ({exc}); check quotes around that line", row=reader.line_num)
    header, rows = records[0], records[1:]
    too_long = [
        Problem(shown_as, number, header[i] if i < len(header) else None, "cell-too-long",
                f"the cell holds {len(cell):,} characters; the limit is {MAX_CELL_CHARS:,}")
        for number, row in enumerate(records, start=1)
        for i, cell in enumerate(row)
        if len(cell) > MAX_CELL_CHARS
    ]
    if too_long:
        return None, too_long
    return RawTable(path.stem, shown_as, header, rows), []
