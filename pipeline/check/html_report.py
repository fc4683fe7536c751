"""The validation report as a page to open (`build/validation-report.html`): one section a file,
each problem with its row as the file has it (the offending cell marked) and the fix in plain
words, in the maintainer's language, right to left in Arabic. Readable without a terminal; the
same report as the text and the JSON, with no date in it, so the same problems give the same bytes."""

from __future__ import annotations

import csv
import itertools
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2

from pipeline.model import Model
from pipeline.model.problems import fill_parts, message_parts
from pipeline.model.report import REPORT_WORDS, Problem, Report
from pipeline.model.texts import direction

# A file's problems shown one by one, the rest counted: the page stays light at national scale.
MAX_SHOWN_PER_FILE = 100
# The note beside the marked cell points at it: leftwards in French and English, rightwards in Arabic.
# A cell is shown up to this many characters (a damaged file can hold a megabyte in one cell).
MAX_CELL_SHOWN = 200

PAGE_WORDS = {
    "en": {
        "title": "Validation report",
        "sep": ", ",
        "problems": "{n} problems",
        "row": "Row {row}",
        "column": "column {field}",
        "whole_file": "The whole file",
        "the_row": "The row as the file has it",
        "this_cell": "← this cell",
        "code": "Code",
        "empty": "(empty)",
        "more": "{n} more problems of this file are in {json}.",
        "intro": "Each problem names the file, the row (the header is row 1) and the column, and says how to fix it. "
        "Correct the file, then run make validate again.",
    },
    "fr": {
        "title": "Rapport de validation",
        "sep": ", ",
        "problems": "{n} problèmes",
        "row": "Ligne {row}",
        "column": "colonne {field}",
        "whole_file": "Le fichier entier",
        "the_row": "La ligne telle qu'elle est dans le fichier",
        "this_cell": "← cette cellule",
        "code": "Code",
        "empty": "(vide)",
        "more": "{n} autres problèmes de ce fichier sont dans {json}.",
        "intro": "Chaque problème indique le fichier, la ligne (l'en-tête est la ligne 1) et la colonne, et dit comment "
        "le corriger. Corrigez le fichier, puis relancez make validate.",
    },
    "ar": {
        "title": "تقرير التحقق من البيانات",
        "sep": "، ",
        "problems": "عدد المشاكل: {n}",
        "row": "السطر {row}",
        "column": "العمود {field}",
        "whole_file": "الملف كله",
        "the_row": "السطر كما هو في الملف",
        "this_cell": "→ هذه الخانة",
        "code": "الرمز",
        "empty": "(فارغة)",
        "more": "توجد {n} مشاكل أخرى في هذا الملف، مذكورة في {json}.",
        "intro": "كل مشكلة تذكر الملف والسطر (سطر العناوين هو السطر 1) والعمود، وتشرح طريقة إصلاحها. صحّح الملف ثم أعد تشغيل make validate.",
    },
}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Cell:
    column: str
    title: str  # the column's title in the report's language, "" when the schema has none
    value: str
    marked: bool


@dataclass(frozen=True)
class Item:
    problem: Problem
    where: str
    fix: list[tuple[str, bool]]  # the message as (text, is_value) pieces, each value isolated on the page
    context: list[Cell] | None


@dataclass(frozen=True)
class FileSection:
    file: str
    title: str
    items: list[Item]
    hidden: int


def _read_rows(path: Path, wanted: set[int]) -> dict[int, list[str]]:
    """The records numbered `wanted` (the header is 1) of a CSV, read leniently: the file may be
    the damaged one the report is about."""
    found: dict[int, list[str]] = {}
    if not wanted or not path.is_file():
        return found
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
            for number, record in enumerate(itertools.islice(csv.reader(f), max(wanted)), start=1):
                if number in wanted:
                    found[number] = record
    except csv.Error:
        pass  # what was read before the damage is shown; the problem itself says what is wrong
    return found


def _context(
    problem: Problem, header: list[str] | None, record: list[str] | None, model: Model | None, table: str, lang: str
) -> list[Cell] | None:
    if header is None or record is None:
        return None
    fields = model.tables[table] if model and table in model.tables else None
    marked = set((problem.field or "").split(","))
    titles = {f.name: f.title.get(lang, "") for f in fields.fields} if fields else {}
    names = header + [""] * (len(record) - len(header))
    return [
        Cell(
            name,
            titles.get(name, ""),
            value[:MAX_CELL_SHOWN] + ("…" if len(value) > MAX_CELL_SHOWN else ""),
            name in marked or (problem.code == "extra-cell" and i >= len(header)),
        )
        for i, (name, value) in enumerate(itertools.zip_longest(names, record, fillvalue=""))
    ]


def sections(report: Report, root: Path, model: Model | None, lang: str) -> list[FileSection]:
    words = PAGE_WORDS[lang]
    by_file: dict[str, list[Problem]] = {}
    for p in report.sorted_problems():
        by_file.setdefault(p.file, []).append(p)
    out = []
    for file, problems in by_file.items():
        shown = problems[:MAX_SHOWN_PER_FILE]
        table = Path(file).stem if file.endswith(".csv") else ""
        rows = _read_rows(root / file, {1} | {p.row for p in shown if p.row}) if table else {}
        items = []
        for p in shown:
            where = words["row"].format(row=p.row) if p.row else words["whole_file"]
            if p.field:
                where += words["sep"] + words["column"].format(field=p.field)
            items.append(
                Item(p, where, message_parts(p, lang), _context(p, rows.get(1), rows.get(p.row), model, table, lang) if p.row else None)
            )
        title = model.tables[table].title.get(lang, "") if model and table in model.tables else ""
        out.append(FileSection(file, title, items, len(problems) - len(shown)))
    return out


def render(report: Report, root: Path, model: Model | None, lang: str, json_path: str | None = None) -> str:
    words = PAGE_WORDS[lang]
    if report.valid:
        summary = fill_parts(REPORT_WORDS[lang]["ok"], {"tables": report.tables, "rows": report.rows})
    else:
        counts = ", ".join(f"{n} {code}" for code, n in sorted(Counter(p.code for p in report.problems).items()))
        summary = fill_parts(REPORT_WORDS[lang]["failed"], {"count": len(report.problems), "counts": counts, "tables": report.tables})
    return _TEMPLATES.get_template("validation-report.html").render(
        lang=lang,
        dir=direction(lang),
        words=words,
        summary=summary,
        sections=sections(report, root, model, lang),
        json_path=json_path or "build/validation-report.json",
    )


def write(report: Report, path: Path, root: Path, model: Model | None, lang: str, json_path: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, root, model, lang, json_path), encoding="utf-8")
