"""Problem codes live in one registry with their message templates (pipeline/model/problems.py):
every code the pipeline reports is registered, each has its templates in Arabic, French and
English, and a message is its code's template filled in, in the language the maintainer reads."""

from __future__ import annotations

import ast
import json
import string

import pytest

from pipeline.model.problems import REGISTRY, TYPE_FORMS, TYPE_NAMES, language, problem
from pipeline.model.report import Report
from pipeline.model.texts import LANGS
from pipeline.settings import ROOT


def _calls(name: str):
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                yield path.relative_to(ROOT).as_posix(), node


def test_every_problem_code_the_pipeline_names_is_registered():
    named = {(where, call.args[0].value) for where, call in _calls("problem") if call.args and isinstance(call.args[0], ast.Constant)}
    assert named, "no problem(...) call found: the scan itself is broken"
    assert sorted((where, code) for where, code in named if code not in REGISTRY) == []
    # A code spelt at the call site bypasses the registry: a Problem is made only from a code.
    spelt = [
        (where, call.lineno)
        for where, call in _calls("Problem")
        if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    ]
    assert spelt == []


def test_a_problem_message_is_its_code_template_filled_in():
    p = problem(
        "range-error", "raw/events.csv", 4, "end_date", end="end_date", end_value="2024-01-01", start="start_date", start_value="2024-02-01"
    )
    assert (p.file, p.row, p.field, p.code, p.message) == (
        "raw/events.csv",
        4,
        "end_date",
        "range-error",
        "end_date '2024-01-01' is before start_date '2024-02-01'; swap them or correct one",
    )
    p = problem("encoding-error", "raw/x.csv", 7, None, "not-utf8", byte=0xE9, line=7)
    assert p.message == "the file is not UTF-8 (byte 0xE9 at line 7); re-save it as 'CSV UTF-8'"


def test_every_code_has_a_template_in_arabic_french_and_english_for_each_of_its_variants():
    assert [
        (code, variant, lang)
        for code, c in REGISTRY.items()
        for variant, texts in c.templates.items()
        for lang in LANGS
        if not texts.get(lang)
    ] == []
    assert set(REGISTRY["range-error"].templates[""]) == {"ar", "fr", "en"}


def test_each_language_of_a_template_takes_the_same_values_as_its_english():
    def names(template):
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert [
        (code, variant, lang)
        for code, c in REGISTRY.items()
        for variant, texts in c.templates.items()
        for lang in LANGS
        if names(texts[lang]) != names(texts["en"])
    ] == []


def test_a_problem_carries_its_message_in_each_language():
    p = problem(
        "range-error", "raw/events.csv", 4, "end_date", end="end_date", end_value="2024-01-01", start="start_date", start_value="2024-02-01"
    )
    assert p.messages == {
        "en": "end_date '2024-01-01' is before start_date '2024-02-01'; swap them or correct one",
        "fr": "end_date '2024-01-01' est antérieur à start_date '2024-02-01' ; inversez-les ou corrigez l'un des deux",
        "ar": "end_date '2024-01-01' يسبق start_date '2024-02-01'؛ بدّل بينهما أو صحّح أحدهما",
    }
    assert (p.text("fr"), p.text("ar")) == (p.messages["fr"], p.messages["ar"])


def test_a_word_inside_a_message_is_translated_with_it():
    p = problem(
        "type-error", "raw/events.csv", 2, "start_date", "form", cell="2025-02-30", type=TYPE_NAMES["date"], form=TYPE_FORMS["date"]
    )
    assert (p.text("en"), p.text("fr"), p.text("ar")) == (
        "'2025-02-30' is not a valid date (YYYY-MM-DD)",
        "'2025-02-30' n'est pas valide : il faut une date (AAAA-MM-JJ)",
        "'2025-02-30' غير صالح: المطلوب تاريخ بالصيغة YYYY-MM-DD",
    )


@pytest.mark.parametrize(
    "option, environ, expected",
    [
        ("fr", {"LANG": "ar_MA.UTF-8"}, "fr"),
        (None, {"LC_ALL": "ar_MA.UTF-8", "LANG": "fr_FR.UTF-8"}, "ar"),
        (None, {"LC_MESSAGES": "fr_MA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"LANG": "ar"}, "ar"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_the_language_is_the_option_else_the_locale_else_english(option, environ, expected):
    assert language(option, environ) == expected


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        language("de", {})


def test_the_json_report_keeps_code_file_row_column_and_the_message_in_all_three():
    report = Report(tables=1)
    report.add(problem("blank-row", "raw/events.csv", 5, None))
    [entry] = json.loads(report.to_json())["errors"]
    assert entry == {
        "file": "raw/events.csv",
        "row": 5,
        "field": None,
        "code": "blank-row",
        "message": "the row is blank; delete it",
        "messages": {"ar": "السطر فارغ؛ احذفه", "fr": "la ligne est vide ; supprimez-la", "en": "the row is blank; delete it"},
    }


def test_the_text_report_is_in_the_language_asked_for():
    report = Report(tables=3)
    report.add(problem("blank-row", "raw/events.csv", 5, "title"))
    assert report.to_text("fr").splitlines() == [
        "raw/events.csv, ligne 5, colonne 'title': la ligne est vide ; supprimez-la [blank-row]",
        "ÉCHEC : 1 problèmes (1 blank-row) dans 3 tables. Rien n'a été publié.",
    ]
    assert report.to_text("ar").splitlines() == [
        "raw/events.csv، السطر 5، العمود 'title': السطر فارغ؛ احذفه [blank-row]",
        "فشل التحقق: عدد المشاكل 1 (1 blank-row)، وعدد الجداول 3. لم يُنشر أي شيء.",
    ]
