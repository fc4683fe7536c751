"""Build products kept from one publish to the next, each under the digest of what determines it.

A national table's verdict, SQLite part file (its rows and indexes), CSV, Parquet and facet counts
depend only on its raw bytes, its schema and the code that checks and builds it; the Pabulib files
on the tables they are written from. Each is stored once under the SHA-256 of those inputs
(`releases/.build-cache/<digest>/`) and taken again by the next publish whose inputs are the same:
the release is then assembled from these parts by the same steps as one built from nothing, so its
bytes are the same (tests/release/test_incremental.py compares both, remacto.db included).
Whatever spans tables (the database file itself, facet-count tables, ANALYZE, catalogs, changelog,
checksums) is made again each time. After a publish, only the entries it used are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
from functools import lru_cache
from pathlib import Path

import duckdb

from pipeline.model import Model, Table

FOLDER = ".build-cache"
DONE = "done.json"  # written last: an entry without it is a killed run's leftover
# The code a cached product depends on: the checks, the build, the readers and the model.
CODE_PACKAGES = ("build", "check", "read", "model")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of the pipeline's code that checks and builds a table, and of the engines it runs on."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{duckdb.__version__} {sqlite3.sqlite_version} {sys.version_info[:2]}".encode())
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for extra in ("settings.py", "release/pabulib.py"):
        h.update(extra.encode() + b"\0" + (root / extra).read_bytes())
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def table_schema_text(table: Table) -> str:
    """What of a table's schema its products depend on (not its titles: those are the catalogs')."""
    from pipeline.build.ddl import table_ddl

    return json.dumps(
        {
            "schema": table.frictionless_schema(),
            "ddl": table_ddl(table),
            "facets": list(table.facet_fields),
            "search": list(table.search_fields),
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class BuildCache:
    """The cached products of a project's tables, one folder a digest, under releases/.build-cache/."""

    def __init__(self, releases: Path):
        self.root = releases / FOLDER
        self.used: set[str] = set()
        self._raw: dict[Path, str] = {}

    def raw_digest(self, path: Path) -> str:
        """The digest of a raw file's bytes (once a run; '' for a missing file)."""
        if path not in self._raw:
            self._raw[path] = file_digest(path) if path.is_file() else ""
        return self._raw[path]

    def table_key(self, table: Table, raw: Path, *related: tuple[Table, Path]) -> str:
        """The digest of a table's own inputs (raw bytes, schema, code), and of `related` tables'."""
        parts = [code_digest()]
        for t, path in ((table, raw), *related):
            parts += [t.name, table_schema_text(t), self.raw_digest(path)]
        return digest(*parts)

    def get(self, key: str) -> Path | None:
        """The folder of a finished entry, or None; marks it used."""
        entry = self.root / key
        if (entry / DONE).is_file():
            self.used.add(key)
            return entry
        return None

    def info(self, key: str) -> dict | None:
        """What the entry's DONE file says, or None (no entry, or one a publish is pruning)."""
        entry = self.get(key)
        try:
            return json.loads((entry / DONE).read_text(encoding="utf-8")) if entry else None
        except (OSError, ValueError):
            return None

    def put(
        self,
        key: str,
        links: dict[str, Path],
        moves: dict[str, Path] | None = None,
        texts: dict[str, str] | None = None,
        info: dict | None = None,
    ) -> Path:
        """Store an entry under `key`, each name in it from: `links`, files hard-linked where the file
        system allows (the release keeps the same bytes under its own name), else copied; `moves`,
        files moved in; `texts`, written. `info` goes into its DONE file, written last."""
        entry = self.root / key
        if entry.exists():
            shutil.rmtree(entry)
        entry.mkdir(parents=True)
        for name, path in (moves or {}).items():
            os.replace(path, entry / name)
        for name, path in links.items():
            link_or_copy(path, entry / name)
        for name, text in (texts or {}).items():
            (entry / name).write_text(text, encoding="utf-8")
        (entry / DONE).write_text(json.dumps(info or {}, ensure_ascii=False), encoding="utf-8")
        self.used.add(key)
        return entry

    def prune(self) -> None:
        """Drop every entry this publish did not use (the cache holds the last release's parts)."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name not in self.used:
                shutil.rmtree(entry, ignore_errors=True)


def link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def model_tables(model: Model, raw: Path, names) -> list[tuple[Table, Path]]:
    return [(model.tables[n], raw / f"{n}.csv") for n in names if n in model.tables]
