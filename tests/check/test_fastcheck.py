"""Differential test of the fast path (pipeline/check/fast.py): on files with every kind of defect
and the edge cases of each type, DuckDB's verdicts must be frictionless's, row for row.

The same raw/ folder is validated by pipeline.build.validation.validate: once by frictionless itself
(`reference=True`: every table read into memory and checked by frictionless), then in DuckDB's one
scan a table, with the tables read from disk, read into memory first, or some of each. Any
difference in (file, row, column, error type), counted, fails. The data is SYNTHETIC: pipeline/tools/synth.py's national
project, plus a test-only table of anonymised ballots with a column of every type
(tests/synth/synthetic_ballots.yaml) to carry each type's edge cases."""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pipeline.check import fast as fastcheck
from pipeline.tools import synth
from pipeline.model import load_model
from pipeline.build.validation import validate
from tests.helpers import TESTS

NEVER = 10**15  # no table is large enough: all are read into memory first
ALWAYS = 0  # every table is read by DuckDB from disk
# The synthetic network's size: its 12 regions' and 75 provinces' councils and 33 communes, each with
# a PB cycle (some 2,400 rows, against 80,000 at the national default). Every path is forced by the
# thresholds above, not by size; at 10,000 bytes some tables are still large and some small.
NETWORK = 120

EDGE_SCHEMA = {
    "dataset": "participatory_budget",
    "title": {"ar": "حالات حدية (اصطناعية)", "fr": "Cas limites (synthétiques)", "en": "Edge cases (synthetic)"},
    "description": {"ar": "للاختبار فقط.", "fr": "Pour les tests.", "en": "Test only."},
    "fields": [
        {"name": "code", "type": "string", "constraints": {"required": True, "unique": True, "pattern": "[a-z]+-[0-9]+"}},
        {"name": "part", "type": "integer", "constraints": {"required": True}},
        {"name": "parent_code", "type": "string"},
        {"name": "name_ar", "type": "string", "constraints": {"pattern": "[ء-ي ]+", "maxLength": 12}},
        {"name": "label", "type": "string", "constraints": {"pattern": "\\d+"}},
        {"name": "level", "type": "integer", "constraints": {"enum": [1, 2, 3]}},
        {"name": "ratio", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
        {"name": "day", "type": "date", "format": "%d/%m/%Y"},
        {"name": "at", "type": "time"},
        {"name": "start_date", "type": "date"},
        {"name": "end_date", "type": "date"},
        {"name": "note", "type": "string"},
        {"name": "note_source_id", "type": "string"},
    ],
    "primaryKey": ["code", "part"],
    "foreignKeys": [
        {"fields": ["parent_code"], "reference": {"resource": "", "fields": ["code"]}},
        {"fields": ["note_source_id"], "reference": {"resource": "sources", "fields": ["source_id"]}},
    ],
}
for _f in EDGE_SCHEMA["fields"]:
    _f["title"] = {"ar": _f["name"], "fr": _f["name"], "en": _f["name"]}
    _f["description"] = {"ar": "اختبار", "fr": "test", "en": "test"}

# (column, cell) put into an otherwise valid ballot: the edge cases of every type and constraint.
BALLOT_EDGES = (
    [
        ("preference_rank", c)
        for c in ["12.5", "1e3", "0x10", "1_000", "+5", " 5", "5 ", "05", "٥", "-0", "", " ", "1__0", "_1", "9" * 22, "١٫٥", "3.0"]
    ]
    + [("weight", c) for c in ["1e-1", "Infinity", ".5", "5.", "0.5 ", "1,5", "0.12345678901", "-0.0", "abc", "0", "1.0000000000001"]]
    + [
        ("cast_date", c)
        for c in ["2025-02-30", "2024-02-29", "2025-2-5", "2025-02-05 ", "0000-01-01", "20250205", "٢٠٢٥-٠٢-٠٥", "2025-13-01"]
    ]
    + [
        ("cast_at", c)
        for c in [
            "2025-03-01",
            "2025-03-01T10:00:00Z",
            "2025-03-01 10:00:00",
            "2025-03-01T24:00:00",
            "2025-03-01T10:00:00.5",
            "2025-03-01T10:00",
            "2025-03-01T10:00:60",
        ]
    ]
    + [("cast_time", c) for c in ["24:00", "9:30", "09:30:00", "23:60", "00:00", " 9:30", "12:5"]]
    + [("cycle_year", c) for c in ["2025", "+202", "202", "02025", "2019", "2031", "٢٠٢٥"]]
    + [("channel", c) for c in ["online", "Online", " online", ""]]
    + [("postcode", c) for c in ["12345", "١٢٣٤٥", "12345\n", "1234", "123456", "", "1234\u200b"]]
    + [("comment_ar", c) for c in ["ب" * 40, "ب" * 41, "👍🏽" * 20, "👍🏽" * 21, "=1+1", "-5", "-abc", "+33 6", "@x", "\tx"]]
    + [("ballot_id", c) for c in ["B-00000001", "", " b-00000003", "b-00000002", "b-0000001"]]
    + [("collectivity_id", c) for c in ["zzz-999", "RAA-001", ""]]
    + [("pb_initiative_id", c) for c in ["pb-zzz-999", "PB-raa-001"]]
    + [("source_id", "nowhere")]
)

EDGE_ROWS = [
    ["a-1", "1", "", "بيت", "12", "1", "0.5", "05/03/2025", "10:00:00", "2025-01-01", "2025-01-02", "", ""],
    ["a-1", "2", "a-1", "بيت جميل", "٣", "2", "1", "31/12/2024", "23:59:59", "", "", "n", "synthetic"],
    ["a-1", "1", "", "", "", "", "", "", "", "", "", "", ""],  # duplicate primary key, code not unique
    ["b-2", "01", "a-9", "house", "x1", "4", "0", "30/02/2025", "24:00:00", "2025-02-02", "2025-02-01", "n", ""],
    ["c-3", "+1", "b-2", "بيتٌ", "1 2", "01", "-1", "5/3/2025", "7:00:00", "2025-01-01", "2025-01-01", "", "synthetic"],
    ["", "", "", "", "", "", "", "", "", "", "", "", ""],  # blank row
    ["D-4", "x", "c-3", "منزل كبير جدا جدا", "٣٤", "3.0", "1e-3", "05/03/25", "10:00", "2025-1-1", "2024-12-31", "", ""],
    ["e-5", "5", "", "سوق\n", "7", "2", "abc", "05-03-2025", "10:00:00Z", "", "", "", "nowhere"],
    ["f-6", "6", "", "د", "", "", "", "", "", "", "", "", ""],
]


TYPED_SCHEMA = TESTS / "synth" / "synthetic_ballots.yaml"
COMMENTS = ["", "", "", "مشروع مهم للحي", "نحتاج إلى مساحات خضراء", "إنارة الشوارع", "ملعب للشباب", "Très bon projet"]


def _typed_table(root: Path, n: int, seed: int) -> Path:
    """Add the test-only table with a column of every type to a synthetic project: n valid rows."""
    shutil.copy(TYPED_SCHEMA, root / "schemas" / "synthetic_ballots.yaml")
    with (root / "raw" / "pb_initiatives.csv").open(encoding="utf-8", newline="") as fh:
        initiatives = [(r["pb_initiative_id"], r["collectivity_id"]) for r in csv.DictReader(fh)]
    rnd = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        init = initiatives[rnd.randrange(len(initiatives))]
        year = 2021 + rnd.randrange(5)
        month, day, hour, minute = 1 + rnd.randrange(12), 1 + rnd.randrange(28), 8 + rnd.randrange(12), rnd.randrange(60)
        rows.append(
            [
                f"b-{i:08d}",
                init[0],
                init[1],
                f"{year}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{rnd.randrange(60):02d}",
                f"{year}-{month:02d}-{day:02d}",
                f"{hour:02d}:{minute:02d}",
                str(year),
                str(1 + rnd.randrange(5)),
                "" if rnd.random() < 0.1 else f"{rnd.randrange(1001) / 1000:g}",
                ("online", "paper", "sms")[rnd.randrange(3)],
                f"{10000 + rnd.randrange(90000)}",
                COMMENTS[rnd.randrange(len(COMMENTS))],
                synth.SOURCE_ID,
                synth.SOURCE_REF,
            ]
        )
    path = root / "raw" / "synthetic_ballots.csv"
    header = [f["name"] for f in yaml.safe_load(TYPED_SCHEMA.read_text(encoding="utf-8"))["fields"]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "synthetic"
    synth.generate(root, 120, seed=11, collectivities=NETWORK)
    _typed_table(root, 120, seed=11)
    (root / "schemas" / "edge_cases.yaml").write_text(yaml.safe_dump(EDGE_SCHEMA, allow_unicode=True), encoding="utf-8")
    ballots = root / "raw" / "synthetic_ballots.csv"
    with ballots.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, base = rows[0], rows[1]
    extra = []
    for n, (column, cell) in enumerate(BALLOT_EDGES):
        row = list(base)
        row[0] = f"b-9{n:07d}"
        row[header.index(column)] = cell
        extra.append(row)
    extra.append([""] * len(header))  # a blank row
    with ballots.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(extra)
    with (root / "raw" / "edge_cases.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([f["name"] for f in EDGE_SCHEMA["fields"]])
        w.writerows(EDGE_ROWS)
    return root


def _verdicts(root: Path, fast_min_bytes: int, reference: bool = False) -> Counter:
    report, _ = validate(root / "raw", load_model(root / "schemas", root / "metadata"), fast_min_bytes=fast_min_bytes, reference=reference)
    return Counter((p.file, p.row, p.field, p.code) for p in report.problems)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _corpus(tmp_path_factory.mktemp("fastcheck"))


@pytest.fixture(scope="module")
def reference(corpus) -> Counter:
    return _verdicts(corpus, NEVER, reference=True)


def test_the_corpus_breaks_every_rule_the_schemas_check(reference):
    codes = {code for (_, _, _, code) in reference}
    assert {
        "type-error",
        "constraint-error",
        "unique-error",
        "primary-key",
        "foreign-key",
        "blank-row",
        "formula-injection",
        "range-error",
        "provenance-error",
    } <= codes
    # Enough cases that agreement means something: every edge row of the ballots is judged.
    assert sum(reference.values()) > 80


@pytest.mark.parametrize(
    "fast_min_bytes, in_memory_max",
    [(ALWAYS, "250000000"), (10_000, "250000000"), (ALWAYS, "-1"), (NEVER, "250000000")],
    ids=["every-table-fast", "large-tables-fast", "every-table-fast-on-disk", "every-table-read-into-memory"],
)
def test_fast_path_gives_frictionless_verdicts(corpus, reference, fast_min_bytes, in_memory_max, monkeypatch):
    monkeypatch.setenv("REMACTO_FAST_IN_MEMORY_MAX_BYTES", in_memory_max)
    fast = _verdicts(corpus, fast_min_bytes)
    assert fast - reference == Counter(), "errors only the fast path reports"
    assert reference - fast == Counter(), "errors only frictionless reports"


def test_fast_path_finds_exactly_the_injected_errors(tmp_path):
    root = tmp_path / "synthetic"
    injected = synth.generate(root, 3_000, seed=5, errors=True, collectivities=NETWORK)
    assert json.loads((root / "injected-errors.json").read_text(encoding="utf-8")) == injected
    expected = Counter((e["file"], e["row"], e["field"], e["code"]) for e in injected)
    # One defect of every kind the schemas check, in the national tables and the smaller ones.
    assert {e["code"] for e in injected} == {"type-error", "constraint-error", "unique-error", "primary-key", "foreign-key"}
    assert {e["file"] for e in injected} >= {"raw/pb_ballots.csv", "raw/pb_ballot_selections.csv", "raw/pb_votes.csv"}
    assert _verdicts(root, ALWAYS) == expected
    assert _verdicts(root, NEVER) == expected
    assert _verdicts(root, NEVER, reference=True) == expected


def test_a_damaged_large_file_is_read_the_slow_way_with_the_exact_defect(tmp_path):
    root = tmp_path / "synthetic"
    synth.generate(root, 200, seed=3, collectivities=NETWORK)
    with (root / "raw" / "pb_ballots.csv").open("a", encoding="utf-8") as fh:
        fh.write("b-99999999,only,three\n")
    assert _verdicts(root, ALWAYS) == _verdicts(root, NEVER) == _verdicts(root, NEVER, reference=True)
    assert ("raw/pb_ballots.csv", 202, "cast_date", "missing-cell") in _verdicts(root, ALWAYS)


def test_a_short_row_in_a_small_table_is_named_by_frictionless_with_the_other_tables_verdicts(tmp_path):
    """A table read into memory with a row of the wrong length goes to frictionless (with the other
    tables read into memory), which names the missing cell; every other verdict stays the same."""
    root = tmp_path / "synthetic"
    synth.generate(root, 200, seed=3, collectivities=NETWORK)
    cycles = root / "raw" / "pb_cycles.csv"
    lines = cycles.read_text(encoding="utf-8").split("\n")
    short = lines[3].split(",")
    lines[3] = ",".join(short[:2])
    cycles.write_text("\n".join(lines), encoding="utf-8")
    third = yaml.safe_load((root / "schemas" / "pb_cycles.yaml").read_text(encoding="utf-8"))["fields"][2]["name"]
    assert ("raw/pb_cycles.csv", 4, third, "missing-cell") in _verdicts(root, NEVER)
    assert _verdicts(root, NEVER) == _verdicts(root, NEVER, reference=True) == _verdicts(root, ALWAYS)


def test_an_empty_line_in_a_large_file_keeps_frictionless_row_numbers(tmp_path):
    root = tmp_path / "synthetic"
    synth.generate(root, 200, seed=3, collectivities=NETWORK)
    ballots = root / "raw" / "pb_ballots.csv"
    lines = ballots.read_text(encoding="utf-8").split("\n")
    lines[50:50] = [""]
    lines[120] = lines[120].replace(",online,", ",fax,").replace(",paper,", ",fax,")
    ballots.write_text("\n".join(lines), encoding="utf-8")
    slow = _verdicts(root, NEVER, reference=True)
    assert _verdicts(root, ALWAYS) == slow
    assert ("raw/pb_ballots.csv", 121, "channel", "constraint-error") in slow


def test_synthetic_files_say_so_and_stay_out_of_raw(tmp_path):
    root = tmp_path / "synthetic"
    synth.generate(root, 50, seed=1, collectivities=NETWORK)
    assert "SYNTHETIC" in (root / "SYNTHETIC.md").read_text(encoding="utf-8")
    with (root / "raw" / "sources.csv").open(encoding="utf-8") as fh:
        sources = list(csv.DictReader(fh))
    assert sources[0]["source_id"] == "synthetic" and "SYNTHETIC" in sources[0]["title_en"]
    # The project's reference tables (PB phase kinds) come along with their own source.
    references = {s["source_id"] for s in sources[1:]}
    assert references == {"pb-platform-phase-mapping"}
    for path in (root / "raw").glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if "source_id" in row and path.stem not in (*synth.REFERENCE_TABLES, "sources"):
                    assert row["source_id"] == "synthetic", path
    with (root / "raw" / "collectivities.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) - 1 == NETWORK


def test_synth_is_deterministic(tmp_path):
    synth.generate(tmp_path / "a", 500, seed=9, errors=True, collectivities=NETWORK)
    synth.generate(tmp_path / "b", 500, seed=9, errors=True, collectivities=NETWORK)
    for path in sorted((tmp_path / "a" / "raw").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / "raw" / path.name).read_bytes(), path.name


def test_a_release_streamed_from_the_fast_path_is_byte_for_byte_the_in_memory_one(tmp_path, monkeypatch):
    """SQLite, CSV, JSON and Parquet of a table left on disk by the fast path and streamed through
    DuckDB equal those built from rows held in memory, odd but valid spellings and text to clean included."""
    from pipeline.settings import Paths
    from pipeline.release.publish import publish

    sums = []
    for threshold in ("0", str(NEVER)):
        root = tmp_path / f"threshold-{threshold}"
        synth.generate(root, 300, seed=4, collectivities=NETWORK)
        ballots = _typed_table(root, 300, seed=4)
        with ballots.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        odd = {
            "preference_rank": ["+5", " 3", "05", "٤"],
            "weight": ["0.50", ".5", "1e-1", " 1"],
            "cast_time": ["9:30", "7:05"],
            "cycle_year": ["٢٠٢٥"],
            "comment_ar": ["مشـــروع  جيد", " حديقة ", "ملعب\u200f للشباب", "ﻣﻠﻌﺐ"],
        }
        for n, (column, cells) in enumerate(odd.items()):
            for k, cell in enumerate(cells):
                rows[1 + 7 * n + k][header.index(column)] = cell
        with ballots.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        monkeypatch.setenv("REMACTO_FAST_MIN_BYTES", threshold)
        report, release = publish(Paths(root))
        assert report.valid, report.to_text()
        sums.append((release.path / "SHA256SUMS").read_text(encoding="utf-8"))
    assert sums[0] == sums[1]


@pytest.mark.parametrize(
    "columns, rows",
    [
        (["a", "b%s", "c", "d"], [('ب\x00\n"x\u2028]', 1, None, 1e-7), ("[z", -5, "", 10**20), ("", 0, "%s", -0.0)]),
        (["only"], [(None,), ("x",), ("]",)]),
        (["a", "b"], []),
    ],
)
def test_streamed_json_export_has_the_bytes_of_json_dumps(tmp_path, columns, rows):
    from pipeline.build.stream import write_csv_and_json

    write_csv_and_json(columns, iter(rows), tmp_path / "t.csv", tmp_path / "t.json")
    expected = json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1) + "\n"
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == expected
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == len(rows) + 1


def test_tables_built_in_worker_processes_equal_the_ones_built_in_line(tmp_path, monkeypatch):
    """National tables are loaded (and exported) by worker processes into files of their own, then
    taken into the release database whole: same rows and rowids, same CSV and Parquet bytes
    as a release built table after table in one process. The same inputs give the same bytes
    either way (the procedure depends only on the inputs); only the database's page layout differs."""
    import sqlite3

    from pipeline.settings import Paths
    from pipeline.release.publish import publish

    sums = {}
    for name, parallel in (("in-line", str(NEVER)), ("workers", "0")):
        root = tmp_path / name
        synth.generate(root, 400, seed=6, collectivities=NETWORK)
        _typed_table(root, 200, seed=6)  # every type, through the worker's typed path
        monkeypatch.setenv("REMACTO_FAST_MIN_BYTES", "0")
        monkeypatch.setenv("REMACTO_PARALLEL_MIN_ROWS", parallel)
        report, release = publish(Paths(root))
        assert report.valid, report.to_text()
        sums[name] = dict(line.split("  ")[::-1] for line in (release.path / "SHA256SUMS").read_text().splitlines())
        with sqlite3.connect(release.path / "remacto.db") as db:
            tables = [
                r[0]
                for r in db.execute(
                    r"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%\_fts\_%' ESCAPE '\' ORDER BY name"
                )
            ]
            sums[name]["rows"] = {t: db.execute(f'SELECT rowid, * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
            sums[name]["schema"] = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    in_line, workers = sums["in-line"], sums["workers"]
    assert workers["rows"] == in_line["rows"] and workers["schema"] == in_line["schema"]
    exports = [f for f in in_line if f.split("/")[0] in ("csv", "parquet", "pabulib")]
    assert len(exports) > 2 * 30
    assert {f: workers[f] for f in exports} == {f: in_line[f] for f in exports}
    # A table built by workers is a national one (REMACTO_PARALLEL_MIN_ROWS): no JSON copy.
    assert [f for f in workers if f.startswith("json/")] == [] and len([f for f in in_line if f.startswith("json/")]) > 30


@pytest.mark.parametrize(
    "body, defect",
    [
        (b"a,b\r\n1,2\r\n\r\n3,4\r\n", "empty line"),
        (b"a,b\n1,2\n\n3,4\n", "empty line"),
        (b"a,b\r1,2\r\r3,4\r", "empty line"),
        (b"\na,b\n1,2\n", "empty line"),
        (b"a,b\n1,2\n3,\x004\n", "NUL byte"),
        (b"a,b\r\n1,2\r\n3,4\r\n", None),
    ],
)
@pytest.mark.parametrize("chunk", [3, 5, 7, 1 << 20])
def test_files_duckdb_would_read_differently_go_the_slow_way_wherever_the_defect_falls(tmp_path, monkeypatch, body, defect, chunk):
    """A blank line (which DuckDB skips and Python's csv counts) or a NUL byte sends a large file to
    the slow, exact reader, also when the file is scanned in chunks and the defect spans two."""
    monkeypatch.setattr(fastcheck, "SCAN_CHUNK", chunk)
    path = tmp_path / "t.csv"
    path.write_bytes(body)
    if defect is None:
        assert fastcheck.read_header(path) == ["a", "b"]
    else:
        with pytest.raises(fastcheck.Fallback, match=defect):
            fastcheck.read_header(path)


IMPORTED = """
import sys
from pipeline.__main__ import main
code = main(sys.argv[1:])
print(code, sorted({m.split('.')[0] for m in sys.modules} & {'frictionless', 'pandas', 'datasette'}))
"""


@pytest.mark.parametrize("command", [["validate", "--schema-only"], ["validate"]])
@pytest.mark.parametrize("threshold", ["0", str(NEVER)], ids=["tables-on-disk", "tables-in-memory"])
def test_a_clean_project_is_validated_without_importing_frictionless(tmp_path, command, threshold):
    """frictionless is imported only for a doubtful cell: a clean project never loads it (nor
    pandas or Datasette); one odd but valid spelling (`+0` for 0) does, and is still valid."""
    import os
    import subprocess
    import sys

    root = tmp_path / "synthetic"
    synth.generate(root, 300, seed=2, collectivities=NETWORK)
    env = {**os.environ, "REMACTO_FAST_MIN_BYTES": threshold}
    run = [sys.executable, "-c", IMPORTED, "--root", str(root), *command]
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"
    votes = root / "raw" / "pb_votes.csv"
    with votes.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("votes")] = "+" + rows[1][rows[0].index("votes")]
    with votes.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    out = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 ['frictionless']"


@pytest.mark.parametrize(
    "body, rows, defect",
    [
        (b"a,b\n1,2\n3,4\n", 2, None),
        (b"a,b\n1,2\n3,4", 2, None),  # the last record without its line end
        (b'a,b\n1,"x\ny"\n3,4\n', 2, None),  # a line break in a cell: searched, none empty
        (b"a,b\n1,2\n\n3,4\n", 2, "empty line"),  # DuckDB's 2 rows, but one LF too many
        (b"a,b\n1,2\n3,4\n\n", 2, "empty line"),
        (b"a,b\r\n1,2\r\n\r\n3,4\r\n", 2, "empty line"),
        (b"a,b\r1,2\r\r3,4\r", 2, "empty line"),  # CR line ends: no LF to count, searched
    ],
)
def test_an_empty_line_is_found_by_counting_line_ends_against_duckdbs_rows(tmp_path, body, rows, defect):
    """The large files' line ends are counted (one-byte searches) and compared with the rows DuckDB
    read: only a file whose count differs is searched for an empty line."""
    path = tmp_path / "t.csv"
    path.write_bytes(body)
    lines = fastcheck.read_lines(path)
    assert lines.header == ["a", "b"]
    if defect is None:
        fastcheck.no_empty_line(path, lines, rows)
    else:
        with pytest.raises(fastcheck.Fallback, match=defect):
            fastcheck.no_empty_line(path, lines, rows)
