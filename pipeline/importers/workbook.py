"""The workbook route into raw/: `make workbook` writes an Excel workbook generated from schemas/
(one sheet a table, the column names and their titles in Arabic, French and English, drop-down
lists of the allowed codes and of the ids of referenced tables, required columns marked, today's
rows filled in); `python -m pipeline import-workbook FILE` reads it back into raw/, strictly:
every problem with its sheet, row and column, and nothing written unless the whole workbook is
valid (it is validated as raw/ is, in a copy of raw/). Excel keeps Arabic intact in a workbook,
which it does not in a CSV unless it is saved as "CSV UTF-8".

A row the workbook leaves as it was is written back with its bytes from raw/ (its quoting
included), so a round trip of an unchanged workbook gives raw/ byte for byte; a changed or new row
is written as the project writes CSV (Python's csv module, minimal quoting, LF)."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.build.validation import validate
from pipeline.model import Field, Model
from pipeline.model.problems import problem
from pipeline.model.report import Problem, Report
from pipeline.model.texts import LANGS

# Row 1: the column names (what import reads); row 2: their titles, type and whether required.
NAMES_ROW, TITLES_ROW, FIRST_DATA_ROW = 1, 2, 3
# The hidden sheet that holds each coded column's allowed codes, for its drop-down list.
LISTS_SHEET = "_lists"
# Drop-down lists and text formatting reach this many rows below the last one (new rows go there).
ROOM_FOR_NEW_ROWS = 1000
REQUIRED_FILL = PatternFill("solid", fgColor="FFE08A")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED = {"ar": "إلزامي", "fr": "obligatoire", "en": "required"}


class WorkbookError(Exception):
    def __init__(self, report: Report):
        super().__init__(report.to_text())
        self.report = report


def _records(path: Path) -> Iterator[tuple[list[str], str]]:
    """Each record of a CSV with its exact text (its quoting and line ending as in the file)."""
    text = path.read_text(encoding="utf-8")
    lines = iter(text.splitlines(keepends=True))
    taken: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    for record in csv.reader(feed()):
        yield record, "".join(taken)
        taken.clear()


def titles_line(f: Field) -> str:
    """Row 2 of a sheet: the column's title in each language, its type, and whether it is required."""
    title = " · ".join(f.title.get(lang, "") for lang in LANGS)
    required = ", " + " · ".join(REQUIRED[lang] for lang in LANGS) if f.required else ""
    return f"{title} ({f.type}{required})"


def write_workbook(model: Model, raw_dir: Path, out: Path) -> dict[str, int]:
    """Write the workbook of raw/ to `out`; returns the rows written per sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets: dict[str, openpyxl.worksheet.worksheet.Worksheet] = {}
    counts = {}
    rows_of = {name: [r for r, _ in _records(raw_dir / f"{name}.csv")][1:] for name in model.tables}
    for name, table in model.tables.items():
        ws = wb.create_sheet(name)
        sheets[name] = ws
        for col, f in enumerate(table.fields, start=1):
            names, titles = ws.cell(NAMES_ROW, col, f.name), ws.cell(TITLES_ROW, col, titles_line(f))
            names.font = Font(bold=True)
            for c in (names, titles):
                c.fill = REQUIRED_FILL if f.required else HEADER_FILL
                c.number_format = "@"
            titles.alignment = Alignment(wrap_text=True, vertical="top")
            names.comment = Comment("\n".join(f.description.get(lang, "") for lang in LANGS), "schemas/")
            ws.column_dimensions[get_column_letter(col)].width = 24
        for r, record in enumerate(rows_of[name], start=FIRST_DATA_ROW):
            for col, value in enumerate(record, start=1):
                # Every value is text, as raw/ holds it: a number or a date stays as it is written.
                cell = ws.cell(r, col, value or None)
                cell.data_type, cell.number_format = "s", "@"
        counts[name] = len(rows_of[name])
        ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    # Last, and hidden: the first sheet is the one a workbook opens on.
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_column = 0
    for name, table in model.tables.items():
        ws, last = sheets[name], FIRST_DATA_ROW + len(rows_of[name]) + ROOM_FOR_NEW_ROWS
        for col, f in enumerate(table.fields, start=1):
            letter = get_column_letter(col)
            source = None
            if f.codes:
                list_column += 1
                for i, code in enumerate(f.codes, start=1):
                    lists.cell(i, list_column, code)
                lc = get_column_letter(list_column)
                source = f"{quote_sheetname(LISTS_SHEET)}!${lc}$1:${lc}${len(f.codes)}"
            for fk in table.foreign_keys:
                if fk.fields == (f.name,):
                    ref = model.tables[fk.table]
                    rc = get_column_letter(ref.field_names.index(fk.ref_fields[0]) + 1)
                    source = (
                        f"{quote_sheetname(fk.table)}!${rc}${FIRST_DATA_ROW}:"
                        f"${rc}${FIRST_DATA_ROW + len(rows_of[fk.table]) + ROOM_FOR_NEW_ROWS}"
                    )
            if source:
                dv = DataValidation(type="list", formula1=f"={source}", allow_blank=not f.required)
                dv.error, dv.errorTitle = f"{f.name}: choose a value from the list", f.name
                dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
                ws.add_data_validation(dv)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return counts


def _text(value) -> str:
    """A cell as raw/ writes it: text as typed; a number, date or time Excel made of it, written back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _trimmed(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def read_workbook(path: Path, model: Model) -> tuple[dict[str, list[list[str]]], list[Problem]]:
    """The rows of each table in the workbook, and every problem of its form: sheets, header rows,
    formulas, merged cells (the values themselves are validated afterwards, as raw/ is)."""
    where = f"[{path.name}]"
    try:
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return {}, [problem("workbook-unreadable", path.name, None, None, reason=f"{type(exc).__name__}: {exc}")]
    problems: list[Problem] = []
    tables: dict[str, list[list[str]]] = {}
    for ws in wb.worksheets:
        if ws.title != LISTS_SHEET and ws.title not in model.tables:
            problems.append(problem("workbook-unknown-sheet", where + ws.title, None, None, sheet=ws.title))
    for name, table in model.tables.items():
        if name not in wb.sheetnames:
            problems.append(problem("workbook-missing-sheet", where + name, None, None, sheet=name))
            continue
        ws = wb[name]
        for merged in sorted(ws.merged_cells.ranges, key=str):
            problems.append(problem("workbook-merged-cells", where + name, merged.min_row, None, cells=str(merged)))
        rows = [list(r) for r in ws.iter_rows()]
        for r, row in enumerate(rows, start=1):
            for c in row:
                if c.data_type == "f":
                    column = table.field_names[c.column - 1] if c.column <= len(table.fields) else None
                    problems.append(problem("workbook-formula", where + name, r, column, cell=c.coordinate))
        values = [[_text(c.value) for c in row] for row in rows]
        header, titles = ([*_trimmed(values[i - 1])] if len(values) >= i else [] for i in (NAMES_ROW, TITLES_ROW))
        if header != table.field_names:
            for i, label in enumerate(header):
                if label not in table.field_names:
                    problems.append(
                        problem(
                            "workbook-unknown-column",
                            where + name,
                            NAMES_ROW,
                            label or None,
                            column=label,
                            cell=f"{get_column_letter(i + 1)}{NAMES_ROW}",
                            sheet=name,
                        )
                    )
            for label in table.field_names:
                if label not in header:
                    problems.append(problem("workbook-missing-column", where + name, NAMES_ROW, label, column=label, sheet=name))
            if set(header) == set(table.field_names):
                problems.append(problem("workbook-column-order", where + name, NAMES_ROW, None, sheet=name))
            continue
        if titles != [titles_line(f) for f in table.fields]:
            problems.append(problem("workbook-titles-row", where + name, TITLES_ROW, None, sheet=name))
            continue
        width = len(table.fields)
        data = values[FIRST_DATA_ROW - 1 :]
        while data and not any(data[-1]):
            data.pop()  # rows Excel counts as used for their formatting alone
        for r, row in enumerate(data, start=FIRST_DATA_ROW):
            if any(row[width:]):
                i = next(i for i, v in enumerate(row) if i >= width and v)
                problems.append(
                    problem("workbook-unknown-column", where + name, r, None, column="", cell=f"{get_column_letter(i + 1)}{r}", sheet=name)
                )
        tables[name] = [(row + [""] * width)[:width] for row in data]
    return tables, problems


def _csv_text(raw_csv: Path, header: list[str], rows: list[list[str]]) -> str:
    """raw/<table>.csv holding `rows`: each row unchanged from the file keeps its bytes there."""
    kept: dict[tuple, list[str]] = {}
    old_header_text = None
    if raw_csv.is_file():
        for i, (record, text) in enumerate(_records(raw_csv)):
            if i == 0:
                old_header_text = text if record == header else None
            else:
                kept.setdefault(tuple(record), []).append(text)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    parts = []
    for record in [header, *rows]:
        if record is header and old_header_text is not None:
            text = old_header_text
        elif record is not header and kept.get(tuple(record)):
            text = kept[tuple(record)].pop(0)
        else:
            out.seek(0)
            out.truncate()
            writer.writerow(record)
            text = out.getvalue()
        if parts and not parts[-1].endswith("\n"):
            parts[-1] += "\n"
        parts.append(text)
    return "".join(parts)


def import_workbook(path: Path, model: Model, raw_dir: Path) -> dict[str, tuple[int, bool]]:
    """Read the workbook into raw/ if the whole of it is valid; else raise WorkbookError with every
    problem (sheet, row, column) and write nothing. Returns {table: (rows, changed)}."""
    raw_dir = Path(raw_dir)
    tables, problems = read_workbook(Path(path), model)
    report = Report(tables=len(model.tables))
    report.add(*problems)
    if problems:
        raise WorkbookError(report)
    texts = {name: _csv_text(raw_dir / f"{name}.csv", model.tables[name].field_names, rows) for name, rows in tables.items()}
    with tempfile.TemporaryDirectory(prefix="remacto-workbook-") as tmp:
        trial = Path(tmp) / raw_dir.name
        shutil.copytree(raw_dir, trial)
        for name, text in texts.items():
            (trial / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
        checked, _ = validate(trial, model)
    if not checked.valid:
        report.add(*(_in_workbook(p, Path(path).name, raw_dir.name) for p in checked.problems))
        raise WorkbookError(report)
    changed = {}
    for name, text in texts.items():
        target = raw_dir / f"{name}.csv"
        before = target.read_bytes() if target.is_file() else None
        new = text.encode("utf-8")
        if new != before:
            part = target.with_suffix(".csv.part")
            part.write_bytes(new)
            os.replace(part, target)
        changed[name] = (len(tables[name]), new != before)
    return changed


def _in_workbook(p: Problem, workbook: str, raw_name: str) -> Problem:
    """A problem validation found in the trial copy of raw/, placed in the workbook: its sheet, and
    its row there (the workbook has a row of titles under the names, so data row n is row n + 1)."""
    prefix = f"{raw_name}/"
    if not (p.file.startswith(prefix) and p.file.endswith(".csv")):
        return p
    sheet = p.file[len(prefix) : -4]
    row = p.row + (TITLES_ROW - NAMES_ROW) if p.row and p.row > NAMES_ROW else p.row
    return dataclasses.replace(p, file=f"[{workbook}]{sheet}", row=row)
