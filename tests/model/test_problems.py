"""Problem codes live in one registry with their message templates (pipeline/model/problems.py):
every code the pipeline reports is registered, and a message is its code's template filled in."""
from __future__ import annotations

import ast

from pipeline.model.problems import REGISTRY, problem
from pipeline.settings import ROOT


def _calls(name: str):
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                yield path.relative_to(ROOT).as_posix(), node


def test_every_problem_code_the_pipeline_names_is_registered():
    named = {(where, call.args[0].value) for where, call in _calls("problem")
             if call.args and isinstance(call.args[0], ast.Constant)}
    assert named, "no problem(...) call found: the scan itself is broken"
    assert sorted((where, code) for where, code in named if code not in REGISTRY) == []
    # A code spelt at the call site bypasses the registry: a Problem is made only from a code.
    spelt = [(where, call.lineno) for where, call in _calls("Problem")
             if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)]
    assert spelt == []


def test_every_code_has_an_english_template_for_each_of_its_variants():
    assert [(code, variant) for code, c in REGISTRY.items() for variant, texts in c.templates.items()
            if not texts.get("en")] == []
    assert all(c.templates for c in REGISTRY.values())


def test_a_problem_message_is_its_code_template_filled_in():
    p = problem("range-error", "raw/events.csv", 4, "end_date", end="end_date", end_value="2024-01-01",
                start="start_date", start_value="2024-02-01")
    assert (p.file, p.row, p.field, p.code, p.message) == (
        "raw/events.csv", 4, "end_date", "range-error",
        "end_date '2024-01-01' is before start_date '2024-02-01'; swap them or correct one")
    p = problem("encoding-error", "raw/x.csv", 7, None, "not-utf8", byte=0xE9, line=7)
    assert p.message == "the file is not UTF-8 (byte 0xE9 at line 7); re-save it as 'CSV UTF-8'"
