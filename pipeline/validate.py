"""Validation: every raw table against its schema (frictionless), then the rules a schema
cannot express. Collects every problem; never stops at the first."""
from __future__ import annotations

import re
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from frictionless import Package, Resource, Schema

from . import build, fastcheck, load, normalise
from .model import Model, Table
from .report import Problem, Report
from .timing import stage

# frictionless stops at 1,000 errors by default: a maintainer must see them all.
NO_LIMIT = 10**9
# A spreadsheet runs a cell that starts with = + @ (or tab/CR before one) as a formula, and
# "-2+3+cmd|..." too. A leading "-" is kept only before digits and time punctuation: the
# source's right-to-left time ranges ("-9:30 10:00") start with one.
FORMULA_START = re.compile(r"^[=+@\t\r]|^-(?![0-9][0-9:., \-]*$)")


def _plain_message(error, table: Table) -> str:
    """Turn a frictionless error into a sentence that says how to fix it."""
    d = error.to_descriptor()
    cell = d.get("cell")
    name = d.get("fieldName")
    if error.type == "type-error":
        f = table.field(name)
        fmt = f" in the form {f.format}" if f.format else {"date": " (YYYY-MM-DD)", "year": " (YYYY)"}.get(f.type, "")
        return f"{cell!r} is not a valid {f.type}{fmt}"
    if error.type == "constraint-error":
        c = table.field(name).constraints
        note = d.get("note", "")
        if '"enum"' in note:
            return f"{cell!r} is not an allowed code; use one of: {', '.join(map(str, table.field(name).codes or c.get('enum', [])))}"
        if '"required"' in note:
            return "a value is required here"
        if '"pattern"' in note:
            return f"{cell!r} does not match the pattern {c.get('pattern')!r}; check case and spaces"
        if '"unique"' in note:
            return f"{cell!r} appears more than once; it must be unique"
        return f"{cell!r} breaks a constraint: {note}"
    if error.type == "unique-error":
        return f"{cell!r} appears more than once; it must be unique ({d.get('note')})"
    if error.type == "primary-key":
        return f"duplicate identifier: {d.get('note')} (the primary key {', '.join(table.primary_key)} must be unique)"
    if error.type == "foreign-key":
        ref = d.get("referenceName") or table.name
        cells = ", ".join(repr(c) for c in d.get("fieldCells", []))
        return f"{cells} is not a {', '.join(d.get('referenceFieldNames', []))} in raw/{ref}.csv; add it there or correct this cell"
    if error.type == "extra-cell":
        return f"this row has more cells than the header ({cell!r} is extra); check for an unquoted comma"
    if error.type == "missing-cell":
        return "this row has fewer cells than the header; check for a missing comma or value"
    if error.type == "blank-row":
        return "the row is blank; delete it"
    return error.message


def _problems_from_frictionless(report, tables: dict[str, Table], files: dict[str, str]) -> list[Problem]:
    out = []
    for task in report.tasks:
        table = tables[task.name]
        for error in task.errors:
            d = error.to_descriptor()
            if "fieldNames" in d:
                field = ",".join(d["fieldNames"])
            elif error.type == "primary-key":
                field = ",".join(table.primary_key)
            else:
                field = d.get("fieldName") or d.get("label") or None
            out.append(Problem(files[task.name], d.get("rowNumber"), field, error.type, _plain_message(error, table)))
    return out


def _header_problems(table: Table, header: list[str], file: str) -> list[Problem]:
    """Columns are matched by name and must be exactly the schema's, in its order."""
    expected = table.field_names
    if header == expected:
        return []
    out = []
    hint = f"the header of {file} must be exactly: {','.join(expected)}"
    for name in sorted({h for h in header if header.count(h) > 1}):
        out.append(Problem(file, 1, name, "duplicate-label", f"the column {name!r} appears more than once; {hint}"))
    for name in expected:
        if name not in header:
            out.append(Problem(file, 1, name, "missing-label", f"the column {name!r} is missing; {hint}"))
    for name in dict.fromkeys(header):
        if name not in expected:
            out.append(Problem(file, 1, name or None, "extra-label",
                               f"unknown column {name!r}: add it to schemas/{table.name}.yaml or remove it from the file"))
    if not out:
        out.append(Problem(file, 1, None, "incorrect-label", f"the columns are in another order; {hint}"))
    return out


def _formula_cells(table: Table, file: str, rows: list[list[str]]) -> list[Problem]:
    """Text cells a spreadsheet would execute are refused at the door, so no export carries one."""
    text_columns = [i for i, f in enumerate(table.fields) if f.type == "string"]
    return [
        Problem(file, number, table.fields[i].name, "formula-injection",
                f"{row[i][:40]!r} starts like a spreadsheet formula; remove the leading {row[i][:1]!r}")
        for number, row in enumerate(rows, start=2)
        for i in text_columns
        if i < len(row) and FORMULA_START.match(row[i])
    ]


def _pair_rules(table: Table, file: str, rows: list[list[str]]) -> list[Problem]:
    """Rules named by convention: start_X <= end_X, and X present exactly when X_source_id (and X_ref) are."""
    names = table.field_names
    out = []
    pairs = [(f, "end_" + f[6:]) for f in names if f.startswith("start_") and "end_" + f[6:] in names]
    sourced = provenance_groups(names)
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(names, row))
        for start, end in pairs:
            a, b = cells.get(start, ""), cells.get(end, "")
            # Zero-pad H:MM so that 9:30 and 09:30 compare as times.
            a_key, b_key = (v.zfill(5) if table.field(start).type == "time" else v for v in (a, b))
            if a and b and b_key < a_key:
                out.append(Problem(file, number, end, "range-error", f"{end} {b!r} is before {start} {a!r}; swap them or correct one"))
        for group in sourced:
            filled = [bool(cells.get(f)) for f in group]
            if any(filled) and not all(filled):
                together = ", ".join(group[:-1]) + " and " + group[-1]
                out += [Problem(file, number, f, "provenance-error",
                                f"{together} go together: fill all or none (every published fact names its source and where in it)")
                        for f, has in zip(group, filled) if not has]
    return out


def provenance_groups(names: list[str]) -> list[tuple[str, ...]]:
    """Columns filled together by convention: X with X_source_id, and X_ref where the table has it."""
    groups = []
    for f in names:
        value = f[: -len("_source_id")]
        if f.endswith("_source_id") and value in names:
            groups.append((value, f) + ((value + "_ref",) if value + "_ref" in names else ()))
    return groups


def _violations(rule: dict, db: sqlite3.Connection) -> list[Problem]:
    """The row-level rule form: `violations` SQL returns (rowid, message) per offending row of `file`.
    Rows are inserted in file order, so rowid n is spreadsheet row n + 1 (the header is row 1)."""
    try:
        found = db.execute(rule["violations"]).fetchall()
    except sqlite3.Error as exc:
        return [Problem("metadata/rules.yaml", None, None, "rule-error", f"rule {rule['id']} cannot run: {exc}")]
    return [
        Problem(rule["file"], rowid + 1, rule.get("field"), "rule-violation",
                f"{message} {rule['description'].strip()} (rule {rule['id']} in metadata/rules.yaml)")
        for rowid, message in found
    ]


def _cross_checks(model: Model, db: sqlite3.Connection) -> list[Problem]:
    out = []
    for rule in model.rules:
        if "violations" in rule:
            out.extend(_violations(rule, db))
            continue
        try:
            actual = db.execute(rule["actual"]).fetchone()[0]
            expected = rule["expected"]
            if isinstance(expected, str):
                expected = db.execute(expected).fetchone()[0]
        except sqlite3.Error as exc:
            out.append(Problem("metadata/rules.yaml", None, None, "rule-error", f"rule {rule['id']} cannot run: {exc}"))
            continue
        if actual != expected:
            out.append(
                Problem(rule["file"], None, rule.get("field"), "cross-check-error",
                        f"{rule['description'].strip()} Found {actual}, expected {expected} (rule {rule['id']} in metadata/rules.yaml)")
            )
    return out


def validate(raw_dir: Path, model: Model, fast_min_bytes: int | None = None,
             slow: frozenset = frozenset(), rules: bool = True) -> tuple[Report, dict[str, list[list[str]]]]:
    """Validate raw/ against the model; return the report and, when valid, the normalised rows.

    Tables whose CSV has at least `fast_min_bytes` (default fastcheck.MIN_BYTES) are checked in
    DuckDB with the same verdicts (pipeline/fastcheck.py); their rows stay on disk and come back
    as a fastcheck.LargeCsv to be streamed by the build. The rules of metadata/rules.yaml run last,
    on the release's SQLite database loaded into a temporary file (on disk, so a national table
    never has to fit in memory; publish loads it in its staging folder and calls check_rules).
    `rules=False` stops after the checks frictionless makes (schemas, keys) and the conventions."""
    raw_dir = Path(raw_dir)
    with stage("schema checks"):
        report, tables = _schema_checks(raw_dir, model, fast_min_bytes, slow)
    if not report.valid or not rules:
        return report, (tables if report.valid else {})
    with tempfile.TemporaryDirectory(prefix="remacto-rules-") as tmp:
        db_path = Path(tmp) / "rules.db"
        with stage("sqlite load"):
            build.load_release_db(model, tables, db_path)
        with stage("rules"):
            report.add(*check_rules(model, db_path))
    return report, (tables if report.valid else {})


def check_rules(model: Model, db_path: Path) -> list[Problem]:
    """The rules of metadata/rules.yaml, run on a database build.load_release_db loaded."""
    with build.sqlite_connection(db_path) as db:
        return _cross_checks(model, db)


def _schema_checks(raw_dir: Path, model: Model, fast_min_bytes: int | None, slow: frozenset) -> tuple[Report, dict]:
    report = Report(tables=len(model.tables))
    prefix = raw_dir.name
    files = {name: f"{prefix}/{name}.csv" for name in model.tables}
    for extra in sorted(set(p.stem for p in raw_dir.glob("*.csv")) - set(model.tables)):
        report.add(Problem(f"{prefix}/{extra}.csv", None, None, "unknown-table",
                           f"no schema for this file; add schemas/{extra}.yaml or move the file out of {prefix}/"))
    loaded: dict[str, load.RawTable] = {}
    large = _large_tables(raw_dir, model, fastcheck.min_bytes() if fast_min_bytes is None else fast_min_bytes, slow)
    for name in model.tables:
        if name in large:
            continue
        table, problems = load.read_csv(raw_dir / f"{name}.csv", files[name])
        report.add(*problems)
        if table:
            loaded[name] = table
            report.rows += len(table.rows)
    readable = {}
    for name, t in loaded.items():
        problems = _header_problems(model.tables[name], t.header, files[name])
        report.add(*problems)
        if not problems:
            readable[name] = t
    # frictionless checks the tables in memory (Python) while DuckDB checks the large ones (which
    # lets go of the interpreter while it works): on two cores the two overlap.
    with ThreadPoolExecutor(1) as pool:
        in_memory = pool.submit(_in_memory_checks, model, readable, files)
        try:
            checked = _fast_path(raw_dir, model, large, files, readable, report)
        except fastcheck.Fallback as exc:  # a damaged large file: start again with it (and what it refers to) in memory
            in_memory.result()
            return _schema_checks(raw_dir, model, fast_min_bytes, slow | {exc.args[0]})
        report.add(*in_memory.result())
    if not report.valid:
        return report, {}
    tables = {name: normalise.normalise_rows(t.rows, [f.type for f in model.tables[name].fields]) for name, t in loaded.items()}
    tables.update(checked)
    return report, tables


def _in_memory_checks(model: Model, readable: dict[str, load.RawTable], files: dict[str, str]) -> list[Problem]:
    """frictionless's verdicts on the tables read into memory, then the project's row conventions."""
    resources, out = [], []
    for name, t in readable.items():
        descriptor = model.tables[name].frictionless_schema()
        # A table whose file or header is broken cannot serve as a lookup; that problem is reported.
        descriptor["foreignKeys"] = [
            fk for fk in descriptor.get("foreignKeys", []) if (fk["reference"]["resource"] or name) in readable
        ]
        resources.append(Resource(name=name, data=[t.header, *t.rows], schema=Schema.from_descriptor(descriptor)))
    if resources:
        fl_report = Package(resources=resources).validate(limit_errors=NO_LIMIT)
        out += _problems_from_frictionless(fl_report, model.tables, files)
    for name, t in readable.items():
        out += _pair_rules(model.tables[name], files[name], t.rows)
        out += _formula_cells(model.tables[name], files[name], t.rows)
    return out


def _large_tables(raw_dir: Path, model: Model, min_bytes: int, slow: frozenset) -> set[str]:
    """Tables for the fast path: big files, and every table that refers to one (frictionless
    needs the table a foreign key points into in memory, so a table that refers to one left on
    disk is checked in DuckDB too); `slow` ones, and the tables they refer to, stay in memory."""
    files = {n: raw_dir / f"{n}.csv" for n in model.tables}
    fast = {n for n in model.tables if n not in slow and files[n].is_file() and files[n].stat().st_size >= min_bytes}
    while grown := {n for n, t in model.tables.items() if n not in fast and n not in slow and files[n].is_file()
                    and any(fk.table in fast for fk in t.foreign_keys)}:
        fast |= grown
    # A table left in memory (a slow one) pins what it refers to in memory, and so on down.
    while pinned := {fk.table for n, t in model.tables.items() if n not in fast for fk in t.foreign_keys} & fast:
        fast -= pinned
    return fast


def _fast_path(raw_dir, model, large, files, readable, report) -> dict:
    """Check the large tables in DuckDB; a file DuckDB cannot read strictly goes the slow way."""
    checked = {}
    if not large:
        return checked
    wanted: dict[str, set[str]] = {}
    for t in model.tables.values():
        for fk in t.foreign_keys:
            wanted.setdefault(fk.table, set()).update(fk.ref_fields)
    size = sum((raw_dir / f"{name}.csv").stat().st_size for name in large)
    with fastcheck.Checker(in_memory=size <= fastcheck.in_memory_max_bytes()) as checker:
        for name in model.tables:  # referenced tables first
            if name not in large:
                continue
            table, path = model.tables[name], raw_dir / f"{name}.csv"
            try:
                header = fastcheck.read_header(path)
                problems = _header_problems(table, header, files[name])
                report.add(*problems)
                if problems:
                    continue
                small = {n: (model.tables[n], t.header, t.rows) for n, t in readable.items()}
                result = checker.check(table, path, files[name], small, load.MAX_CELL_CHARS, wanted.get(name, set()))
            except fastcheck.Fallback as exc:
                raise fastcheck.Fallback(name) from exc
            report.rows += result.rows
            report.add(*_problems_from_frictionless(_Task(name, result.errors), model.tables, files))
            report.add(*result.problems)
            if result.readable:
                checked[name] = fastcheck.LargeCsv(path, result.rows, table)
    return checked


class _Task:
    """The shape of a frictionless report, for errors found by the fast path."""

    def __init__(self, name, errors):
        self.tasks = [self]
        self.name, self.errors = name, errors
