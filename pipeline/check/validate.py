"""Validation of raw/ against the schemas: every table's file, header, types, constraints and keys
(in DuckDB, one scan a table, with frictionless's verdicts on every doubtful cell; frictionless in
memory for a file DuckDB cannot read strictly), then the project's conventions. Collects every
problem; never stops at the first. The rules of metadata/rules.yaml need the release database and
run after the build (pipeline.build.validation, check.rules)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def check_tables(
    raw_dir: Path,
    model: Model,
    fast_min_bytes: int | None = None,
    slow: frozenset = frozenset(),
    reference: bool = False,
    known: dict[str, int] | None = None,
) -> tuple[Report, dict]:
    """Check raw/ against the model; return the report and, when valid, the normalised rows.

    Every table is checked in DuckDB with frictionless's verdicts (pipeline/check/fast.py). Tables
    whose CSV has at least `fast_min_bytes` (default fast.MIN_BYTES) are read by DuckDB from disk;
    their rows stay there and come back as a fast.LargeCsv to be streamed by the build. The others
    are read into memory first (the strict reader names a damaged file's defect). `reference`: the
    tables read into memory are checked by frictionless itself, as they are when one of them has
    a row of the wrong length (the differential tests compare the two). `known`: tables found clean
    before with the same inputs (their bytes, schema, code and the tables they refer to; publish's
    build cache), with their rows: a large one is not read again unless a table checked now refers
    to it (see _reused)."""
    raw_dir = Path(raw_dir)
    size = sum(p.stat().st_size for p in raw_dir.glob("*.csv"))
    progress.say(f"Checking {len(model.tables)} tables of {raw_dir.name}/ ({progress.size(size)}) against schemas/")
    with stage("schema checks"):
        report, tables = _schema_checks(raw_dir, model, fast_min_bytes, slow, reference, known or {})
    return report, (tables if report.valid else {})


def _schema_checks(
    raw_dir: Path, model: Model, fast_min_bytes: int | None, slow: frozenset, reference: bool, known: dict[str, int]
) -> tuple[Report, dict]:
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
    # A row of the wrong length is frictionless's to name (missing or extra cells, with the rest
    # of its row's verdicts): then the tables in memory are all its, as the tables they refer to.
    by_frictionless = reference or any(len(row) != len(t.header) for t in readable.values() for row in t.rows)
    in_duckdb = {} if by_frictionless else readable
    with ThreadPoolExecutor(1) as pool:
        # frictionless checks the tables in memory (Python) while DuckDB checks the others (which
        # lets go of the interpreter while it works): on two cores the two overlap.
        in_memory = pool.submit(_in_memory_checks, model, readable, files) if by_frictionless else None
        try:
            reused = _reused(model, large, known)
            checked = _duckdb_checks(raw_dir, model, large - set(reused), in_duckdb, files, {} if in_duckdb else readable, report)
            for name, rows in reused.items():
                report.rows += rows
                checked[name] = fast.LargeCsv(raw_dir / f"{name}.csv", rows, model.tables[name])
        except fast.Fallback as exc:  # a damaged large file: start again with it (and what it refers to) in memory
            if in_memory:
                in_memory.result()
            if exc.args[0] not in large:  # DuckDB refused rows Python read: frictionless has the last word
                return _schema_checks(raw_dir, model, fast_min_bytes, slow, True, known)
            return _schema_checks(raw_dir, model, fast_min_bytes, slow | {exc.args[0]}, reference, known)
        if in_memory:
            report.add(*in_memory.result())
    if not report.valid:
        return report, {}
    tables = {name: normalise_rows(t.rows, [f.type for f in model.tables[name].fields]) for name, t in loaded.items()}
    tables.update({name: c for name, c in checked.items() if name in large})
    return report, tables


def _in_memory_checks(model: Model, readable: dict[str, strict_csv.RawTable], files: dict[str, str]) -> list[Problem]:
    """frictionless's verdicts on the tables read into memory, then the project's row conventions."""
    from frictionless import Package, Resource, Schema

    resources, out = [], []
    for name, t in readable.items():
        descriptor = model.tables[name].frictionless_schema()
        # A table whose file or header is broken cannot serve as a lookup; that problem is reported.
        descriptor["foreignKeys"] = [fk for fk in descriptor.get("foreignKeys", []) if (fk["reference"]["resource"] or name) in readable]
        resources.append(Resource(name=name, data=[t.header, *t.rows], schema=Schema.from_descriptor(descriptor)))
    if resources:
        fl_report = Package(resources=resources).validate(limit_errors=NO_LIMIT)
        out += frictionless.report_problems(fl_report, model.tables, files)
    for name, t in readable.items():
        out += conventions.pair_rules(model.tables[name], files[name], t.rows)
        out += conventions.formula_cells(model.tables[name], files[name], t.rows)
    return out


def _reused(model: Model, large: set[str], known: dict[str, int]) -> dict[str, int]:
    """The large tables whose clean verdict is taken as it is: known, and referred to by no table
    checked now (whose foreign keys need its keys read)."""
    reused = {n for n in large if n in known}
    while dropped := {fk.table for n, t in model.tables.items() if n not in reused for fk in t.foreign_keys} & reused:
        reused -= dropped
    return {n: known[n] for n in reused}


def large_tables(raw_dir: Path, model: Model, min_bytes: int, slow: frozenset = frozenset()) -> set[str]:
    """Tables for the fast path: big files, and every table that refers to one (frictionless
    needs the table a foreign key points into in memory, so a table that refers to one left on
    disk is checked in DuckDB too); `slow` ones, and the tables they refer to, stay in memory."""
    files = {n: raw_dir / f"{n}.csv" for n in model.tables}
    on_disk = {n for n in model.tables if n not in slow and files[n].is_file() and files[n].stat().st_size >= min_bytes}
    while grown := {
        n
        for n, t in model.tables.items()
        if n not in on_disk and n not in slow and files[n].is_file() and any(fk.table in on_disk for fk in t.foreign_keys)
    }:
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


def _duckdb_checks(raw_dir, model, large, in_duckdb, files, small, report) -> dict:
    """Check in DuckDB the large tables (from disk) and the tables read into memory `in_duckdb`,
    referenced tables first; `small`: the tables frictionless checks in memory, for the lookups of
    foreign keys into them. A file DuckDB cannot read strictly raises fast.Fallback(its name)."""
    checked = {}
    if not large and not in_duckdb:
        return checked
    wanted: dict[str, set[str]] = {}
    for t in model.tables.values():
        for fk in t.foreign_keys:
            wanted.setdefault(fk.table, set()).update(fk.ref_fields)
    small = {n: (model.tables[n], t.header, t.rows) for n, t in small.items()}
    size = sum((raw_dir / f"{name}.csv").stat().st_size for name in large)
    limit = strict_csv.MAX_CELL_CHARS
    # The files are scanned two at a time, each by one DuckDB thread (which keeps its rows in
    # order), while the tables they refer to are finished: on two cores the two national tables'
    # scans overlap.
    with fast.Checker(in_memory=size <= fast.in_memory_max_bytes()) as checker, ThreadPoolExecutor(2) as pool:
        scans, lines = {}, {}
        for name in model.tables:
            if name in large:
                path = raw_dir / f"{name}.csv"
                try:
                    lines[name] = fast.read_lines(path)
                except fast.Fallback as exc:
                    raise fast.Fallback(name) from exc
                problems = conventions.header_problems(model.tables[name], lines[name].header, files[name])
                report.add(*problems)
                if not problems:
                    scans[name] = pool.submit(checker.scan, model.tables[name], path, wanted.get(name, set()), limit)
        for name in model.tables:  # referenced tables first
            table, path = model.tables[name], raw_dir / f"{name}.csv"
            try:
                if name in in_duckdb:
                    checker.scan_rows(table, in_duckdb[name].rows, wanted.get(name, set()), limit)
                elif name in scans:
                    size = path.stat().st_size
                    with progress.rows(
                        f"checking {name} in DuckDB ({progress.size(size)})", announce=size >= progress.ANNOUNCE_BYTES
                    ) as tracker:
                        rows = scans[name].result()
                        fast.no_empty_line(path, lines[name], rows)
                        tracker.advance(rows)
                    report.rows += rows
                else:
                    continue
            except fast.Fallback as exc:
                raise fast.Fallback(name) from exc
            result = checker.finish(table, files[name], small, limit)
            report.add(*frictionless.problems(table, files[name], result.errors))
            report.add(*result.problems)
            if result.readable:
                checked[name] = fast.LargeCsv(path, result.rows, table)
    return checked
