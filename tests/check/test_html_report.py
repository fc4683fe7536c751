"""The validation report a maintainer opens (`build/validation-report.html`): written by
`python -m pipeline validate --report-html`, one section a file, each problem with its row (the
offending cell marked) and the fix in the maintainer's language, right to left in Arabic; seen in
Debian's chromium at a phone's and a desk's width, with no axe-core violation and no sideways scroll."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from pipeline.build.validation import validate
from pipeline.check import html_report
from pipeline.model import load_model
from pipeline.model.report import Report
from pipeline.settings import ROOT
from tests.helpers import BAD_INPUT_CASES
from tests.helpers import DATA, copy_project
from tests.portal.browser_audit import axe_violations

# Three defect fixtures, each in place of its table: a problem in three files.
DEFECTS = {"end-before-start.csv": "event_sessions", "out-of-enum.csv": "network_composition", "dangling-foreign-key.csv": "network_growth"}
WHERE = {
    "en": ["Row 2, column source_id", "Row 3, column kind", "Row 3, column end_time"],
    "fr": ["Ligne 2, colonne source_id", "Ligne 3, colonne kind", "Ligne 3, colonne end_time"],
    "ar": ["السطر 2، العمود source_id", "السطر 3، العمود kind", "السطر 3، العمود end_time"],
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A project with the three defects, validated once a language by the CLI as make validate runs it."""
    paths = copy_project(tmp_path_factory.mktemp("broken"))
    for fixture, table in DEFECTS.items():
        shutil.copy(DATA / fixture, paths.raw / f"{table}.csv")
    runs = {}
    for lang in ("ar", "fr", "en"):
        html, js = paths.root / "build" / f"report-{lang}.html", paths.root / "build" / "report.json"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "--root",
                str(paths.root),
                "validate",
                "--lang",
                lang,
                "--report-json",
                str(js),
                "--report-html",
                str(html),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        runs[lang] = (result, html, json.loads(js.read_text(encoding="utf-8")))
    return paths, runs


@pytest.mark.parametrize("lang, opens", [("ar", "التقرير للفتح: "), ("fr", "Rapport à ouvrir : "), ("en", "Report to open: ")])
def test_validate_prints_the_problems_in_the_language_asked_for_and_the_report_to_open(broken, lang, opens):
    _, runs = broken
    result, html, report = runs[lang]
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == opens + str(html)
    expected = [e["messages"][lang] for e in report["errors"]]
    assert [line.split(": ", 1)[1].rsplit(" [", 1)[0] for line in lines if line.startswith("raw/")] == expected
    assert html.is_file()


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_report_shows_each_file_each_problem_its_row_and_the_marked_cell(broken, browser, model, lang, direction, width):
    _, runs = broken
    _, html, report = runs[lang]
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.goto(html.as_uri())
        assert page.evaluate("[document.documentElement.lang, getComputedStyle(document.body).direction]") == [lang, direction]
        assert page.locator("h2 bdi").all_inner_texts() == [
            "raw/event_sessions.csv",
            "raw/network_composition.csv",
            "raw/network_growth.csv",
        ]
        problems = page.locator("ol.problems > li")
        assert [
            (problems.nth(i).locator("h3").inner_text(), problems.nth(i).locator("code").inner_text()) for i in range(problems.count())
        ] == list(zip([WHERE[lang][2], WHERE[lang][1], WHERE[lang][0]], ["range-error", "constraint-error", "foreign-key"]))
        assert problems.locator(".fix").all_inner_texts() == [e["messages"][lang] for e in report["errors"]]
        # The offending cell is marked in its row, beside the other cells of that row.
        marked = [
            (problems.nth(i).locator("dt.marked bdi").inner_text(), problems.nth(i).locator("dd.marked bdi").inner_text())
            for i in range(problems.count())
        ]
        assert marked == [("end_time", "10:00"), ("kind", "province"), ("source_id", "concept-note")]
        assert problems.nth(0).locator("dt").count() == len(model.tables["event_sessions"].fields)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert axe_violations(page) == []
        page.screenshot(path=str(html.with_suffix(f".{width}.png")), full_page=True)
    finally:
        page.close()


def test_a_valid_project_gets_a_report_that_says_so(tmp_path):
    report = Report(tables=34, rows=156)
    html_report.write(report, tmp_path / "r.html", tmp_path, None, "fr")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert re.search(r'<p class="summary">(.*)</p>', page).group(1) == ("OK : <bdi>34</bdi> tables, <bdi>156</bdi> lignes valides.")
    assert "<section" not in page


def test_the_same_problems_give_the_same_report_bytes(broken):
    paths, runs = broken
    _, html, _ = runs["ar"]
    again = paths.root / "build" / "again.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--root",
            str(paths.root),
            "validate",
            "--lang",
            "ar",
            "--report-json",
            str(paths.root / "build" / "report.json"),
            "--report-html",
            str(again),
        ],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert again.read_bytes() == html.read_bytes()


@pytest.mark.parametrize("fixture", sorted(BAD_INPUT_CASES))
def test_every_defect_fixture_gets_a_report_with_each_problem_and_its_marked_cell(fixture, tmp_path):
    paths = copy_project(tmp_path)
    table = BAD_INPUT_CASES[fixture][0]
    shutil.copy(DATA / fixture, paths.raw / f"{table}.csv")
    model = load_model(paths.schemas, paths.metadata)
    report, _ = validate(paths.raw, model)
    assert not report.valid
    for lang in ("ar", "fr", "en"):
        page = html_report.render(report, paths.root, model, lang)
        assert page.count("<li>") == len(report.problems)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in page
    # A problem on a row and a column of a readable row (the header is row 1) shows that row with its
    # cell marked; a missing column has no cell to mark, an undecodable row no row to show.
    marked = [p for p in report.problems if p.row and p.field and p.code not in ("encoding-error", "missing-label")]
    page = html_report.render(report, paths.root, model, "en")
    assert page.count('<dd class="marked">') == len(marked)
