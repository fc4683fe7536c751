"""What a spreadsheet user should download: beside its exact machine CSV (csv/, no BOM), the release
ships excel/<table>.csv, the same rows as UTF-8 with a byte-order mark (Excel then reads Arabic right)
and formula-like text neutralised (a leading apostrophe). The portal's "CSV for Excel" download of a
page is written by the same functions (pipeline/portal/downloads.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.read.text import is_formula

BOM = "\ufeff"
# A sheet holds 1,048,576 rows: a larger table has no spreadsheet file (its CSV and Parquet remain).
EXCEL_MAX_ROWS = 1_048_575


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and is_formula(value, in_spreadsheet=True):
        return "'" + value
    return value


def excel_csv(columns: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, CRLF, formulas neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return (BOM + out.getvalue()).encode("utf-8")


def write_excel_csvs(csv_dir: Path, excel_dir: Path, national: frozenset[str] = frozenset()) -> list[str]:
    """excel/<table>.csv for every csv/<table>.csv a sheet can hold, but the `national` tables (the
    lighter national release: CSV, Parquet and SQLite only); the tables written."""
    excel_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(p for p in csv_dir.glob("*.csv") if p.stem not in national):
        target = excel_dir / source.name
        with source.open(encoding="utf-8", newline="") as fh, target.open("w", encoding="utf-8", newline="") as out:
            out.write(BOM)
            writer = csv.writer(out)
            for n, row in enumerate(csv.reader(fh)):
                if n > EXCEL_MAX_ROWS:
                    break
                writer.writerow(row if n == 0 else [neutralise(v) for v in row])
            else:
                written.append(source.stem)
                continue
        target.unlink()
    return written
