"""Typed Parquet of each table, for analysis, from the published CSV."""

from __future__ import annotations

from pathlib import Path

from pipeline.check import fast
from pipeline.model import Table
from pipeline.model.types import PARQUET_TYPES
from pipeline.model.types import quote_literal


def _write_parquet(con, table: Table, csv_dir: Path, parquet_dir: Path) -> None:
    columns = "{" + ", ".join(f"{quote_literal(f.name)}: {quote_literal(PARQUET_TYPES[f.type])}" for f in table.fields) + "}"
    source = quote_literal(str(csv_dir / f"{table.name}.csv"))
    target = quote_literal(str(parquet_dir / f"{table.name}.parquet"))
    con.execute(
        f"COPY (SELECT * FROM read_csv({source}, header = true, auto_detect = false, columns = {columns}, "
        f"quote = '\"', escape = '\"', nullstr = '', dateformat = '%Y-%m-%d')) "
        f"TO {target} (FORMAT parquet, COMPRESSION zstd)"
    )


def build_parquet(tables: list[Table], csv_dir: Path, parquet_dir: Path) -> None:
    """Typed Parquet of each table, from its published CSV (DuckDB cannot attach SQLite offline)."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = fast.connect()
    con.execute("SET threads = 1")  # one writer thread: the same bytes on every run
    try:
        for table in tables:
            _write_parquet(con, table, csv_dir, parquet_dir)
    finally:
        con.close()
