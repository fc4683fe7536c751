"""Typed problems and the report every stage returns: text for people, JSON for tools."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the project, e.g. raw/collectivities.csv
    row: int | None  # spreadsheet row: the header is row 1
    field: str | None
    code: str  # frictionless error type where frictionless found it, else ours
    message: str

    def key(self) -> tuple:
        """What tests compare: (file name, row, field, code)."""
        return (self.file.rsplit("/", 1)[-1], self.row, self.field, self.code)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, *problems: Problem) -> None:
        self.problems.extend(problems)

    def to_text(self) -> str:
        lines = []
        for p in sorted(self.problems, key=lambda p: (p.file, p.row or 0, p.field or "", p.code)):
            where = p.file + (f", row {p.row}" if p.row else "") + (f", column {p.field!r}" if p.field else "")
            lines.append(f"{where}: {p.message} [{p.code}]")
        if self.valid:
            lines.append(f"OK: {self.tables} tables, {self.rows} rows valid.")
        else:
            counts = ", ".join(f"{n} {code}" for code, n in sorted(Counter(p.code for p in self.problems).items()))
            lines.append(f"FAILED: {len(self.problems)} problems ({counts}) in {self.tables} tables. Nothing was published.")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "valid": self.valid,
                "tables": self.tables,
                "rows": self.rows,
                "error_count": len(self.problems),
                "errors": [asdict(p) for p in sorted(self.problems, key=lambda p: (p.file, p.row or 0, p.field or "", p.code))],
            },
            ensure_ascii=False,
            indent=2,
        )
