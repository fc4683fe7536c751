"""Hostile and careless input: each class is either refused with file, row, column and a
reason (nothing published), or normalised on the way in, as docs/data-rules.md says."""

import csv
import io
import shutil

import pytest

from pipeline.settings import ROOT
from pipeline.release.publish import publish
from tests.helpers import DATA
from tests.helpers import tree_digest

REFUSED = {
    "utf-16.csv": ("network_growth", {("network_growth.csv", None, None, "encoding-error")}),
    "latin-1.csv": ("network_growth", {("network_growth.csv", 2, None, "encoding-error")}),
    "nul-byte.csv": ("network_growth", {("network_growth.csv", 2, None, "encoding-error")}),
    "broken-quoting.csv": ("network_growth", {("network_growth.csv", 4, None, "source-error")}),
    "ragged-rows.csv": (
        "network_growth",
        {
            ("network_growth.csv", 2, None, "extra-cell"),
            ("network_growth.csv", 3, "source_ref", "missing-cell"),
            ("network_growth.csv", 3, "source_ref", "constraint-error"),
        },
    ),
    "duplicated-header.csv": (
        "network_growth",
        {("network_growth.csv", 1, "cohort_id", "duplicate-label"), ("network_growth.csv", 1, "month", "missing-label")},
    ),
    "nonexistent-date.csv": ("events", {("events.csv", 3, "start_date", "type-error"), ("events.csv", 3, "end_date", "type-error")}),
    "id-gains-space.csv": ("network_growth", {("network_growth.csv", 3, "cohort_id", "constraint-error")}),
    "id-changes-case.csv": ("collectivities", {("collectivities.csv", 10, "territory_id", "foreign-key")}),
    "header-only.csv": ("network_growth", {("network_growth.csv", None, "members_joined", "cross-check-error")}),
    "formula-injection.csv": ("network_growth", {("network_growth.csv", row, "source_ref", "formula-injection") for row in (2, 3, 4, 5)}),
}


@pytest.mark.parametrize("fixture", sorted(REFUSED))
def test_hostile_file_is_refused_and_nothing_is_published(fixture, published_project):
    table, expected = REFUSED[fixture]
    before = tree_digest(published_project.published)
    shutil.copy(DATA / fixture, published_project.raw / f"{table}.csv")
    report, release = publish(published_project)
    assert release is None
    assert {p.key() for p in report.problems} == expected
    assert tree_digest(published_project.published) == before


def test_a_ten_megabyte_cell_is_refused_with_its_column(published_project):
    rows = list(csv.reader((ROOT / "raw" / "network_growth.csv").open(encoding="utf-8")))
    rows[2][5] = "ا" * 10_000_000
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    (published_project.raw / "network_growth.csv").write_text(buf.getvalue(), encoding="utf-8")
    report, release = publish(published_project)
    assert release is None
    assert {p.key() for p in report.problems} == {("network_growth.csv", 3, "source_ref", "cell-too-long")}


def published_cell(paths, table, key, column):
    with (paths.published / "csv" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pk = next(iter(rows[0]))
    return next(r[column] for r in rows if r[pk] == key)


@pytest.mark.parametrize("fixture", ["utf8-bom.csv", "crlf.csv"])
def test_bom_and_crlf_are_accepted_and_change_nothing(fixture, released, published_project):
    _, good = released
    shutil.copy(DATA / fixture, published_project.raw / "network_growth.csv")
    report, release = publish(published_project)
    assert report.valid, report.to_text()
    assert release.id == good.id  # byte for byte the release of the plain UTF-8 LF file


@pytest.mark.parametrize("fixture", ["invisible-characters.csv", "presentation-forms.csv"])
def test_invisible_marks_and_presentation_forms_are_normalised(fixture, published_project):
    shutil.copy(DATA / fixture, published_project.raw / "collectivities.csv")
    report, release = publish(published_project)
    assert report.valid, report.to_text()
    assert published_cell(published_project, "collectivities", "tta-016", "name_ar") == "جماعة تطوان"


def test_arabic_indic_digits_in_numbers_are_published_as_0_to_9(published_project):
    shutil.copy(DATA / "arabic-indic-digits.csv", published_project.raw / "network_growth.csv")
    report, release = publish(published_project)
    assert report.valid, report.to_text()
    assert published_cell(published_project, "network_growth", "2022-founding", "members_joined") == "63"
    assert published_cell(published_project, "network_growth", "2024", "members_joined") == "63"


def test_a_leading_minus_before_a_time_range_is_kept(released):
    paths, _ = released
    assert published_cell(paths, "event_sessions", "tta-2025-s01", "time_as_written") == "-9:30 10:00"
