"""The native writers (pipeline/build/native.py) give the bytes Python's writers give: DuckDB makes
each CSV and JSON line in SQL and only writes it, so the release's files, and the portal's CSV
download that must equal them, do not change with the writer. The whole release built by them is
compared with the in-line one in tests/check/test_fastcheck.py
(test_tables_built_in_worker_processes_equal_the_ones_built_in_line)."""

from __future__ import annotations

import random
import sqlite3

import pytest

from pipeline.build import native, stream
from pipeline.check import fast
from pipeline.model import Field, Table

# Cells either writer could spell differently: the delimiter, quotes, line breaks, a `#` (DuckDB's
# own CSV writer quotes it), control characters (to_json writes \u001A, json.dumps \u001a), a NUL,
# backslashes (also before a `u`), U+2028, DEL, text Arabic and French, an emoji, `%s`, brackets.
HOSTILE_TEXT = [
    "plain",
    "a,b",
    'q"x',
    '"',
    "nl\nx",
    "cr\rx",
    "crlf\r\nx",
    "#hash",
    "x#",
    "\x00nul",
    "\x0bvt",
    "\x0e\x0f\x1a\x1b",
    "\\u001A\x1a",
    "back\\slash",
    "/",
    "\u2028",
    "\x7f",
    "\t tab",
    "تطوان",
    "Tétouan",
    "🙂",
    "%s",
    "[z]",
    "{}",
    " lead",
    "trail ",
    None,
]
NUMBERS = [0.0, -0.0, 0.1, 0.5, 1e-05, 1e-07, 123456789012345.0, 1e15, 1e16, 2.5e-09, -6.8102e-06, 100.0, None]
INTEGERS = [0, -1, 7, 10**17, -(10**18), None]


def _table(fields: list[tuple[str, str]], key: list[str]) -> Table:
    return Table(
        name="t",
        dataset="test",
        title={},
        description={},
        schema_path=None,
        foreign_keys=(),
        fields=tuple(Field(name=n, type=t, title={}, description={}, constraints={}, codes=None) for n, t in fields),
        primary_key=tuple(key),
    )


def _native_files(tmp_path, table, rows):
    """The CSV and JSON native.write_csv_and_json makes of `rows` (SQLite values), held as ROWS."""
    con = fast.connect()
    try:
        cols = ", ".join(f'"{f.name}" {native.DUCKDB_TYPES.get(f.type, "VARCHAR")}' for f in table.fields)
        con.execute(f"CREATE TEMP TABLE {native.ROWS} ({cols})")
        if rows:
            con.executemany(f"INSERT INTO {native.ROWS} VALUES ({', '.join('?' for _ in table.fields)})", rows)
        native.write_csv_and_json(con, table, len(rows), tmp_path / "native.csv", tmp_path / "native.json")
    finally:
        con.close()
    return (tmp_path / "native.csv").read_bytes(), (tmp_path / "native.json").read_bytes()


def _python_files(tmp_path, table, rows):
    """The same rows in SQLite, read back in key order and written by Python's writers (the in-line build)."""
    with sqlite3.connect(":memory:") as db:
        cols = ", ".join(f'"{f.name}"' for f in table.fields)
        db.execute(f"CREATE TABLE t ({cols})")
        db.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in table.fields)})", rows)
        order = ", ".join(f'"{c}"' for c in table.primary_key) or "rowid"
        ordered = db.execute(f"SELECT * FROM t ORDER BY {order}").fetchall()
    stream.write_csv_and_json(table.field_names, iter(ordered), tmp_path / "python.csv", tmp_path / "python.json")
    return (tmp_path / "python.csv").read_bytes(), (tmp_path / "python.json").read_bytes()


def test_native_csv_and_json_have_the_bytes_of_pythons_writers_on_hostile_cells(tmp_path):
    table = _table([("id", "string"), ("text", "string"), ("n", "integer"), ("x", "number"), ("d", "date")], ["id"])
    rng = random.Random(15)
    rows = [
        (
            f"k{i:03d}" if i % 7 else f"é{i}",
            HOSTILE_TEXT[i % len(HOSTILE_TEXT)],
            INTEGERS[i % len(INTEGERS)],
            NUMBERS[i % len(NUMBERS)],
            "2025-04-22" if i % 3 else None,
        )
        for i in range(120)
    ]
    rng.shuffle(rows)  # the exports come in key order, whatever the file order
    native_csv, native_json = _native_files(tmp_path, table, rows)
    python_csv, python_json = _python_files(tmp_path, table, rows)
    assert native_csv == python_csv
    assert native_json == python_json


def test_a_double_is_spelled_by_duckdb_as_python_spells_it():
    rng = random.Random(16)
    values = [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 15) for _ in range(5000)] + NUMBERS[:-1]
    values += [round(v, rng.randint(0, 10)) for v in values[:2000]]
    con = fast.connect()
    try:
        spelled = con.execute("SELECT CAST(unnest(?::DOUBLE[]) AS VARCHAR)", [values]).fetchall()
    finally:
        con.close()
    assert [s for (s,) in spelled] == [repr(v) for v in values]


@pytest.mark.parametrize(
    "fields, key, rows",
    [
        ([("only", "string")], [], [(None,), ("x",), ("",), ("a,b",)]),
        ([("a", "string"), ("b", "integer")], ["a"], []),
        ([("a", "integer"), ("b", "string")], ["b", "a"], [(2, "z"), (1, "z"), (3, "a")]),
    ],
    ids=["one column with empty cells", "no rows", "composite key"],
)
def test_native_exports_of_edge_tables_have_the_bytes_of_pythons_writers(tmp_path, fields, key, rows):
    table = _table(fields, key)
    assert _native_files(tmp_path, table, rows) == _python_files(tmp_path, table, rows)
