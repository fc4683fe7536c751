"""frictionless's errors as the project's problems: a sentence that says how to fix each."""

from __future__ import annotations

from pipeline.model import Table
from pipeline.model.problems import REGISTRY, TYPE_FORMS, messages, type_name
from pipeline.model.report import Problem


def message_values(error, table: Table) -> tuple[str, dict]:
    """(template variant, values) of the registered message of a frictionless error."""
    d = error.to_descriptor()
    cell = d.get("cell")
    name = d.get("fieldName")
    if error.type == "type-error":
        f = table.field(name)
        form = f.format or TYPE_FORMS.get(f.type)
        return ("form" if form else ""), {"cell": cell, "type": type_name(f.type), "form": form}
    if error.type == "constraint-error":
        c = table.field(name).constraints
        note = d.get("note", "")
        for variant in ("enum", "required", "pattern", "unique"):
            if f'"{variant}"' in note:
                codes = ", ".join(map(str, table.field(name).codes or c.get("enum", [])))
                return variant, {"cell": cell, "codes": codes, "pattern": c.get("pattern")}
        return "", {"cell": cell, "note": note}
    if error.type == "primary-key":
        return "", {"note": d.get("note"), "key": ", ".join(table.primary_key)}
    if error.type == "foreign-key":
        return "", {
            "cells": ", ".join(repr(c) for c in d.get("fieldCells", [])),
            "table": d.get("referenceName") or table.name,
            "fields": ", ".join(d.get("referenceFieldNames", [])),
        }
    return "", {"cell": cell, "note": d.get("note")}


def _problem(error, table: Table, file: str, row: int | None, field: str | None) -> Problem:
    """A frictionless error as a problem whose message says how to fix it (its own English
    message for a type the registry has no sentence for)."""
    if error.type not in REGISTRY:
        return Problem(file, row, field, error.type, error.message, {"en": error.message})
    variant, values = message_values(error, table)
    texts = messages(error.type, values, variant)
    return Problem(file, row, field, error.type, texts["en"], texts, variant, values)


def problems(table: Table, file: str, errors) -> list[Problem]:
    """The problems of one table's frictionless errors (the in-memory report's, or the fast path's)."""
    out = []
    for error in errors:
        d = error.to_descriptor()
        if "fieldNames" in d:
            field = ",".join(d["fieldNames"])
        elif error.type == "primary-key":
            field = ",".join(table.primary_key)
        else:
            field = d.get("fieldName") or d.get("label") or None
        out.append(_problem(error, table, file, d.get("rowNumber"), field))
    return out


def report_problems(report, tables: dict[str, Table], files: dict[str, str]) -> list[Problem]:
    """Every problem of a frictionless package report."""
    return [p for task in report.tasks for p in problems(tables[task.name], files[task.name], task.errors)]
