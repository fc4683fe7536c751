"""Words, not codes, in a table's cells: the names of the rows a foreign key points to, a code's label,
a column's title outside its table (a query's result), worked out once per release, language and table."""

from __future__ import annotations

import functools
from pathlib import Path

from datasette.utils import tilde_encode
from markupsafe import Markup

from pipeline.portal import context, i18n
from pipeline.settings import DB_NAME

# Column pairs that name a row, in Arabic and in a Latin-script language (tx.name picks by page language).
_NAME_COLUMNS = (("name_ar", "name_latin"), ("title_ar", "title_en"))
# Pairs that also name a row in its page's title (a French title on French and English pages, as the
# PB pages show it), though cells keep to _NAME_COLUMNS.
_TITLE_COLUMNS = _NAME_COLUMNS + (("title_ar", "title_fr"), ("name_ar", "name_fr"))
# A table past this many rows is not a lookup table: its rows are labelled by id, not read whole.
_MAX_LABELLED_ROWS = 5000
_row_names: dict[tuple[Path, str], tuple[tuple[str, str] | None, dict]] = {}
_foreign_keys: dict[tuple[Path, str], dict[str, str]] = {}


async def names_of(datasette, table: str) -> tuple[tuple[str, str] | None, dict]:
    """The name columns of a small table and {id: row}, read once per release and process."""
    key = (context.release_dir(datasette), table)
    if key not in _row_names:
        db = datasette.get_database(DB_NAME)
        columns, pks = await db.table_columns(table), await db.primary_keys(table)
        pair = next(((ar, latin) for ar, latin in _NAME_COLUMNS if ar in columns and latin in columns), None)
        rows = {}
        if pair and len(pks) == 1:
            found = (await db.execute(f'SELECT "{pks[0]}", "{pair[0]}", "{pair[1]}" FROM "{table}" LIMIT {_MAX_LABELLED_ROWS + 1}')).rows
            if len(found) <= _MAX_LABELLED_ROWS:
                rows = {r[0]: {pair[0]: r[1], pair[1]: r[2]} for r in found}
        _row_names[key] = (pair, rows)
    return _row_names[key]


async def foreign_keys_of(datasette, table: str) -> dict[str, str]:
    key = (context.release_dir(datasette), table)
    if key not in _foreign_keys:
        fks = await datasette.get_database(DB_NAME).foreign_keys_for_table(table)
        _foreign_keys[key] = {fk["column"]: fk["other_table"] for fk in fks}
    return _foreign_keys[key]


@functools.lru_cache(maxsize=16)
def words_outside_tables(folder: Path, lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """For query results, which are not one table's: a column's title (as the first table with a column
    of that name gives it) and its codes' labels where every such table agrees (else the code stays)."""
    tx = context.texts(folder, lang)
    titles: dict[str, str] = {}
    codes: dict[str, dict[str, set]] = {}
    for table, spec in tx.config["tables"].items():
        for column in spec["columns"]:
            titles.setdefault(column, tx.column_title(table, column))  # the first table's, in the model's order
            for code in tx.column(table, column).get("codes") or {}:
                codes.setdefault(column, {}).setdefault(code, set()).add(tx.code_label(table, column, code))
    return (titles, {c: {code: labels.pop() for code, labels in by_code.items() if len(labels) == 1} for c, by_code in codes.items()})


@functools.lru_cache(maxsize=64)
def query_words(folder: Path, lang: str, query: str | None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """words_outside_tables, with what a canned query's `columns:` says of its own columns."""
    titles, codes = words_outside_tables(folder, lang)
    tx = context.texts(folder, lang)
    declared = tx.config["queries"].get(query, {}).get("columns", {}) if query else {}
    if not declared:
        return titles, codes
    return (
        {**titles, **{c: tx.pick(spec["title"]) for c, spec in declared.items()}},
        {**codes, **{c: {code: tx.pick(labels) for code, labels in spec.get("codes", {}).items()} for c, spec in declared.items()}},
    )


async def row_name(datasette, tx: i18n.Texts, table: str, pk_values: list[str]) -> str | None:
    """A row's name in the page's language, for its page's title; None when nothing names it (the page
    keeps its id)."""
    db = datasette.get_database(DB_NAME)
    row = await _row(db, table, await db.primary_keys(table) or ["rowid"], pk_values)
    return await _name_of_row(datasette, tx, table, row) if row else None


async def _row(db, table: str, pks: list[str], values: list) -> dict | None:
    if len(pks) != len(values):
        return None
    where = " AND ".join(f'"{pk}" = ?' for pk in pks)
    found = (await db.execute(f'SELECT * FROM "{table}" WHERE {where} LIMIT 1', list(values))).rows
    return dict(found[0]) if found else None


async def _name_of_row(datasette, tx: i18n.Texts, table: str, row: dict, follow: bool = True) -> str | None:
    """Its own name columns (its Arabic name alone when the source gives no other: a meeting, a person,
    shown as published), else the name of the first row it points to that has one (a PB initiative is
    its commune's)."""
    own = next(((ar, latin) for ar, latin in _TITLE_COLUMNS if ar in row and latin in row), None)
    if own:
        return tx.name(row, *own) or None
    arabic_only = next((c for c in ("name_ar", "title_ar") if c in row), None)
    if arabic_only or not follow:
        return row.get(arabic_only) if arabic_only else None
    db = datasette.get_database(DB_NAME)
    for column, other in (await foreign_keys_of(datasette, table)).items():
        if other == "sources" or row.get(column) is None:
            continue
        target = await _row(db, other, await db.primary_keys(other), [row[column]])
        name = await _name_of_row(datasette, tx, other, target, follow=False) if target else None
        if name:
            return name
    return None


async def foreign_row_names(datasette, tx: i18n.Texts, table: str) -> dict[str, dict]:
    """{column: {id: name in the page's language}} for the foreign keys of a table: the facets' words."""
    out = {}
    for column, other in (await foreign_keys_of(datasette, table)).items():
        pair, names = await names_of(datasette, other)
        out[column] = {key: tx.name(row, *pair) for key, row in names.items()}
    return out


class TableCells:
    """How one table's cells read in one language of one release, worked out once (its foreign keys,
    the names of the rows they point to, its codes' labels), and each cell's words kept (up to
    MAX_KEPT_CELLS a table), so that a cell costs a dictionary lookup: a page renders 100 rows × every
    column, and working each one out again was a third of a first visit's time."""

    MAX_KEPT_CELLS = 5_000

    def __init__(self, datasette, tx: i18n.Texts, table: str, foreign_keys: dict[str, str], names: dict):
        self.datasette, self.tx, self.table = datasette, tx, table
        self.foreign_keys, self.names = foreign_keys, names  # names: other table -> (pair, {id: row})
        columns = tx.config["tables"][table]["columns"]
        self.codes = {
            column: {
                code: Markup('<span class="code-label" data-code="{}">{}</span>').format(code, tx.code_label(table, column, code))
                for code in spec["codes"]
            }
            for column, spec in columns.items()
            if spec.get("codes")
        }
        # A maintainer's note on where a fact comes from (`source_ref`, `name_latin_ref`, beside the
        # column naming the source): English, kept as written in the data. Readers see what it is in
        # their language and the note on demand, marked as English (the source's title is one link
        # away: repeated in each row it took 9,900 px).
        self.notes = {column for column in columns if column.endswith("_ref") and _note_source(column, foreign_keys)}
        # The columns whose cells are not shown as they are: the others answer None at once.
        self.worded = set(foreign_keys) | set(self.codes) | set(self.notes)
        self.kept: dict[tuple, Markup | None] = {}

    def cell(self, value, column):
        if column not in self.worded or value is None:
            return None
        raw, label = (value["value"], value.get("label")) if isinstance(value, dict) else (value, None)
        key = (column, type(raw), raw, label)
        if key in self.kept:
            return self.kept[key]
        words = self._note(raw) if column in self.notes else self._words(raw, label, column)
        if len(self.kept) < self.MAX_KEPT_CELLS:
            self.kept[key] = words
        return words

    def _words(self, raw, label, column) -> Markup | None:
        other = self.foreign_keys.get(column)
        if other:
            href = self.datasette.urls.row(DB_NAME, other, tilde_encode(str(raw)))
            if other == "sources":
                # The source's title is on the page it links to: repeated in every row it took 9,900 px.
                return Markup('<a class="source-link" href="{}" data-id="{}">{}</a>').format(href, raw, self.tx.ui("source_link"))
            pair, names = self.names[other]
            name = self.tx.name(names[raw], *pair) if raw in names else None
            return Markup('<a href="{}" data-id="{}">{}</a>').format(href, raw, name or label or str(raw))
        return self.codes.get(column, {}).get(raw) if isinstance(raw, str) else None

    def _note(self, raw) -> Markup:
        note = Markup('<span lang="en" dir="ltr">{}</span>').format(raw)
        if self.tx.lang != "en":
            note = Markup("{} <bdi>{}</bdi>").format(self.tx.ui("note_in_english"), note)
        return Markup('<details class="source-ref"><summary>{}</summary>{}</details>').format(self.tx.ui("source_ref"), note)


def _note_source(column: str, foreign_keys: dict[str, str]) -> str | None:
    """The column naming the source a `<x>_ref` note is about: `<x>_source_id`, else `source_id`."""
    return next((c for c in (column[: -len("ref")] + "source_id", "source_id") if foreign_keys.get(c) == "sources"), None)


_table_cells: dict[tuple[Path, str, str], TableCells] = {}


def kept_cells(folder: Path, lang: str, table: str) -> TableCells | None:
    return _table_cells.get((folder, lang, table))


async def cells_of(datasette, folder: Path, lang: str, table: str) -> TableCells:
    key = (folder, lang, table)
    if key not in _table_cells:
        foreign_keys = await foreign_keys_of(datasette, table)
        names = {other: await names_of(datasette, other) for other in set(foreign_keys.values())}
        _table_cells[key] = TableCells(datasette, context.texts(folder, lang), table, foreign_keys, names)
    return _table_cells[key]
