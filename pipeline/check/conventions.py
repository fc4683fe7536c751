"""The project's own row rules, which a Table Schema cannot express: the header is exactly the
schema's columns, no text cell starts like a spreadsheet formula, start_X <= end_X, and X is filled
exactly when X_source_id is. The in-memory path runs them on every row; the fast path selects
candidate rows in SQL and confirms each with the same functions."""

from __future__ import annotations

from pipeline.model import Table
from pipeline.model.problems import problem
from pipeline.model.report import Problem
from pipeline.read.text import is_formula


def header_problems(table: Table, header: list[str], file: str) -> list[Problem]:
    """Columns are matched by name and must be exactly the schema's, in its order."""
    expected = table.field_names
    if header == expected:
        return []
    out = []
    header_is = {"path": file, "expected": ",".join(expected)}
    for name in sorted({h for h in header if header.count(h) > 1}):
        out.append(problem("duplicate-label", file, 1, name, column=name, **header_is))
    for name in expected:
        if name not in header:
            out.append(problem("missing-label", file, 1, name, column=name, **header_is))
    for name in dict.fromkeys(header):
        if name not in expected:
            out.append(problem("extra-label", file, 1, name or None, column=name, table=table.name))
    if not out:
        out.append(problem("incorrect-label", file, 1, None, **header_is))
    return out


def formula_cells(table: Table, file: str, rows: list[list[str]]) -> list[Problem]:
    """Text cells a spreadsheet would execute are refused at the door, so no export carries one."""
    text_columns = [i for i, f in enumerate(table.fields) if f.type == "string"]
    return [
        problem("formula-injection", file, number, table.fields[i].name, start=row[i][:40], first=row[i][:1])
        for number, row in enumerate(rows, start=2)
        for i in text_columns
        if i < len(row) and is_formula(row[i])
    ]


def ranges(table: Table) -> list[tuple[str, str]]:
    """(start_X, end_X) pairs of the table's columns."""
    names = table.field_names
    return [(f, "end_" + f[6:]) for f in names if f.startswith("start_") and "end_" + f[6:] in names]


def sourced(table: Table) -> list[tuple[str, ...]]:
    """Columns filled together by convention: X with X_source_id, and X_ref where the table has it."""
    names = table.field_names
    groups = []
    for f in names:
        value = f[: -len("_source_id")]
        if f.endswith("_source_id") and value in names:
            groups.append((value, f) + ((value + "_ref",) if value + "_ref" in names else ()))
    return groups


def pair_rules(table: Table, file: str, rows: list[list[str]]) -> list[Problem]:
    """Rules named by convention: start_X <= end_X, and X present exactly when X_source_id (and X_ref) are."""
    names = table.field_names
    out = []
    pairs, with_source = ranges(table), sourced(table)
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(names, row))
        for start, end in pairs:
            a, b = cells.get(start, ""), cells.get(end, "")
            # Zero-pad H:MM so that 9:30 and 09:30 compare as times.
            a_key, b_key = (v.zfill(5) if table.field(start).type == "time" else v for v in (a, b))
            if a and b and b_key < a_key:
                out.append(problem("range-error", file, number, end, end=end, end_value=b, start=start, start_value=a))
        for group in with_source:
            filled = [bool(cells.get(f)) for f in group]
            if any(filled) and not all(filled):
                together = ", ".join(group[:-1]) + " and " + group[-1]
                out += [problem("provenance-error", file, number, f, together=together) for f, has in zip(group, filled) if not has]
    return out
