"""Validation with the rules of metadata/rules.yaml (`python -m pipeline validate`): the rules run on
the release's own SQLite database, so a whole validation is the checks (pipeline.check), a build of
that database in a temporary folder (this stage), then the rules (check.rules). Publish does the
same in its staging folder and keeps the database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.build import load_release_db
from pipeline.check.rules import check_rules
from pipeline.check.validate import check_tables
from pipeline.model import Model
from pipeline.model.report import Report
from pipeline.progress import say
from pipeline.timing import stage


def validate(
    raw_dir: Path,
    model: Model,
    fast_min_bytes: int | None = None,
    slow: frozenset = frozenset(),
    rules: bool = True,
    reference: bool = False,
) -> tuple[Report, dict]:
    """Validate raw/ against the model; return the report and, when valid, the normalised rows
    (check.validate.check_tables). The rules run last, on the release's database loaded into a
    temporary file (on disk, so a national table never has to fit in memory). `rules=False`
    stops after the checks frictionless makes (schemas, keys) and the conventions; `reference`: see
    check_tables."""
    report, tables = check_tables(raw_dir, model, fast_min_bytes, slow, reference)
    if not report.valid or not rules:
        return report, tables
    with tempfile.TemporaryDirectory(prefix="remacto-rules-") as tmp:
        db_path = Path(tmp) / "rules.db"
        with stage("sqlite load"):
            load_release_db(model, tables, db_path)
        say(f"Checking the {len(model.rules)} rules of metadata/rules.yaml")
        with stage("rules"):
            report.add(*check_rules(model, db_path))
    return report, (tables if report.valid else {})
