"""The workbook route into raw/ (pipeline/importers/workbook.py): `python -m pipeline workbook`
writes one sheet a table from schemas/ with today's rows, drop-down lists and titles in three
languages; `import-workbook` reads it back strictly. A round trip gives raw/ byte for byte; an
edited row changes that row alone; each kind of bad workbook is refused with sheet, row and column,
and raw/ is left as it was."""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter
import pytest

from pipeline.importers import workbook
from pipeline.model import load_model
from pipeline.settings import ROOT

NAME = "remacto.xlsx"


def digest(folder) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def written(project):
    model = load_model(project.schemas, project.metadata)
    path = project.root / NAME
    workbook.write_workbook(model, project.raw, path)
    return project, model, path


def edit(path, change) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def test_a_round_trip_of_todays_raw_through_the_workbook_gives_the_same_files_byte_for_byte(written):
    project, model, path = written
    before = digest(project.raw)
    result = workbook.import_workbook(path, model, project.raw)
    assert digest(project.raw) == before
    assert [name for name, (_, changed) in result.items() if changed] == []
    assert result["collectivities"] == (29, False)
    # Two tables quote cells the csv module would not: their lines came back as they were.
    assert (project.raw / "sources.csv").read_bytes() == (ROOT / "raw" / "sources.csv").read_bytes()


def test_the_workbook_has_a_sheet_a_table_titles_in_three_languages_and_drop_down_lists(written):
    _, model, path = written
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [*model.tables, workbook.LISTS_SHEET]
    assert wb[workbook.LISTS_SHEET].sheet_state == "hidden"
    ws = wb["network_composition"]
    table = model.tables["network_composition"]
    assert [c.value for c in ws[1]] == table.field_names
    kind = model.tables["network_composition"].field("kind")
    assert ws["A2"].value == f"{kind.title['ar']} · {kind.title['fr']} · {kind.title['en']} (string, إلزامي · obligatoire · required)"
    first = next(csv.reader((ROOT / "raw" / "network_composition.csv").read_text(encoding="utf-8").splitlines()[1:2]))
    assert [c.value or "" for c in ws[3]] == first
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    # The codes of kind, from the hidden sheet of lists; source_id, from the ids of the sources sheet.
    last = 3 + 3 + workbook.ROOM_FOR_NEW_ROWS
    formula = re.fullmatch(r"='_lists'!\$([A-Z]+)\$1:\$\1\$(\d+)", lists[f"A3:A{last}"])
    assert formula and int(formula.group(2)) == len(kind.codes)
    column = column_index_from_string(formula.group(1))
    assert [wb[workbook.LISTS_SHEET].cell(row, column).value for row in range(1, len(kind.codes) + 2)] == [*kind.codes, None]
    source = get_column_letter(table.field_names.index("source_id") + 1)
    sources = len(list(csv.reader((ROOT / "raw" / "sources.csv").open(encoding="utf-8", newline="")))) - 1
    assert lists[f"{source}3:{source}{last}"] == f"='sources'!$A$3:$A${3 + sources + workbook.ROOM_FOR_NEW_ROWS}"


def test_where_a_members_hcp_unit_is_entered_the_workbook_offers_the_hcp_codes(written):
    """A member anywhere in Morocco is linked by choosing its commune, province or region code from
    the lists of the HCP sheets (the foreign keys of collectivity_hcp_units)."""
    _, model, path = written
    wb = openpyxl.load_workbook(path)
    ws, table = wb["collectivity_hcp_units"], model.tables["collectivity_hcp_units"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    room = workbook.ROOM_FOR_NEW_ROWS
    for column, sheet, rows in (
        ("region_code", "hcp_regions", 12),
        ("province_code", "hcp_provinces", 83),
        ("commune_code", "hcp_communes", 1503),
    ):
        letter = get_column_letter(table.field_names.index(column) + 1)
        assert lists[f"{letter}3"] == f"='{sheet}'!$A$3:$A${3 + rows + room}", column
    method = get_column_letter(table.field_names.index("match_method") + 1)
    assert lists[f"{method}3"].startswith("='_lists'!")


def test_an_edited_row_changes_that_row_alone(written):
    project, model, path = written
    before = (project.raw / "network_composition.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    ref = get_column_letter(model.tables["network_composition"].field_names.index("source_ref") + 1)
    edit(path, lambda wb: setattr(wb["network_composition"][f"{ref}3"], "value", "p. 2"))
    result = workbook.import_workbook(path, model, project.raw)
    assert [name for name, (_, changed) in result.items() if changed] == ["network_composition"]
    after = (project.raw / "network_composition.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(csv.reader(before[1:2]))
    row[model.tables["network_composition"].field_names.index("source_ref")] = "p. 2"
    assert after == [before[0], ",".join(row) + "\n", *before[2:]]


def unknown_sheet(wb):
    wb.create_sheet("Feuil1")


def unknown_column(wb):
    wb["network_composition"]["E4"] = "note"


def bad_code(wb):
    wb["network_composition"]["A4"] = "province"


def formula_cell(wb):
    wb["network_composition"]["B5"] = "=12+187"


def merged_cells(wb):
    wb["collectivities"].merge_cells("B3:C3")


def titles_row_deleted(wb):
    wb["events"].delete_rows(2)


@pytest.mark.parametrize(
    "defect, expected",
    [
        (unknown_sheet, {(f"[{NAME}]Feuil1", None, None, "workbook-unknown-sheet")}),
        (unknown_column, {(f"[{NAME}]network_composition", 4, None, "workbook-unknown-column")}),
        (bad_code, {(f"[{NAME}]network_composition", 4, "kind", "constraint-error")}),
        (formula_cell, {(f"[{NAME}]network_composition", 5, "members", "workbook-formula")}),
        (merged_cells, {(f"[{NAME}]collectivities", 3, None, "workbook-merged-cells")}),
        (titles_row_deleted, {(f"[{NAME}]events", 2, None, "workbook-titles-row")}),
    ],
)
def test_each_kind_of_bad_workbook_is_refused_with_sheet_row_and_column_and_nothing_is_written(written, defect, expected):
    project, model, path = written
    before = digest(project.raw)
    edit(path, defect)
    with pytest.raises(workbook.WorkbookError) as refused:
        workbook.import_workbook(path, model, project.raw)
    assert {(p.file, p.row, p.field, p.code) for p in refused.value.report.problems} == expected
    assert all(set(p.messages) == {"ar", "fr", "en"} for p in refused.value.report.problems)
    assert digest(project.raw) == before


def test_import_workbook_says_what_is_wrong_in_french_and_writes_nothing(written):
    project, model, path = written
    edit(path, bad_code)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(project.root), "import-workbook", str(path), "--lang", "fr"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert [re.sub(r"\(.*?\)", "(…)", line, count=1) if line.startswith("Checking") else line for line in result.stderr.splitlines()] == [
        f"Checking {len(model.tables)} tables of raw/ (…) against schemas/",
        f"[{NAME}]network_composition, ligne 4, colonne 'kind': 'province' n'est pas un code autorisé ; utilisez "
        "l'un de ceux-ci : region, prefecture_or_province_council, commune [constraint-error]",
        "ÉCHEC : 1 problèmes dans le classeur. Rien n'a été écrit dans raw/.",
    ]


def test_make_workbook_then_import_leaves_raw_as_it_was_and_says_so(project, model):
    rows = sum(len(list(csv.reader((project.raw / f"{name}.csv").open(encoding="utf-8", newline="")))) - 1 for name in model.tables)
    run = [sys.executable, "-m", "pipeline", "--root", str(project.root)]
    before = digest(project.raw)
    wrote = subprocess.run([*run, "workbook"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert wrote.stdout.startswith(f"Wrote {project.root / 'workbook' / NAME}: {len(model.tables)} sheets, {rows} rows.")
    imported = subprocess.run(
        [*run, "import-workbook", str(project.root / "workbook" / NAME)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert imported.stdout == "raw/ is unchanged: the workbook holds what raw/ holds. Now run: make publish\n"
    assert digest(project.raw) == before
