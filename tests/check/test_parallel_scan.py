"""The national CSVs are scanned in byte ranges side by side (pipeline/check/fast.py,
`range_starts`, `Checker.scan_in_ranges`): a range starts where a record starts, whatever offset
it is aimed at (inside a quoted field holding line breaks, between a CR and its LF, on a doubled
quote), and the verdicts are the one-thread scan's, row for row; a file DuckDB cannot read fails
the same way cut or whole."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from pipeline.check import fast
from pipeline.check.validate import check_tables
from pipeline.model import load_model
from pipeline.settings import ROOT
from tests.helpers import DATA

LIMIT = 100_000
# An events file with CRLF line ends, line breaks (LF, CRLF, CR) and doubled quotes inside quoted
# fields, a comma in one, a bad date, a blank row, a duplicate id and a last line without its end.
HEADER = (
    "event_id,kind,name_ar,theme_ar,start_date,end_date,date_as_written,city_ar,city_latin,city_latin_source_id,"
    "city_latin_ref,region_id,target_members,expected_participants,participants_qualifier,source_id,source_ref"
)
ROWS = [
    'e-1,national_meeting,"ملتقى\r\nأول","سطر ""مقتبس""\nثان",2025-06-01,2025-06-01,2025-06-01,مدينة,,,,,10,20,,synthetic,r',
    'e-2,regional_meeting,"ملتقى, ثان","""",2025-02-30,2025-06-02,2025-06-02,مدينة,,,,,10,20,,synthetic,r',
    ",,,,,,,,,,,,,,,,",
    'e-3,national_meeting,"\n",ثالث,2025-06-03,2025-06-03,2025-06-03,"مدينة\rب",,,,,x,20,,synthetic,r',
    'e-1,national_meeting,رابع,رابع,2025-06-04,2025-06-04,2025-06-04,مدينة,,,,,10,20,,synthetic,"ر"""',
]
HOSTILE = [
    "broken-quoting.csv",
    "crlf.csv",
    "formula-injection.csv",
    "id-gains-space.csv",
    "nonexistent-date.csv",
    "ragged-rows.csv",
    "duplicated-header.csv",
    "header-only.csv",
    "invisible-characters.csv",
]


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "schemas", ROOT / "metadata")


def _verdicts(model, path, table: str, starts: list[int] | None):
    """What the scan of one file says (errors and problems), or the Fallback it raised."""
    with fast.Checker() as checker:
        t = model.tables[table]
        try:
            if starts:
                checker.scan_in_ranges(t, path, starts, set(), LIMIT)
            else:
                checker.scan(t, path, set(), LIMIT)
        except fast.Fallback:
            return "fallback"
        result = checker.finish(t, path.name, {}, LIMIT)
    return (
        result.rows,
        result.readable,
        [(e.type, e.row_number, getattr(e, "field_name", None), e.note) for e in result.errors],
        [p.key() for p in result.problems],
    )


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_a_range_aimed_at_any_byte_starts_where_a_record_starts_and_the_verdicts_are_the_whole_scans(model, tmp_path, monkeypatch):
    monkeypatch.setenv("REMACTO_SCAN_RANGES", "1")
    path = tmp_path / "events.csv"
    data = ("\r\n".join([HEADER, *ROWS])).encode("utf-8")
    path.write_bytes(data)
    whole = _verdicts(model, path, "events", None)
    assert whole != "fallback" and whole[0] == len(ROWS) and whole[2]  # errors found, as the whole scan finds them
    header_end = len(HEADER) + 2
    seen = set()
    for target in range(len(data) + 1):
        starts = fast.range_starts(path, 2, [target])
        for start in starts:  # a record boundary: the records before and after it are the file's
            assert header_end <= start < len(data) and data[start - 1 : start] == b"\n"
            assert _records(data[:start]) + _records(data[:header_end] + data[start:])[1:] == _records(data), (target, start)
        seen.add(tuple(starts))
    assert len(seen) >= len(ROWS) - 1  # every record end was reached from some offset
    for starts in sorted(seen):
        if starts:
            assert _verdicts(model, path, "events", list(starts)) == whole, starts
    three = fast.range_starts(path, 3)
    assert len(three) == 2 and _verdicts(model, path, "events", three) == whole


@pytest.mark.parametrize("fixture", HOSTILE)
def test_the_hostile_files_give_the_same_verdicts_cut_in_ranges_as_read_whole(fixture, model, tmp_path):
    table = _table_of(model, DATA / fixture) or "network_growth"  # a file without a readable header: any table
    path = tmp_path / f"{table}.csv"
    shutil.copy(DATA / fixture, path)
    whole = _verdicts(model, path, table, None)
    cuts = {tuple(fast.range_starts(path, n)) for n in (2, 3, 5)} | {
        tuple(fast.range_starts(path, 2, [t])) for t in range(path.stat().st_size)
    }
    for starts in sorted(c for c in cuts if c):
        assert _verdicts(model, path, table, list(starts)) == whole, starts


def _table_of(model, path):
    try:
        header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    return next((n for n, t in model.tables.items() if list(t.field_names)[:3] == header[:3]), None)


def test_validation_of_the_project_reports_the_same_problems_with_its_files_cut_in_ranges(model, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", raw)
    shutil.copy(DATA / "nonexistent-date.csv", raw / "events.csv")
    monkeypatch.setenv("REMACTO_FAST_MIN_BYTES", "0")
    monkeypatch.setenv("REMACTO_SCAN_SPLIT_MIN_BYTES", "0")
    reports = {}
    for ranges in ("1", "3"):
        monkeypatch.setenv("REMACTO_SCAN_RANGES", ranges)
        report, _ = check_tables(raw, model)
        reports[ranges] = [(p.key(), p.message, p.messages) for p in report.problems]
    assert reports["1"] == reports["3"] and reports["1"]
