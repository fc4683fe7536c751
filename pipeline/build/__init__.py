"""Build stage: the release's SQLite database (served; its SQL from build/ddl.py), CSV and JSON
exports read back from it, and Parquet (via DuckDB) for analysis. Entry: `load_release_db`."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from pipeline import progress, workers
from pipeline.progress import say
from pipeline.build import native, stream
from pipeline.build.cache import BuildCache, link_or_copy
from pipeline.build.ddl import insert_sql, staging_pragmas, table_ddl, typed_value
from pipeline.build.parquet import build_parquet  # noqa: F401  (the build's entries, in one place)
from pipeline.check.fast import LargeCsv
from pipeline.model import Model, Table
from pipeline.model.layout import FTS_SUFFIX
from pipeline.model.types import quote_name as q
from pipeline.read.sqlite import sqlite_connection


def _full_text(db: sqlite3.Connection, table: Table) -> None:
    """Fill and compact the table's full-text index from its rows (folded by search_key)."""
    if table.search_fields:
        cols = ", ".join(map(q, table.search_fields))
        keys = ", ".join(f"search_key({q(c)})" for c in table.search_fields)
        fts = q(table.name + FTS_SUFFIX)
        db.execute(f"INSERT INTO {fts} (rowid, {cols}) SELECT rowid, {keys} FROM {q(table.name)}")
        db.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")


def _load_table(db: sqlite3.Connection, table: Table, rows, parted: bool = False) -> None:
    statements = table_ddl(table)
    # Indexes are built after the rows are in: one sort instead of a b-tree insert per row.
    indexes = [s for s in statements if s.startswith("CREATE INDEX")]
    for statement in statements:
        if statement not in indexes:
            db.execute(statement)
    if parted:  # a part file's rows come with their indexes, which must exist (empty) to be taken in
        for statement in indexes:
            db.execute(statement)
        return
    types = [f.type for f in table.fields]
    if isinstance(rows, LargeCsv):  # validated on disk by the fast path: streamed, never held whole
        values = (
            row
            for batch in progress.batches(
                f"loading {table.name} into SQLite", rows.rows, stream.chunks(stream.sqlite_rows(rows.path, table))
            )
            for row in batch
        )
    else:
        values = ([typed_value(v, t) for v, t in zip(row, types)] for row in rows)
    db.executemany(insert_sql(table), values)
    _full_text(db, table)
    for statement in indexes:
        db.execute(statement)


CACHED_PART = "part.sqlite"
CACHED_COUNTS = "facet-counts.json"


def parallel_min_rows() -> int:
    """Tables of at least this many rows (left on disk by the fast path) are built in worker
    processes, one a core; REMACTO_PARALLEL_MIN_ROWS overrides it (tests)."""
    return int(os.environ.get("REMACTO_PARALLEL_MIN_ROWS", 200_000))


def load_release_db(
    model: Model,
    tables: dict[str, list[list[str]]],
    path: Path,
    release: Path | None = None,
    cache: BuildCache | None = None,
    stats: dict[str, list[tuple]] | None = None,
) -> tuple[set[str], dict[str, list[tuple]]]:
    """A new SQLite file with every table, row and index, rowids in file order (the row rules of
    metadata/rules.yaml name rows by rowid): the state in which validation runs those rules.

    National tables are built in worker processes by native writers (native.build_part: DuckDB
    writes the rows through its sqlite extension), each into a file of its own that this one then
    takes in whole (SQLite copies the pages of an identical empty table). With `release`, other
    workers write those tables' CSV and Parquet there meanwhile and count their facet values
    (native.export_part). With `cache` (and `release`), a national table whose inputs are those of
    a cached entry is not built again: its part file, files and counts are the cached ones, taken
    in by the same steps (build/cache.py). `stats` receives each part's sqlite_stat1 rows (made
    in its worker) for facet_counts.write_facet_counts. Returns the tables whose exports are written,
    and for those with facet fields the rows counted by every combination of their values (see
    facets.write_facet_counts)."""
    parted = [n for n, rows in tables.items() if isinstance(rows, LargeCsv) and rows.rows >= parallel_min_rows()]
    exports = (release / "csv", release / "json", release / "parquet") if release else None
    if exports:
        for folder in exports:
            folder.mkdir(parents=True, exist_ok=True)
    keys = {n: cache.table_key(model.tables[n], tables[n].path) for n in parted} if cache and exports else {}
    cached = {n: entry for n, key in keys.items() if (entry := cache.get(key))}
    parts = {n: path.with_name(f".{path.stem}.{n}.part") for n in parted}
    parts.update({n: entry / CACHED_PART for n, entry in cached.items()})
    total = sum(t.rows if isinstance(t, LargeCsv) else len(t) for t in tables.values())
    say(
        f"Loading {len(tables)} tables ({total:,} rows) into SQLite"
        + (f", {len(parted)} of them in worker processes" if parted else "")
        + (f" ({len(cached)} unchanged since the last publish, taken from its build cache)" if cached else "")
    )
    with contextlib.ExitStack() as stack:
        loads, exporting = {}, {}
        built = [n for n in parted if n not in cached]
        if built:
            jobs = len(built) * (2 if exports else 1)
            pool = stack.enter_context(workers.pool(min(jobs, os.cpu_count() or 1)))
            # Biggest first (rows times columns), a table's exports before its load: the longest
            # jobs start at once and the short ones fill in after.
            for n in sorted(built, key=lambda n: -tables[n].rows * len(model.tables[n].fields)):
                if exports:
                    exporting[n] = pool.submit(native.export_part, model.tables[n], tables[n].path, exports, tables[n].rows)
                loads[n] = pool.submit(native.build_part, model.tables[n], tables[n].path, parts[n], tables[n].rows)
        with sqlite_connection(path) as db:
            staging_pragmas(db)
            # Validation has checked every reference (frictionless or the fast path); checking each again
            # per inserted row costs a quarter of a national table's load. The keys stay declared.
            db.execute("PRAGMA foreign_keys = OFF")
            with db:
                for table in model.tables.values():
                    _load_table(db, table, tables.get(table.name, []), parted=table.name in parts)
            for n in [t for t in model.tables if t in parts]:
                if n in loads:
                    loads[n].result()
                db.execute("ATTACH DATABASE ? AS part", (str(parts[n]),))
                with db:
                    # The same table, empty here: SQLite's transfer copies its rows and indexes as they are.
                    db.execute(f"INSERT INTO main.{q(n)} SELECT * FROM part.{q(n)}")
                    _full_text(db, model.tables[n])
                if stats is not None:
                    stats[n] = db.execute("SELECT tbl, idx, stat FROM part.sqlite_stat1 WHERE tbl = ? ORDER BY idx", (n,)).fetchall()
                db.execute("DETACH DATABASE part")
                if not keys:
                    parts[n].unlink()
            db.commit()
        done = {n: f.result() for n, f in exporting.items()}
    for n, entry in cached.items():
        for folder, ext in ((exports[0], "csv"), (exports[2], "parquet")):
            link_or_copy(entry / f"{n}.{ext}", folder / f"{n}.{ext}")
        done[n] = [tuple(row) for row in json.loads((entry / CACHED_COUNTS).read_text(encoding="utf-8"))]
    for n in built if keys else []:
        _store(cache, keys[n], n, parts[n], exports, done[n])
    return set(done), {n: counts for n, counts in done.items() if model.tables[n].facet_fields}


def _store(cache: BuildCache, key: str, name: str, part: Path, exports: tuple[Path, Path, Path], counted: list) -> None:
    """A national table's products into the build cache: its part file (moved in), CSV and Parquet
    (linked), facet counts."""
    cache.put(
        key,
        {f"{name}.csv": exports[0] / f"{name}.csv", f"{name}.parquet": exports[2] / f"{name}.parquet"},
        moves={CACHED_PART: part},
        texts={CACHED_COUNTS: json.dumps([list(row) for row in counted], ensure_ascii=False)},
    )


def export_tables(model: Model, db_path: Path, csv_dir: Path, json_dir: Path, done: set[str] = frozenset()) -> None:
    """CSV and JSON of each table (but those in `done`), read back from SQLite with Python's csv
    module (CRLF), as Datasette writes its CSV."""
    csv_dir.mkdir(parents=True, exist_ok=True)
    json_dir.mkdir(parents=True, exist_ok=True)
    with sqlite_connection(db_path) as db:
        for table in model.tables.values():
            if table.name not in done:
                export_table(db, table, csv_dir, json_dir)
                # A national table read the slow way (a damaged file's fallback) ships as the others do: no JSON.
                if db.execute(f"SELECT count(*) FROM {q(table.name)}").fetchone()[0] >= parallel_min_rows():
                    (json_dir / f"{table.name}.json").unlink()


def export_table(db: sqlite3.Connection, table: Table, csv_dir: Path, json_dir: Path) -> None:
    """One table's CSV and JSON, read back from SQLite in primary-key order, as Datasette lists a
    table: the CSV equals the portal's download. Row by row: a national table does not fit in
    memory as one list."""
    order = ", ".join(map(q, table.primary_key)) or "rowid"
    cursor = db.execute(f"SELECT * FROM {q(table.name)} ORDER BY {order}")
    columns = [c[0] for c in cursor.description]
    stream.write_csv_and_json(columns, stream.batches(cursor), csv_dir / f"{table.name}.csv", json_dir / f"{table.name}.json")
