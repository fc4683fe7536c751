"""The one map of the schemas' field types to the engines that store or read them, one row a type.

- sqlite: the column type of the release database (what the portal serves);
- parquet: the DuckDB type of the Parquet export's column (year a 4-byte INTEGER, number a DOUBLE,
  as readers of an analysis file expect);
- exact: the DuckDB type validation compares keys in (BIGINT and DECIMAL: a key must compare as
  frictionless compares it, exactly, so no float rounding and no narrowing).
And the SQL quoting every stage uses to name a column or write a literal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineTypes:
    sqlite: str
    parquet: str
    exact: str


TYPES = {
    "string": EngineTypes("TEXT", "VARCHAR", "VARCHAR"),
    "integer": EngineTypes("INTEGER", "BIGINT", "BIGINT"),
    "year": EngineTypes("INTEGER", "INTEGER", "BIGINT"),
    "number": EngineTypes("REAL", "DOUBLE", "DECIMAL(38,10)"),
    "date": EngineTypes("TEXT", "DATE", "DATE"),
    "time": EngineTypes("TEXT", "TIME", "TIME"),
    "datetime": EngineTypes("TEXT", "TIMESTAMP", "TIMESTAMP"),
}
SQLITE_TYPES = {name: t.sqlite for name, t in TYPES.items()}
PARQUET_TYPES = {name: t.parquet for name, t in TYPES.items()}
EXACT_TYPES = {name: t.exact for name, t in TYPES.items()}

# The canonical spellings DuckDB types on its own; any other spelling (`+5`, ` 5`, `1_000`) is typed
# by frictionless's reader (validation) or by Python from the normalised cell (the build): an
# integer within BIGINT; a number DECIMAL(38,10) holds exactly (validation's keys); a number the
# build lets DuckDB cast to DOUBLE.
CANONICAL_INTEGER = "-?[0-9]{1,18}"
CANONICAL_EXACT_NUMBER = "-?[0-9]{1,18}(\\.[0-9]{1,10})?"
CANONICAL_DOUBLE = "-?[0-9]{1,15}(\\.[0-9]{1,15})?"


def quote_name(name: str) -> str:
    """An SQL identifier, for SQLite and DuckDB alike."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value) -> str:
    """An SQL string literal, for SQLite and DuckDB alike."""
    return "'" + str(value).replace("'", "''") + "'"
