"""Typed problems and the report every stage returns: text for people (in Arabic, French or
English), JSON for tools (with the message in all three)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field as dc_field

from pipeline.model.texts import LANGS


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the project, e.g. raw/collectivities.csv
    row: int | None  # spreadsheet row: the header is row 1
    field: str | None
    code: str  # frictionless error type where frictionless found it, else ours
    message: str  # in English
    # The message in each language, {lang: text} (pipeline.model.problems fills all three).
    messages: dict[str, str] = dc_field(default_factory=dict, compare=False)
    # What the templates were filled with, so a page can set each value apart from the words
    # (pipeline.model.problems.message_parts): in Arabic, a Latin value must not reorder the sentence.
    variant: str = dc_field(default="", compare=False)
    values: dict = dc_field(default_factory=dict, compare=False, repr=False)

    def text(self, lang: str = "en") -> str:
        return self.messages.get(lang, self.message)

    def key(self) -> tuple:
        """What tests compare: (file name, row, field, code)."""
        return (self.file.rsplit("/", 1)[-1], self.row, self.field, self.code)


@dataclass
class Report:
    problems: list[Problem] = dc_field(default_factory=list)
    tables: int = 0
    rows: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, *problems: Problem) -> None:
        self.problems.extend(problems)

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file, p.row or 0, p.field or "", p.code))

    def to_text(self, lang: str = "en") -> str:
        words = REPORT_WORDS[lang]
        lines = []
        for p in self.sorted_problems():
            where = p.file + (words["row"].format(row=p.row) if p.row else "") + (words["column"].format(field=p.field) if p.field else "")
            lines.append(f"{where}: {p.text(lang)} [{p.code}]")
        if self.valid:
            lines.append(words["ok"].format(tables=self.tables, rows=self.rows))
        else:
            counts = ", ".join(f"{n} {code}" for code, n in sorted(Counter(p.code for p in self.problems).items()))
            lines.append(words["failed"].format(count=len(self.problems), counts=counts, tables=self.tables))
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "valid": self.valid,
                "tables": self.tables,
                "rows": self.rows,
                "error_count": len(self.problems),
                "errors": [
                    {
                        "file": p.file,
                        "row": p.row,
                        "field": p.field,
                        "code": p.code,
                        "message": p.message,
                        "messages": {lang: p.text(lang) for lang in LANGS},
                    }
                    for p in self.sorted_problems()
                ],
            },
            ensure_ascii=False,
            indent=2,
        )


# The words around the problems in the text report, in each language.
REPORT_WORDS = {
    "en": {
        "row": ", row {row}",
        "column": ", column {field!r}",
        "ok": "OK: {tables} tables, {rows} rows valid.",
        "failed": "FAILED: {count} problems ({counts}) in {tables} tables. Nothing was published.",
        "open": "Report to open: {path}",
    },
    "fr": {
        "row": ", ligne {row}",
        "column": ", colonne {field!r}",
        "ok": "OK : {tables} tables, {rows} lignes valides.",
        "failed": "ÉCHEC : {count} problèmes ({counts}) dans {tables} tables. Rien n'a été publié.",
        "open": "Rapport à ouvrir : {path}",
    },
    "ar": {
        "row": "، السطر {row}",
        "column": "، العمود {field!r}",
        "ok": "لا مشاكل: عدد الجداول {tables}، وعدد الأسطر الصالحة {rows}.",
        "failed": "فشل التحقق: عدد المشاكل {count} ({counts})، وعدد الجداول {tables}. لم يُنشر أي شيء.",
        "open": "التقرير للفتح: {path}",
    },
}
