"""End to end on the real raw/: a release that frictionless accepts, reproducible byte for byte."""

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb

from pipeline.settings import ROOT
from pipeline.release.publish import publish
from tests.helpers import copy_project, published_rows, raw_rows


def test_the_real_frictionless_cli_accepts_the_published_package(released):
    paths, _ = released
    cli = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(cli), "validate", str(paths.published / "datapackage.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_published_is_a_symlink_to_a_release_with_every_output(released, model):
    paths, release = released
    assert paths.published.is_symlink()
    assert paths.published.resolve() == release.path.resolve()
    for name in model.tables:
        for sub, ext in (("csv", "csv"), ("json", "json"), ("parquet", "parquet")):
            assert (paths.published / sub / f"{name}.{ext}").stat().st_size > 0
    for name in ("remacto.db", "datapackage.json", "data-dictionary.md", "schema.sql", "portal/metadata.json", "portal/inspect.json"):
        assert (paths.published / name).exists(), name


def test_every_raw_row_is_published_and_in_sqlite(released, model):
    paths, release = released
    db = sqlite3.connect(paths.published / "remacto.db")
    for name in model.tables:
        expected = len(raw_rows(name))
        assert len(published_rows(paths, name)) == expected, name
        assert db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == expected, name
        assert release.rows[name] == expected
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_published_arabic_is_normalised_where_the_source_was_noisy(released, model):
    paths, _ = released
    raw_text = "".join((ROOT / "raw" / f"{n}.csv").read_text(encoding="utf-8") for n in model.tables)
    published = "".join((paths.published / "csv" / f"{n}.csv").read_text(encoding="utf-8") for n in model.tables)
    assert "\u0640" in raw_text  # raw/ keeps the source's tatweel: normalisation has work to do
    assert "\u0640" not in published and "\u06cc" not in published
    assert "المشاركة المواطنة" in published


def test_checksums_cover_every_file_and_match(released):
    paths, _ = released
    listed = {}
    for line in (paths.published / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(paths.published.resolve()).as_posix() for p in paths.published.resolve().rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((paths.published / name).read_bytes()).hexdigest() == digest, name


def test_publishing_twice_gives_identical_bytes(released, tmp_path):
    paths, release = released
    again = copy_project(tmp_path)
    report, second = publish(again)
    assert report.valid
    assert second.id == release.id
    assert (again.published / "SHA256SUMS").read_bytes() == (paths.published / "SHA256SUMS").read_bytes()
    report, third = publish(again)  # same inputs, same project: nothing to swap
    assert third.id == release.id and not third.changed


def test_parquet_holds_the_same_rows_as_csv(released, model):
    paths, _ = released
    con = duckdb.connect()
    for name, table in model.tables.items():
        parquet = con.execute(f"SELECT COUNT(*) FROM read_parquet('{paths.published / 'parquet' / name}.parquet')").fetchone()[0]
        assert parquet == len(published_rows(paths, name)), name


def _as_csv_text(value, field) -> str:
    """A typed Parquet value written the way the published CSV writes it."""
    if value is None:
        return ""
    if field.type in ("time", "date", "datetime") and field.format and field.format.startswith("%"):
        return value.strftime(field.format)
    if field.type in ("date", "datetime"):
        return value.isoformat()
    return str(value)


def test_parquet_holds_the_same_values_as_csv(released, model):
    paths, _ = released
    con = duckdb.connect()
    for name, table in model.tables.items():
        cursor = con.execute(f"SELECT * FROM read_parquet('{paths.published / 'parquet' / name}.parquet')")
        assert [c[0] for c in cursor.description] == table.field_names, name
        parquet = [[_as_csv_text(v, f) for v, f in zip(row, table.fields)] for row in cursor.fetchall()]
        assert parquet == published_rows(paths, name), name


def test_datapackage_carries_sources_licence_and_three_languages(released, model):
    paths, _ = released
    package = json.loads((paths.published / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "ODbL-1.0"
    assert {s["id"] for s in package["sources"]} == {r[0] for r in raw_rows("sources")}
    assert [r["name"] for r in package["resources"]] == list(model.tables)
    for resource in package["resources"]:
        assert set(resource["titles"]) == {"ar", "fr", "en"}
        for field in resource["schema"]["fields"]:
            assert set(field["descriptions"]) == {"ar", "fr", "en"}


def test_the_source_document_checksum_is_the_one_read(released):
    sources = {r[0]: r for r in raw_rows("sources")}
    note = sources["concept-note-tta-2025"]
    document = ROOT / "raw" / "documents" / note[7]
    assert hashlib.sha256(document.read_bytes()).hexdigest() == note[8]


def test_no_published_csv_cell_would_run_as_a_spreadsheet_formula(released, model):
    from pipeline.read.text import is_formula

    paths, _ = released
    for name in model.tables:
        for row in published_rows(paths, name):
            assert not [cell for cell in row if is_formula(cell)], name
