"""Each defect, in a tiny file named after it, is reported with file, row, column and code,
and publishes nothing: the last good release stays byte for byte."""

import json
import shutil
import subprocess
import sys

import pytest

from pipeline.settings import ROOT
from pipeline.release.publish import publish
from tests.helpers import BAD_INPUT_CASES as CASES, DATA, tree_digest


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_defect_is_reported_exactly_and_nothing_is_published(fixture, published_project):
    table, expected = CASES[fixture]
    before_link = published_project.published.resolve()
    before = tree_digest(published_project.published)
    shutil.copy(DATA / fixture, published_project.raw / f"{table}.csv")
    report, release = publish(published_project)
    assert release is None
    assert {p.key() for p in report.problems} == expected
    for problem in report.problems:
        assert problem.message and problem.file == f"raw/{table}.csv"
    assert published_project.published.resolve() == before_link
    assert tree_digest(published_project.published) == before
    # Row rules run while the release's files are written: a broken one leaves no half-made release.
    # (Dot-folders are not releases: the build cache, releases/.build-cache, stays for the next publish.)
    assert [p.name for p in published_project.releases.iterdir() if p.is_dir() and not p.name.startswith(".")] == [before_link.name]


def test_an_unknown_table_fails_loudly(published_project):
    shutil.copy(ROOT / "raw" / "sources.csv", published_project.raw / "speakers.csv")
    report, release = publish(published_project)
    assert release is None
    assert {p.key() for p in report.problems} == {("speakers.csv", None, None, "unknown-table")}


def test_every_error_is_reported_at_once_by_the_cli_as_text_and_json(published_project, tmp_path):
    for fixture in ("wrong-type.csv", "out-of-enum.csv", "not-utf8.csv"):
        table, _ = CASES[fixture]
        shutil.copy(DATA / fixture, published_project.raw / f"{table}.csv")
    before = tree_digest(published_project.published)
    json_path = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(published_project.root), "publish", "--report-json", str(json_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "raw/network_growth.csv, row 2, column 'members_joined': 'sixty-three' is not a valid integer [type-error]" in result.stderr
    assert "raw/network_composition.csv, row 3, column 'kind': 'province' is not an allowed code" in result.stderr
    assert "raw/territories.csv, row 2: the file is not UTF-8" in result.stderr
    assert "FAILED: 3 problems" in result.stderr and "Nothing was published" in result.stderr
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["valid"] is False and report["error_count"] == 3
    assert {(e["file"], e["row"], e["field"], e["code"]) for e in report["errors"]} == {
        ("raw/network_growth.csv", 2, "members_joined", "type-error"),
        ("raw/network_composition.csv", 3, "kind", "constraint-error"),
        ("raw/territories.csv", 2, None, "encoding-error"),
    }
    assert tree_digest(published_project.published) == before


def test_a_real_directory_in_place_of_the_symlink_is_refused_not_overwritten(project):
    project.published.mkdir()
    (project.published / "keep.txt").write_text("mine")
    with pytest.raises(Exception, match="real directory"):
        publish(project)
    assert (project.published / "keep.txt").read_text() == "mine"
