"""Versions and changelogs: two small publishes in a temporary project, the second after editing
raw/ (a value changed, a row added, a row removed, a column added). The edits are synthetic test
data: they live only in the temporary project and never reach the real release."""

import csv
import hashlib
import json

import httpx
import pytest
import yaml

from pipeline.settings import ROOT
from pipeline.model import load_model
from pipeline.release.publish import PublishError, publish
from tests.helpers import copy_project, serving


def edit_csv(path, edit):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_release(paths, version, date):
    path = paths.metadata / "release.yaml"
    text = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(text)
    text = text.replace(f"version: {meta['version']}", f"version: {version}")
    text = text.replace(f"release_date: {meta['release_date']}", f"release_date: {date}")
    path.write_text(text, encoding="utf-8")


def edit_raw(paths):
    """A changed value, an added row, a removed row and an added column (all synthetic)."""

    def events(rows):
        header = rows[0]
        i = header.index("expected_participants")
        for r in rows[1:]:
            if r[0] == "tta-regional-meeting-2025":
                r[i] = "120"
        return [header + ["synthetic_note"]] + [r + [f"synthetic note {n}"] for n, r in enumerate(rows[1:])]

    edit_csv(paths.raw / "events.csv", events)
    added = {
        "reference_id": "synthetic-reference",
        "event_id": "tta-regional-meeting-2025",
        "kind": "constitution",
        "title_ar": "مرجع تجريبي",
        "reference_year": "2020",
        "source_id": "concept-note-tta-2025",
        "source_ref": "synthetic",
    }
    edit_csv(paths.raw / "context_references.csv", lambda rows: rows + [[added.get(name, "") for name in rows[0]]])
    edit_csv(paths.raw / "event_objectives.csv", lambda rows: [r for r in rows if r[1] != "5"])
    schema_path = paths.schemas / "events.yaml"
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    text = {"ar": "ملاحظة تجريبية", "fr": "Note synthétique", "en": "Synthetic note"}
    schema["fields"].append({"name": "synthetic_note", "type": "string", "title": text, "description": text})
    schema_path.write_text(yaml.safe_dump(schema, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    paths = copy_project(tmp_path_factory.mktemp("versions"))
    set_release(paths, "1.0.0", "2026-11-29")  # the test's own version line, whatever the project's is
    report, first = publish(paths)
    assert report.valid, report.to_text()
    edit_raw(paths)
    with pytest.raises(PublishError, match="bump version"):
        publish(paths)  # the data changed, the version did not
    assert paths.published.resolve() == first.path.resolve()
    set_release(paths, "1.0.1", "2026-12-01")
    with pytest.raises(PublishError, match=r"patch bump from 1\.0\.0, but the changes need a minor one .*set version 1\.1\.0"):
        publish(paths)  # rows and a column added: a patch number is not enough
    assert paths.published.resolve() == first.path.resolve()
    set_release(paths, "1.1.0", "2026-12-01")
    report, second = publish(paths)
    assert report.valid, report.to_text()
    return paths, first, second


def test_a_changed_release_needs_a_new_version_and_the_old_one_stays(two_releases):
    paths, first, second = two_releases
    assert second.id != first.id and second.changed
    assert paths.published.resolve() == second.path.resolve()
    assert json.loads((second.path / "release.json").read_text())["version"] == "1.1.0"
    assert json.loads((second.path / "datapackage.json").read_text())["version"] == "1.1.0"
    # The earlier release is kept whole, its checksums still true.
    for line in (first.path / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((first.path / name).read_bytes()).hexdigest() == digest, name
    index = json.loads((paths.releases / "index.json").read_text())["releases"]
    assert [(e["version"], e["id"], e["current"]) for e in index] == [("1.0.0", first.id, False), ("1.1.0", second.id, True)]
    assert index[0]["sha256sums_sha256"] == hashlib.sha256((first.path / "SHA256SUMS").read_bytes()).hexdigest()


def test_same_inputs_and_version_publish_nothing_new(two_releases):
    paths, _, second = two_releases
    report, again = publish(paths)
    assert again.id == second.id and not again.changed


def test_versions_and_dates_only_go_up(two_releases, tmp_path):
    paths, _, second = two_releases
    for version, date, message in (("1.0.1", "2026-12-02", "lower than"), ("1.2.0", "2026-11-30", "before")):
        set_release(paths, version, date)
        try:
            with pytest.raises(PublishError, match=message):
                publish(paths)
        finally:
            set_release(paths, "1.1.0", "2026-12-01")
        assert paths.published.resolve() == second.path.resolve()


def test_changelog_lists_rows_added_removed_changed_and_schema_changes(two_releases):
    paths, first, second = two_releases
    log = json.loads((second.path / "changelog.json").read_text(encoding="utf-8"))
    assert log["previous"] == {"version": "1.0.0", "release_date": "2026-11-29", "id": first.id}
    assert log["change_level"] == "minor"
    events = log["tables"]["events"]
    assert events["schema"]["columns_added"] == ["synthetic_note"]
    assert events["changed"] == [
        {"key": {"event_id": "tta-regional-meeting-2025"}, "changes": {"expected_participants": {"old": "100", "new": "120"}}}
    ]
    refs = log["tables"]["context_references"]
    assert [e["key"] for e in refs["added"]] == [{"reference_id": "synthetic-reference"}]
    assert refs["rows_after"] == refs["rows_before"] + 1
    objectives = log["tables"]["event_objectives"]
    assert [e["key"] for e in objectives["removed"]] == [{"event_id": "tta-regional-meeting-2025", "objective_no": "5"}]
    untouched = log["tables"]["collectivities"]
    assert not (untouched["added"] or untouched["removed"] or untouched["changed"])
    md = (second.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Compared with release 1.0.0" in md and "Kind of change: **minor**" in md
    assert "`expected_participants`: `100` → `120`" in md
    assert "Column added: `synthetic_note`" in md
    assert "Added: reference_id=synthetic-reference" in md
    assert "Removed: event_id=tta-regional-meeting-2025, objective_no=5" in md
    first_log = json.loads((first.path / "changelog.json").read_text(encoding="utf-8"))
    assert first_log["previous"] is None and len(first_log["tables_added"]) == len(load_model(ROOT / "schemas", ROOT / "metadata").tables)


def test_a_retyped_column_is_reported(tmp_path):
    paths = copy_project(tmp_path)
    set_release(paths, "1.0.0", "2026-11-29")
    publish(paths)
    schema_path = paths.schemas / "events.yaml"
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "expected_participants")["type"] = "number"
    schema_path.write_text(yaml.safe_dump(schema, allow_unicode=True, sort_keys=False), encoding="utf-8")
    set_release(paths, "1.1.0", "2026-12-01")
    with pytest.raises(PublishError, match=r"need a major one .*set version 2\.0\.0"):
        publish(paths)
    set_release(paths, "2.0.0", "2026-12-01")
    _, release = publish(paths)
    log = json.loads((release.path / "changelog.json").read_text(encoding="utf-8"))
    assert log["tables"]["events"]["schema"]["columns_retyped"] == [{"column": "expected_participants", "old": "integer", "new": "number"}]


def test_the_portal_shows_the_changelog(two_releases, tmp_path):
    paths, _, second = two_releases
    model = load_model(paths.schemas, paths.metadata)
    with serving(second.path, model, tmp_path / "datasette.log") as base:
        page = httpx.get(base + "/changelog", timeout=10)
        assert page.status_code == 200, page.text[:500]
        assert "1.1.0" in page.text and "1.0.0" in page.text
        assert '<del dir="auto">100</del> → <ins dir="auto">120</ins>' in page.text
        assert "Column added: <code>synthetic_note</code>" in page.text
        assert httpx.get(base + "/release/CHANGELOG.md").content == (second.path / "CHANGELOG.md").read_bytes()
