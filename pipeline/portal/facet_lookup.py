"""A table page answered from the release's precomputed facet counts (written by
build/facet_counts.py): the row count and every facet of a page whose only filters are equalities
on facet fields, one lookup in a covering index instead of a GROUP BY over the table."""

from __future__ import annotations

import re

from pipeline.model.layout import ROWS_COLUMN, SET_COLUMN, counts_table, mask
from pipeline.model.types import quote_name as q


def lookup_sql(table: str, facet_fields: list[str], filters: dict[str, str], facet: str | None, limit: int | None):
    """SQL and params reading the count (facet None) or one facet's (value, count) rows for a page whose
    filters are `column = :param` on facet fields (filters maps column -> param name)."""
    grouped = set(filters) | ({facet} if facet else set())
    where = [f"{q(SET_COLUMN)} = {mask(facet_fields, grouped)}"]
    for c in facet_fields:  # every field constrained: the whole index prefix is used
        if c in filters:
            where.append(f"{q(c)} = :{filters[c]}")
        elif c != facet:
            where.append(f"{q(c)} IS NULL")
    if facet is None:
        return f"SELECT {q(ROWS_COLUMN)} FROM {q(counts_table(table))} WHERE {' AND '.join(where)}"
    where.append(f"{q(facet)} IS NOT NULL")
    return (
        f"SELECT {q(facet)} AS value, {q(ROWS_COLUMN)} AS count FROM {q(counts_table(table))} "
        f"WHERE {' AND '.join(where)} ORDER BY count DESC, value LIMIT {int(limit)}"
    )


# The row count Datasette's table view asks for: `select count(*) from <table> where "c" = :p0 and ... `
# (datasette/views/table.py, 0.65.5; equality filters are `"c" = :pN`, datasette/filters.py).
_COUNT_SQL = re.compile(r"select count\(\*\) from (?P<table>\S+) (?:where (?P<where>.+) )?", re.S)
_EXACT = re.compile(r'"(?P<column>[A-Za-z_][A-Za-z0-9_]*)" = :(?P<param>p[0-9]+)')


def _unescape(name: str) -> str:
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name


def parse_count_sql(sql: str, params) -> tuple[str, dict[str, str]] | None:
    """(table, {column: param}) when `sql` is the table view's count with only equality filters."""
    match = _COUNT_SQL.fullmatch(sql)
    if not match:
        return None
    filters: dict[str, str] = {}
    for clause in match["where"].split(" and ") if match["where"] else []:
        exact = _EXACT.fullmatch(clause)
        if not exact or exact["column"] in filters or exact["param"] not in (params or {}):
            return None
        filters[exact["column"]] = exact["param"]
    return _unescape(match["table"]), filters


def count_sql(table: str, facet_fields: list[str], filters: dict[str, str]) -> str | None:
    """The lookup answering a count whose filters are all facet fields (0 when no row matches)."""
    if not set(filters) <= set(facet_fields):
        return None
    return f"SELECT COALESCE(({lookup_sql(table, facet_fields, filters, None, None)}), 0)"


def fields_of_counts(columns: list[str]) -> list[str] | None:
    """The facet fields of a counts table, in mask order, from its columns (None if it is not one)."""
    if len(columns) < 2 or columns[0] != SET_COLUMN or columns[-1] != ROWS_COLUMN:
        return None
    return columns[1:-1]


# A search page's clause as Datasette's table view writes it for `?_search=` (datasette/filters.py,
# 0.65.5, the table's `fts_pk` being rowid), when it is the page's only filter.
_SEARCH = (
    r"where rowid in \(select rowid from (?P<fts>[A-Za-z_][A-Za-z0-9_]*) where (?P=fts) match "
    r"(?P<match>escape_fts\(:search\)|:search)\) "
)
_SEARCH_COUNT = re.compile(r"select count\(\*\) from (?P<table>\S+) " + _SEARCH, re.S)
_SEARCH_ROWS = re.compile(r"select (?P<columns>.+) from (?P<table>\S+) " + _SEARCH, re.S)


def searched_only(sql: str, params, count: bool) -> tuple[str, str, str] | None:
    """(table, full-text table, match expression) when `sql` is the table view's count (`count`) or
    facet source (the rows unordered) for a page whose only filter is `?_search=`."""
    match = (_SEARCH_COUNT if count else _SEARCH_ROWS).fullmatch(sql)
    if not match or set(params or {}) != {"search"}:
        return None
    return _unescape(match["table"]), match["fts"], match["match"]


def search_count_sql(fts: str, match: str) -> str:
    """The count of a search-only page read from the full-text index alone: the same number when each
    of its rowids is a row of the table (ReleaseDatabase checks that once per release)."""
    return f"select count(*) from {q(fts)} where {q(fts)} match {match}"


def searched_rows_sql(table: str, fts: str, match: str, columns: list[str]) -> str:
    """The rows a search-only page shows, unordered, as a join on the full-text index: the same rows as
    Datasette's `rowid in (select rowid …)`, without building that list first (half the time when the
    term is in most rows)."""
    picked = ", ".join(f"t.{q(c)}" for c in columns)
    return f"SELECT {picked} FROM {q(fts)} JOIN {q(table)} AS t ON t.rowid = {q(fts)}.rowid WHERE {q(fts)} MATCH {match}"
