"""The rules of metadata/rules.yaml, run on the release's SQLite database (loaded by the build)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.model import Model
from pipeline.model.config import Rule
from pipeline.model.problems import problem
from pipeline.model.report import Problem
from pipeline.read.sqlite import sqlite_connection


def _violations(rule: Rule, db: sqlite3.Connection) -> list[Problem]:
    """The row-level rule form: `violations` SQL returns (rowid, message) per offending row of `file`.
    Rows are inserted in file order, so rowid n is spreadsheet row n + 1 (the header is row 1)."""
    try:
        found = db.execute(rule.violations).fetchall()
    except sqlite3.Error as exc:
        return [problem("rule-error", "metadata/rules.yaml", None, None, rule=rule.id, reason=exc)]
    return [
        problem("rule-violation", rule.file, rowid + 1, rule.field, found=message, description=rule.description.strip(), rule=rule.id)
        for rowid, message in found
    ]


def _cross_checks(model: Model, db: sqlite3.Connection, rules: list[Rule] | None = None) -> list[Problem]:
    out = []
    for rule in model.rules if rules is None else rules:
        if rule.violations is not None:
            out.extend(_violations(rule, db))
            continue
        try:
            actual = db.execute(rule.actual).fetchone()[0]
            expected = rule.expected
            if isinstance(expected, str):
                expected = db.execute(expected).fetchone()[0]
        except sqlite3.Error as exc:
            out.append(problem("rule-error", "metadata/rules.yaml", None, None, rule=rule.id, reason=exc))
            continue
        if actual != expected:
            out.append(
                problem(
                    "cross-check-error",
                    rule.file,
                    None,
                    rule.field,
                    description=rule.description.strip(),
                    actual=actual,
                    expected=expected,
                    rule=rule.id,
                )
            )
    return out


def check_rules(model: Model, db_path: Path, rules: list[Rule] | None = None) -> list[Problem]:
    """The rules of metadata/rules.yaml (or those of `rules`), run on a database build.load_release_db loaded."""
    with sqlite_connection(db_path) as db:
        return _cross_checks(model, db, rules)


def tables_read(rule: Rule, db: sqlite3.Connection) -> set[str] | None:
    """The tables a rule's SQL reads (SQLite says so while preparing it); None if it cannot be prepared."""
    read: set[str] = set()

    def note(action, table, *_):
        if action == sqlite3.SQLITE_READ and table:
            read.add(table)
        return sqlite3.SQLITE_OK

    db.set_authorizer(note)
    try:
        for sql in (rule.violations, rule.actual, rule.expected if isinstance(rule.expected, str) else None):
            if sql:
                db.execute(f"EXPLAIN {sql}").fetchall()
    except sqlite3.Error:
        return None
    finally:
        db.set_authorizer(None)
    return read
