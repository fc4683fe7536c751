"""Spreadsheet-oriented downloads (CSV for Excel, XLSX) and the release archive.

The machine CSV of the release and Datasette's plain `.csv` stay exact; only these
downloads, meant to be opened in a spreadsheet, neutralise formula injection.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.release.spreadsheets import BOM, excel_csv, neutralise  # noqa: F401 (the portal's downloads use them)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Fixed timestamp inside the archive: the same release gives the same zip bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def plain_table(columns: list[str], rows: list, expanded: list[str] | None = None) -> tuple[list[str], list[list]]:
    """Cells a spreadsheet can hold. With `_labels=on` Datasette gives a linked cell as
    {"value": code, "label": name}: as its CSV does, the code stays in its column and the name goes
    into `<column>_label` beside it (empty when the linked row has none)."""
    expanded = (set(expanded or []) | {c for i, c in enumerate(columns) if any(isinstance(r[i], dict) for r in rows)}) & set(columns)
    header = [h for c in columns for h in ((c, f"{c}_label") if c in expanded else (c,))]

    def cells(column, value):
        if column not in expanded:
            return (_plain(value),)
        if isinstance(value, dict):
            return _plain(value.get("value")), _plain(value.get("label"))
        return _plain(value), None

    return header, [[v for c, value in zip(columns, row) for v in cells(c, value)] for row in rows]


def _plain(value):
    """A value as one cell: text, a number or empty; a blob as hexadecimal, never a Python repr."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def xlsx(columns: list[str], rows: list[list]) -> bytes:
    """One sheet; text cells are written as text (never formulas), numbers as numbers."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")

    def cell(value):
        if isinstance(value, str):
            c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            c.data_type = "s"  # openpyxl would otherwise take "=..." as a formula
            return c
        return WriteOnlyCell(ws, value=value)

    ws.append([cell(c) for c in columns])
    for row in rows:
        ws.append([cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def release_zip(release: Path) -> bytes:
    """Every file of a release, in path order, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in release.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"remacto-{release.name}/{path.relative_to(release).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()
