"""A publish redoes only what changed (pipeline/build/cache.py), and its release is the one built
from nothing, byte for byte; a national table ships without JSON and the changelog says so.

A small SYNTHETIC national project, its threshold forced low (REMACTO_PARALLEL_MIN_ROWS): release 1,
then one cell of a small table corrected (a patch bump) and published twice, once with the build
cache release 1 left and once without it, from the same release 1."""

from __future__ import annotations

import csv
import filecmp
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from pipeline.build.cache import FOLDER
from pipeline.release.publish import publish, swap_symlink
from pipeline.settings import Paths
from pipeline.tools import synth

BALLOTS = 400
NATIONAL = ("pb_ballots", "pb_ballot_selections")


def _publish(paths: Paths) -> Path:
    report, release = publish(paths)
    assert report.valid and release, [p.message for p in report.problems][:5]
    return release.path


def _correct_one_cell(root: Path) -> None:
    path = root / "raw" / "events.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("name_ar")] += " (مصحح)"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    release = root / "metadata" / "release.yaml"
    release.write_text(
        re.sub(
            r"^version: (\d+)\.(\d+)\.(\d+)",
            lambda m: f"version: {m[1]}.{m[2]}.{int(m[3]) + 1}",
            release.read_text(encoding="utf-8"),
            count=1,
            flags=re.M,
        ),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """(release 1, release 2 built with the cache, release 2 built from nothing)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("REMACTO_PARALLEL_MIN_ROWS", str(BALLOTS))
    try:
        root = tmp_path_factory.mktemp("national")
        synth.generate(root, BALLOTS, seed=5)
        paths = Paths(root)
        first = _publish(paths)
        _correct_one_cell(root)
        incremental = _publish(paths)
        # Taken, not rebuilt: release 2's national files are release 1's (hard links through the cache).
        linked = {n: (first / "csv" / f"{n}.csv").stat().st_ino == (incremental / "csv" / f"{n}.csv").stat().st_ino for n in NATIONAL}
        kept = tmp_path_factory.mktemp("kept") / "incremental"
        shutil.copytree(incremental, kept, symlinks=True)
        # From nothing: the same release 1 published, no build cache, release 2 gone.
        shutil.rmtree(paths.releases / FOLDER)
        swap_symlink(paths.published, first)
        shutil.rmtree(incremental)
        from_nothing = _publish(paths)
        yield first, kept, from_nothing, linked
    finally:
        mp.undo()


def test_a_release_built_from_the_cache_is_byte_for_byte_the_release_built_from_nothing(history):
    first, incremental, from_nothing, _ = history
    compared = filecmp.dircmp(incremental, from_nothing)
    files = sorted(str(p.relative_to(from_nothing)) for p in from_nothing.rglob("*") if p.is_file())
    assert "remacto.db" in files and "csv/pb_ballots.csv" in files and "parquet/pb_ballots.parquet" in files
    for name in files:
        assert (incremental / name).read_bytes() == (from_nothing / name).read_bytes(), name
    assert sorted(str(p.relative_to(incremental)) for p in incremental.rglob("*") if p.is_file()) == files
    assert not compared.left_only and not compared.right_only
    # The edit is in it: the changelog names the one cell changed.
    log = json.loads((from_nothing / "changelog.json").read_text(encoding="utf-8"))
    assert [(n, t["changed_count"]) for n, t in log["tables"].items() if t["changed_count"]] == [("events", 1)]


def test_the_national_tables_products_are_taken_from_the_cache_not_built_again(history):
    *_, linked = history
    assert linked == {n: True for n in NATIONAL}


def test_a_national_table_ships_without_json_and_the_changelog_says_so(history):
    first, _, release, _ = history
    for r in (first, release):
        assert sorted(p.name for p in (r / "json").glob("pb_ballot*")) == []
        assert (r / "json" / "events.json").is_file() and (r / "csv" / "pb_ballots.csv").is_file()
        log = json.loads((r / "changelog.json").read_text(encoding="utf-8"))
        with sqlite3.connect(r / "remacto.db") as db:
            national = sorted(
                n
                for (n,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
                if (r / "csv" / f"{n}.csv").is_file() and db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] >= BALLOTS
            )
        assert set(NATIONAL) <= set(national) and "events" not in national
        assert sorted(log["without_json"]) == national
        assert [n for n in national if (r / "json" / f"{n}.json").exists()] == []
        # nor a spreadsheet copy: a national table is CSV, Parquet and SQLite only
        assert [n for n in national if (r / "excel" / f"{n}.csv").exists()] == [] and (r / "excel" / "events.csv").is_file()
        assert "without a JSON copy" in (r / "CHANGELOG.md").read_text(encoding="utf-8")
    catalog = (release / "dcat.ttl").read_text(encoding="utf-8")
    assert "json/pb_ballots.json" not in catalog and "csv/pb_ballots.csv" in catalog
    metadata = json.loads((release / "portal" / "metadata.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["remacto"]["tables"]
    assert (tables["pb_ballots"].get("size"), tables["events"].get("size")) == (50, None)


def test_a_rule_is_known_by_the_tables_its_sql_reads():
    from pipeline.check.rules import tables_read
    from pipeline.model.config import Rule

    db = sqlite3.connect(":memory:")
    db.executescript("CREATE TABLE a (x); CREATE TABLE b (y); CREATE TABLE c (z);")
    rule = Rule(
        id="r", description="", file="raw/a.csv", actual="SELECT SUM(x) FROM a JOIN b ON b.y = a.x", expected="SELECT count(*) FROM c"
    )
    assert tables_read(rule, db) == {"a", "b", "c"}
    assert tables_read(Rule(id="s", description="", file="raw/a.csv", violations="SELECT rowid, x FROM nowhere"), db) is None
