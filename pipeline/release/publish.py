"""Publish stage: validate, build a release aside, then swap it in whole.

`published` is a symlink to `releases/<id>`, where <id> is derived from the release's
checksums; the swap is one rename(2) of a symlink, so a reader sees the old release or
the new one, never a mix, and a failed or killed run leaves the last release untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
from datasette.app import Datasette

from pipeline import build, workers
from pipeline.build import facet_counts
from pipeline.build.cache import BuildCache, link_or_copy
from pipeline.build.ddl import schema_sql
from pipeline.release import dictionary, pabulib, portal_metadata, spreadsheets, versions
from pipeline.release.catalogs import write_catalogs
from pipeline.release.files import sha256
from pipeline.settings import DB_NAME, Paths
from pipeline.model import LANGS, Model, load_model
from pipeline.model.report import Report
from pipeline.progress import say
from pipeline.timing import stage
from pipeline.check.rules import check_rules
from pipeline.check.validate import check_tables


class PublishError(RuntimeError):
    """Nothing was published; the message says why and the previous release stands."""

    def __init__(self, message: str, report: Report | None = None):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Release:
    id: str
    path: Path
    changed: bool  # False when the inputs gave the release already published
    rows: dict


def _json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def datapackage(model: Model, release: Path, sources: list[dict]) -> dict:
    """The Frictionless data package: one CSV resource per table, schemas inline."""
    pkg = model.package
    resources = []
    for t in model.tables.values():
        path = release / "csv" / f"{t.name}.csv"
        resources.append(
            {
                "name": t.name,
                "path": f"csv/{t.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": "sha256:" + sha256(path),
                "title": t.title["en"],
                "description": t.description["en"],
                "titles": t.title,
                "descriptions": t.description,
                "dataset": t.dataset,
                "schema": t.frictionless_schema(),
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": pkg["name"],
        "version": str(model.release.version) if model.release else "",
        "title": pkg["title"]["en"],
        "description": pkg["description"]["en"].strip(),
        "titles": pkg["title"],
        "descriptions": pkg["description"],
        "languages": list(LANGS),
        "licenses": pkg["licenses"],
        "attribution": pkg["attribution"],
        "contributors": pkg["contributors"],
        "keywords": pkg["keywords"],
        "sources": [
            {
                "title": s["title_en"],
                **({"title_ar": s["title_ar"]} if s["title_ar"] else {}),
                "id": s["source_id"],
                **({"sha256": s["sha256"]} if s["sha256"] else {}),
                **({"path": f"documents/{s['file_name']}"} if s["file_name"] else {}),
            }
            for s in sources
        ],
        "datasets": pkg["datasets"],
        "resources": resources,
    }


async def _inspect(db_path: Path) -> dict:
    """What `datasette inspect` writes (hash, size, counts for the immutable database), computed
    in-process, with the connections closed after: an open file would pin the release's disk."""
    app = Datasette([], immutables=[str(db_path)])
    try:
        database = app.databases[DB_NAME]
        counts = await database.table_counts(limit=3600 * 1000)
        return {
            DB_NAME: {
                "hash": database.hash,
                "size": database.size,
                "file": db_path.name,
                "tables": {name: {"count": n} for name, n in counts.items()},
            }
        }
    finally:
        for database in app.databases.values():
            database.close()


def copy_source_documents(sources: list[dict], documents: Path, release: Path) -> None:
    """Each source document the rows were read from (raw/documents/), into the release's documents/,
    once its bytes are the ones raw/sources.csv gives the checksum of: the provenance ships along."""
    for number, s in enumerate(sources, start=2):
        if not s["file_name"]:
            continue
        where = f"raw/sources.csv row {number}, column file_name"
        path = documents / s["file_name"]
        if not path.is_file():
            raise PublishError(f"{where}: raw/documents/{s['file_name']} is missing; add the document there")
        if s["sha256"] and sha256(path) != s["sha256"]:
            raise PublishError(
                f"{where}: raw/documents/{s['file_name']} is not the document whose sha256 column says "
                f"{s['sha256']}; restore the document or correct the checksum"
            )
        (release / "documents").mkdir(exist_ok=True)
        shutil.copyfile(path, release / "documents" / s["file_name"])


def write_release(
    model: Model, tables: dict, release: Path, previous: Path | None, exported: set[str], documents: Path, cache: BuildCache | None = None
) -> None:
    """Every file of a release, into a directory holding the finished database (loaded by
    build.load_release_db, with its facet counts) and the exports of the `exported` tables the
    load wrote; `previous` is the release it follows; `documents` holds the source documents.
    Only reads the database."""
    db = release / f"{DB_NAME}.db"
    # The Pabulib files read only the database: written by a second process meanwhile.
    with workers.pool(1) as pool:
        # the Pabulib files come from the build cache when their tables are unchanged
        pb_key = _pabulib_key(model, tables, cache)
        pb_cached = cache.get(pb_key) if cache and pb_key else None
        if pb_cached:
            pb_files = None
            _take_pabulib(pb_cached, release / "pabulib")
        else:
            pb_files = pool.submit(pabulib.write_release_files, db, release / "pabulib")  # none when no cycle has ballots
        reused = _take_exports(model, release, exported, cache, documents.parent)
        with stage("csv and json exports"):
            build.export_tables(model, db, release / "csv", release / "json", done=exported | set(reused))
        with stage("spreadsheet csv"):
            spreadsheets.write_excel_csvs(release / "csv", release / "excel", frozenset(exported))
        with stage("parquet"):
            rest = [t for t in model.tables.values() if t.name not in exported and t.name not in reused]
            build.build_parquet(rest, release / "csv", release / "parquet")
        _keep_exports(release, rest, cache, documents.parent)
        with stage("data package, dictionary"):
            sources = [dict(zip(model.tables["sources"].field_names, row)) for row in tables["sources"]]
            copy_source_documents(sources, documents, release)
            _json(release / "datapackage.json", datapackage(model, release, sources))
            (release / "data-dictionary.md").write_text(dictionary.markdown(model), encoding="utf-8")
            (release / "schema.sql").write_text(schema_sql(model), encoding="utf-8")
        with stage("portal metadata, inspect"):
            national = frozenset(n for n, rows in tables.items() if len(rows) >= build.parallel_min_rows())
            _json(release / "portal" / "metadata.json", portal_metadata.portal_metadata(model, national))
            (release / "portal" / "inspect.json").write_text(json.dumps(asyncio.run(_inspect(db)), indent=2), encoding="utf-8")
        with stage("pabulib (waiting for it)"):
            if pb_files:
                written = pb_files.result()
                if cache and pb_key:
                    cache.put(pb_key, {p.name: p for p in written})
        # Last: the catalogs cite the release's id, a digest of every other file (versions.release_id).
        with stage("catalogs, changelog"):
            write_catalogs(model, release, previous)
    with stage("checksums"):
        (release / "SHA256SUMS").write_text("".join(versions.checksum_lines(release)), encoding="utf-8")


# the build cache's part of a publish (pipeline/build/cache.py)
PABULIB_TABLES = (
    "collectivities",
    "pb_cycles",
    "pb_headings",
    "pb_proposals",
    "pb_results",
    "pb_phases",
    "pb_ballots",
    "pb_ballot_selections",
)  # what pabulib.cycle_files reads


def _pabulib_key(model: Model, tables: dict, cache: BuildCache | None) -> str | None:
    if cache is None or not all(n in model.tables for n in PABULIB_TABLES):
        return None
    raw = {n: rows.path for n, rows in tables.items() if hasattr(rows, "path")}
    if not all(n in raw for n in ("pb_ballots", "pb_ballot_selections")):
        return None  # the ballots held in memory: small, written again
    root = raw["pb_ballots"].parent
    related = [(model.tables[n], root / f"{n}.csv") for n in PABULIB_TABLES[1:]]
    return "pabulib-" + cache.table_key(model.tables[PABULIB_TABLES[0]], root / f"{PABULIB_TABLES[0]}.csv", *related)


def _take_pabulib(entry: Path, folder: Path) -> None:
    for path in sorted(entry.glob("*.pb")):
        link_or_copy(path, folder / path.name)


EXPORTS = ("csv", "json", "parquet")


def _export_key(cache: BuildCache, table, raw: Path) -> str:
    return "export-" + cache.table_key(table, raw / f"{table.name}.csv")


def _take_exports(model: Model, release: Path, exported: set[str], cache: BuildCache | None, raw: Path) -> set[str]:
    """The exports of the tables (built in line) whose inputs are unchanged, linked from the cache."""
    reused = set()
    for t in model.tables.values():
        if cache and t.name not in exported and (raw / f"{t.name}.csv").is_file():
            if entry := cache.get(_export_key(cache, t, raw)):
                for ext in EXPORTS:
                    if (entry / f"{t.name}.{ext}").is_file():
                        link_or_copy(entry / f"{t.name}.{ext}", release / ext / f"{t.name}.{ext}")
                reused.add(t.name)
    return reused


def _keep_exports(release: Path, tables: list, cache: BuildCache | None, raw: Path) -> None:
    for t in tables if cache else []:
        if (raw / f"{t.name}.csv").is_file():
            files = {f"{t.name}.{ext}": release / ext / f"{t.name}.{ext}" for ext in EXPORTS}
            cache.put(_export_key(cache, t, raw), {n: p for n, p in files.items() if p.is_file()})


def _verdict_keys(model: Model, raw: Path, cache: BuildCache) -> dict[str, str]:
    """Each table's verdict key: its inputs and those of the tables its foreign keys point into."""
    return {
        name: "check-"
        + cache.table_key(
            t,
            raw / f"{name}.csv",
            *((model.tables[fk.table], raw / f"{fk.table}.csv") for fk in t.foreign_keys if fk.table in model.tables),
        )
        for name, t in model.tables.items()
        if (raw / f"{name}.csv").is_file()
    }


def _known_verdicts(keys: dict[str, str], cache: BuildCache) -> dict[str, int]:
    return {name: info["rows"] for name, key in keys.items() if (info := cache.info(key)) and "rows" in info}


def _remember_verdicts(tables: dict, keys: dict[str, str], cache: BuildCache) -> None:
    for name, rows in tables.items():
        if hasattr(rows, "path") and name in keys:  # the large tables (the others are read again anyway)
            if not cache.get(keys[name]):
                cache.put(keys[name], {}, info={"rows": rows.rows})


def _rule_keys(model: Model, db: Path, raw: Path, cache: BuildCache) -> dict[str, str]:
    """Each rule's key: its text and the inputs of the tables it reads (none for a rule reading a
    table the model does not hold, which runs every time)."""
    from pipeline.check.rules import tables_read

    keys = {}
    with contextlib.closing(sqlite3.connect(db)) as con:
        for rule in model.rules:
            read = tables_read(rule, con)
            if read is None or not read or not read <= set(model.tables):
                continue
            related = [(model.tables[n], raw / f"{n}.csv") for n in sorted(read)]
            keys[rule.id] = (
                "rule-" + cache.table_key(*related[0], *related[1:]) + "-" + hashlib.sha256(repr(rule).encode()).hexdigest()[:16]
            )
    return keys


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True) + [root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def publish_lock(releases: Path):
    releases.mkdir(parents=True, exist_ok=True)
    with open(releases / ".publish.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError("another publish is running on this project; wait for it to finish, then run again") from None
        yield


def swap_symlink(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise PublishError(f"{link} is a real directory, not the release symlink; move it aside and publish again")
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)
    fd = os.open(link.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _failure_reason(exc: BaseException, releases: Path) -> str:
    if getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc) or "No space left" in str(exc):
        return f"the disk holding {releases} is full"
    if getattr(exc, "errno", None) == errno.EROFS:
        return f"{releases} is on a read-only file system"
    if getattr(exc, "errno", None) == errno.EACCES:
        return f"no permission to write in {releases}"
    return f"{type(exc).__name__}: {exc}"


def publish(paths: Paths) -> tuple[Report, Release | None]:
    """Validate raw/ and, if valid, make its release the published one."""
    model = load_model(paths.schemas, paths.metadata)
    info = versions.release_info(model)
    cache = BuildCache(paths.releases)  # per-table products of the last publish
    verdict_keys = _verdict_keys(model, paths.raw, cache)
    report, tables = check_tables(paths.raw, model, known=_known_verdicts(verdict_keys, cache))
    if not report.valid:
        return report, None
    staging = paths.releases / f".staging-{os.getpid()}"
    try:
        with publish_lock(paths.releases):
            # Under the lock no other publish runs: any staging folder is a killed run's leftover.
            for leftover in paths.releases.glob(".staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            staging.mkdir(parents=True)
            # The row rules run on the release's own database: it is loaded once, in staging, and
            # the national tables' exports are written by the same workers that load them.
            db = staging / f"{DB_NAME}.db"
            with stage("sqlite load (+ large exports)"):
                stats: dict = {}  # the national tables' statistics, from their part files
                exported, counted = build.load_release_db(model, tables, db, release=staging, cache=cache, stats=stats)
            _remember_verdicts(tables, verdict_keys, cache)
            with stage("facet counts, analyze"):
                facet_counts.write_facet_counts(model, db, counted, stats)  # for the portal (portal/facet_lookup.py)
            current = paths.published.resolve() if paths.published.is_symlink() else None
            # From here the database is only read: the row rules run beside the release's files
            # (SQLite lets go of the interpreter while a query runs); a broken rule still
            # publishes nothing.
            with ThreadPoolExecutor(1) as pool:
                say(f"Checking the {len(model.rules)} rules of metadata/rules.yaml (beside the release's files)")
                rule_keys = _rule_keys(model, db, paths.raw, cache)  # a rule whose tables are unchanged passed
                passed = {rule for rule, key in rule_keys.items() if cache.get(key)}
                rules = pool.submit(check_rules, model, db, [r for r in model.rules if r.id not in passed])
                try:
                    versions.check_new_version(info, current)
                    say("Writing the release: exports, Parquet, data package, dictionary, catalogs, checksums")
                    write_release(
                        model, tables, staging, previous=current, exported=exported, documents=paths.raw / "documents", cache=cache
                    )
                    refused = None
                except ValueError as exc:
                    refused = exc
                with stage("rules (waiting for them)"):
                    report.add(*rules.result())
            if not report.valid:
                shutil.rmtree(staging)
                return report, None
            for key in rule_keys.values():
                if not cache.get(key):
                    cache.put(key, {})
            try:
                if refused:
                    raise refused
                unchanged = versions.same_release(staging, current)
                if not unchanged:
                    versions.check_bump(staging)
            except ValueError as exc:
                raise PublishError(f"{exc}; the previous release is unchanged") from None
            release_id = current.name if unchanged else versions.release_id(staging)
            final = paths.releases / release_id
            changed = not final.exists()
            if changed:
                with stage("fsync"):
                    _fsync_tree(staging)
                os.rename(staging, final)
            else:
                shutil.rmtree(staging)
            if current != final.resolve():
                swap_symlink(paths.published, final)
                changed = True
            versions.write_index(paths.releases, final)
            cache.prune()  # keep what this release was built from
    except PublishError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except (OSError, sqlite3.Error, duckdb.Error) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(
            f"could not write the release ({_failure_reason(exc, paths.releases)}); the previous release is unchanged"
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    rows = {name: len(rows) for name, rows in tables.items()}
    return report, Release(release_id, final, changed, rows)
