"""Every problem code the pipeline reports, with its message templates, in one registry (as
frictionless keeps its error classes). A message is a template per language, filled with the
problem's values: only English today; Arabic and French templates go beside it, under "ar" and
"fr", and `message(code, lang)` picks them. Codes frictionless also reports keep its names, so a
report reads the same whichever path found the problem."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.model.report import Problem


@dataclass(frozen=True)
class Code:
    code: str
    # Where it comes from: "read" (the strict CSV reader), "check" (our conventions, the fast path),
    # "frictionless" (its verdicts, by its names), "rules" (metadata/rules.yaml), "import" (importers).
    stage: str
    # Message templates by variant ("" the usual one), each {lang: str.format template}.
    templates: dict[str, dict[str, str]]


def _code(code: str, stage: str, en: str | None = None, **variants: str) -> Code:
    templates = {"": {"en": en}} if en is not None else {}
    templates.update({name.replace("_", "-"): {"en": text} for name, text in variants.items()})
    return Code(code, stage, templates)


REGISTRY: dict[str, Code] = {c.code: c for c in (
    # The strict reader (read/csv.py) and its fast-path twin.
    _code("missing-file", "read", "the file is missing; create it with the header row of schemas/{table}.yaml"),
    _code("empty-file", "read", "the file is empty; it needs at least the header row"),
    _code("encoding-error", "read", utf16="the file is UTF-16; re-save it as 'CSV UTF-8'",
          not_utf8="the file is not UTF-8 (byte 0x{byte:02X} at line {line}); re-save it as 'CSV UTF-8'",
          nul="the file contains a NUL byte; it is binary or damaged"),
    _code("source-error", "read", "the CSV cannot be read ({reason}); check quotes around that line"),
    _code("cell-too-long", "read", "the cell holds {length:,} characters; the limit is {limit:,}"),
    # Which files and columns (check/validate.py, check/conventions.py).
    _code("unknown-table", "check", "no schema for this file; add schemas/{table}.yaml or move the file out of {folder}/"),
    _code("duplicate-label", "check", "the column {column!r} appears more than once; {hint}"),
    _code("missing-label", "check", "the column {column!r} is missing; {hint}"),
    _code("extra-label", "check", "unknown column {column!r}: add it to schemas/{table}.yaml or remove it from the file"),
    _code("incorrect-label", "check", "the columns are in another order; {hint}"),
    # The project's row conventions.
    _code("formula-injection", "check", "{start!r} starts like a spreadsheet formula; remove the leading {first!r}"),
    _code("range-error", "check", "{end} {end_value!r} is before {start} {start_value!r}; swap them or correct one"),
    _code("provenance-error", "check",
          "{together} go together: fill all or none (every published fact names its source and where in it)"),
    # frictionless's verdicts (check/frictionless.py), by its error types.
    _code("type-error", "frictionless", "{cell!r} is not a valid {type}{form}"),
    _code("constraint-error", "frictionless", "{cell!r} breaks a constraint: {note}",
          enum="{cell!r} is not an allowed code; use one of: {codes}",
          required="a value is required here",
          pattern="{cell!r} does not match the pattern {pattern!r}; check case and spaces",
          unique="{cell!r} appears more than once; it must be unique"),
    _code("unique-error", "frictionless", "{cell!r} appears more than once; it must be unique ({note})"),
    _code("primary-key", "frictionless", "duplicate identifier: {note} (the primary key {key} must be unique)"),
    _code("foreign-key", "frictionless", "{cells} is not a {fields} in raw/{table}.csv; add it there or correct this cell"),
    _code("extra-cell", "frictionless", "this row has more cells than the header ({cell!r} is extra); check for an unquoted comma"),
    _code("missing-cell", "frictionless", "this row has fewer cells than the header; check for a missing comma or value"),
    _code("blank-row", "frictionless", "the row is blank; delete it"),
    # metadata/rules.yaml (check/rules.py).
    _code("rule-error", "rules", "rule {rule} cannot run: {reason}"),
    _code("rule-violation", "rules", "{found} {description} (rule {rule} in metadata/rules.yaml)"),
    _code("cross-check-error", "rules", "{description} Found {actual}, expected {expected} (rule {rule} in metadata/rules.yaml)"),
    # The importers: each names what it could not place, in its own words.
    _code("import-error", "import", "{reason}"),
)}


def message(code: str, values: dict, variant: str = "", lang: str = "en") -> str:
    """The message of a problem, from its code's template in `lang` (English when it has none yet)."""
    templates = REGISTRY[code].templates[variant]
    return templates.get(lang, templates["en"]).format(**values)


def problem(code: str, file: str, row: int | None, field: str | None, variant: str = "", **values) -> Problem:
    """A Problem of a registered code, its message filled from the template."""
    return Problem(file, row, field, code, message(code, values, variant))
