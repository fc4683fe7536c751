"""Validation of raw/ against the schemas: every table's file, header, types, constraints and keys
(frictionless in memory; DuckDB for large files, with frictionless's verdicts), then the project's
conventions. Collects every problem; never stops at the first. The rules of metadata/rules.yaml
need the release database and run after the build (pipeline.build.validation, check.rules)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from frictionless import Package, Resource, Schema

from pipeline.check import conventions, fast, frictionless
from pipeline.model import Model
from pipeline.model.problems import problem
from pipeline.model.report import Problem, Report
from pipeline.read import csv as strict_csv
from pipeline.read.text import normalise_rows
from pipeline import progress
from pipeline.timing import stage

# frictionless stops at 1,000 errors by default: a maintainer must see them all.
NO_LIMIT = 10**9


def check_tables(raw_dir: Path, model: Model, fast_min_bytes: int | None = None,
                 slow: frozenset = frozenset()) -> tuple[Report, dict]:
    """Check raw/ against the model; return the report and, when valid, the normalised rows.

    Tables whose CSV has at least `fast_min_bytes` (default fast.MIN_BYTES) are checked in DuckDB
    with the same verdicts (pipeline/check/fast.py); their rows stay on disk and come back as a
    fast.LargeCsv to be streamed by the build."""
    raw_dir = Path(raw_dir)
    size = sum(p.stat().st_size for p in raw_dir.glob("*.csv"))
    progress.say(f"Checking {len(model.tables)} tables of {raw_dir.name}/ ({progress.size(size)}) against schemas/")
    with stage("schema checks"):
        report, tables = _schema_checks(raw_dir, model, fast_min_bytes, slow)
    return report, (tables if report.valid else {})


def _schema_checks(raw_dir: Path, model: Model, fast_min_bytes: int | None, slow: frozenset) -> tuple[Report, dict]:
    report = Report(tables=len(model.tables))
    prefix = raw_dir.name
    files = {name: f"{prefix}/{name}.csv" for name in model.tables}
    for extra in sorted(set(p.stem for p in raw_dir.glob("*.csv")) - set(model.tables)):
        report.add(problem("unknown-table", f"{prefix}/{extra}.csv", None, None, table=extra, folder=prefix))
    loaded: dict[str, strict_csv.RawTable] = {}
    large = large_tables(raw_dir, model, fast.min_bytes() if fast_min_bytes is None else fast_min_bytes, slow)
    for name in model.tables:
        if name in large:
            continue
        table, problems = strict_csv.read_csv(raw_dir / f"{name}.csv", files[name])
        report.add(*problems)
        if table:
            loaded[name] = table
            report.rows += len(table.rows)
    readable = {}
    for name, t in loaded.items():
        problems = conventions.header_problems(model.tables[name], t.header, files[name])
        report.add(*problems)
        if not problems:
            readable[name] = t
    # frictionless checks the tables in memory (Python) while DuckDB checks the large ones (which
    # lets go of the interpreter while it works): on two cores the two overlap.
    with ThreadPoolExecutor(1) as pool:
        in_memory = pool.submit(_in_memory_checks, model, readable, files)
        try:
            checked = _fast_path(raw_dir, model, large, files, readable, report)
        except fast.Fallback as exc:  # a damaged large file: start again with it (and what it refers to) in memory
            in_memory.result()
            return _schema_checks(raw_dir, model, fast_min_bytes, slow | {exc.args[0]})
        report.add(*in_memory.result())
    if not report.valid:
        return report, {}
    tables = {name: normalise_rows(t.rows, [f.type for f in model.tables[name].fields]) for name, t in loaded.items()}
    tables.update(checked)
    return report, tables


def _in_memory_checks(model: Model, readable: dict[str, strict_csv.RawTable], files: dict[str, str]) -> list[Problem]:
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
        out += frictionless.report_problems(fl_report, model.tables, files)
    for name, t in readable.items():
        out += conventions.pair_rules(model.tables[name], files[name], t.rows)
        out += conventions.formula_cells(model.tables[name], files[name], t.rows)
    return out


def large_tables(raw_dir: Path, model: Model, min_bytes: int, slow: frozenset = frozenset()) -> set[str]:
    """Tables for the fast path: big files, and every table that refers to one (frictionless
    needs the table a foreign key points into in memory, so a table that refers to one left on
    disk is checked in DuckDB too); `slow` ones, and the tables they refer to, stay in memory."""
    files = {n: raw_dir / f"{n}.csv" for n in model.tables}
    on_disk = {n for n in model.tables if n not in slow and files[n].is_file() and files[n].stat().st_size >= min_bytes}
    while grown := {n for n, t in model.tables.items() if n not in on_disk and n not in slow and files[n].is_file()
                    and any(fk.table in on_disk for fk in t.foreign_keys)}:
        on_disk |= grown
    # A table left in memory (a slow one) pins what it refers to in memory, and so on down.
    while pinned := {fk.table for n, t in model.tables.items() if n not in on_disk for fk in t.foreign_keys} & on_disk:
        on_disk -= pinned
    return on_disk


def read_valid(raw_dir: Path, model: Model) -> dict:
    """A project already known to be valid, as check_tables hands it to the build (routed the same
    way, nothing checked again): for timing the build on its own (make bench)."""
    large = large_tables(raw_dir, model, fast.min_bytes())
    tables = {}
    for name, table in model.tables.items():
        path = raw_dir / f"{name}.csv"
        if name in large:
            tables[name] = fast.LargeCsv(path, 0, table)
        else:
            raw, _ = strict_csv.read_csv(path, name)
            tables[name] = normalise_rows(raw.rows, [f.type for f in table.fields])
    return tables


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
    with fast.Checker(in_memory=size <= fast.in_memory_max_bytes()) as checker:
        for name in model.tables:  # referenced tables first
            if name not in large:
                continue
            table, path = model.tables[name], raw_dir / f"{name}.csv"
            try:
                header = fast.read_header(path)
                problems = conventions.header_problems(table, header, files[name])
                report.add(*problems)
                if problems:
                    continue
                small = {n: (model.tables[n], t.header, t.rows) for n, t in readable.items()}
                size = path.stat().st_size
                with progress.rows(f"checking {name} in DuckDB ({progress.size(size)})",
                                   announce=size >= progress.ANNOUNCE_BYTES) as tracker:
                    result = checker.check(table, path, files[name], small, strict_csv.MAX_CELL_CHARS,
                                           wanted.get(name, set()))
                    tracker.advance(result.rows)
            except fast.Fallback as exc:
                raise fast.Fallback(name) from exc
            report.rows += result.rows
            report.add(*frictionless.problems(table, files[name], result.errors))
            report.add(*result.problems)
            if result.readable:
                checked[name] = fast.LargeCsv(path, result.rows, table)
    return checked
