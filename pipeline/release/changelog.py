"""Changelog of a release against the previous one: per table, rows added, removed and
changed (by primary key, with old -> new values) and schema changes. Read from the two
releases' CSV files and datapackage.json, never from raw/. Both CSVs are in primary-key
order, so a table is compared in one streamed pass, whatever its size; every change is
counted, and the first DETAIL_LIMIT of each kind are listed."""

from __future__ import annotations

import contextlib
import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from pipeline.build import parallel_min_rows
from pipeline.settings import DB_NAME
from pipeline.release.versions import read_release_json

MARKDOWN_LIMIT = 200  # entries listed per table and kind in CHANGELOG.md
# Entries listed per table and kind in changelog.json and on /changelog; the counts are always
# exact. A national table can change by millions of rows: compare its CSV files for all of them.
DETAIL_LIMIT = 1_000


def _package(release: Path) -> dict:
    return json.loads((release / "datapackage.json").read_text(encoding="utf-8"))


def _reader(release: Path, resource: dict) -> Iterator[list[str]]:
    with (release / resource["path"]).open(encoding="utf-8", newline="") as fh:
        yield from csv.reader(fh)


def _sort_key(resource: dict, header: list[str], pk: list[str]):
    """A row's primary key as SQLite orders it (the exports' ORDER BY): numbers by value, text by
    code point (UTF-8 byte order)."""
    types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    parts = []
    for c in pk:
        i, numeric = header.index(c), types.get(c) in ("integer", "year", "number")
        parts.append((i, numeric))
    return lambda row: tuple((0, float(row[i])) if numeric and row[i] != "" else (1, row[i]) for i, numeric in parts)


def _table_changes(old_release: Path, old: dict, new_release: Path, new: dict) -> dict:
    old_fields = {f["name"]: f["type"] for f in old["schema"]["fields"]}
    new_fields = {f["name"]: f["type"] for f in new["schema"]["fields"]}
    schema = {
        "columns_added": [n for n in new_fields if n not in old_fields],
        "columns_removed": [n for n in old_fields if n not in new_fields],
        "columns_retyped": [
            {"column": n, "old": old_fields[n], "new": new_fields[n]}
            for n in new_fields
            if n in old_fields and old_fields[n] != new_fields[n]
        ],
    }
    # a table whose CSV has the same bytes (datapackage.json's hash) has no change to read for
    if old.get("hash") and old.get("hash") == new.get("hash") and old["schema"] == new["schema"]:
        rows = _count(new_release, new)
        pk = new["schema"].get("primaryKey") or next(_reader(new_release, new), [])
        return {**_no_rows_yet(pk, schema), "rows_before": rows, "rows_after": rows}
    old_rows, new_rows = _reader(old_release, old), _reader(new_release, new)
    old_header, new_header = next(old_rows, []), next(new_rows, [])
    pk = new["schema"].get("primaryKey") or new_header  # no key: the whole row is its identity
    same_order = (
        old["schema"].get("primaryKey") == new["schema"].get("primaryKey")
        and all(c in old_header for c in pk)
        and all(old_fields.get(c) == new_fields.get(c) for c in pk)
    )
    out = _no_rows_yet(pk, schema)
    common = [c for c in new_header if c in old_header and c not in pk]
    old_at = {c: i for i, c in enumerate(old_header)}

    def note(kind: str, entry) -> None:
        out[kind + "_count"] += 1
        if len(out[kind]) < DETAIL_LIMIT:
            out[kind].append(entry())

    if not same_order:  # the key itself changed: every row is new, every old row removed
        for row in old_rows:
            out["rows_before"] += 1
            note("removed", lambda: {"key": {}, "row": dict(zip(old_header, row))})
        for row in new_rows:
            out["rows_after"] += 1
            note("added", lambda: {"key": {c: row[new_header.index(c)] for c in pk}, "row": dict(zip(new_header, row))})
        return out
    old_key, new_key = _sort_key(old, old_header, pk), _sort_key(new, new_header, pk)
    key_of = lambda row, header: {c: row[header.index(c)] for c in pk}  # noqa: E731
    a, b = next(old_rows, None), next(new_rows, None)
    while a is not None or b is not None:
        ka = old_key(a) if a is not None else None
        kb = new_key(b) if b is not None else None
        if b is None or (a is not None and ka < kb):
            out["rows_before"] += 1
            note("removed", lambda: {"key": key_of(a, old_header), "row": dict(zip(old_header, a))})
            a = next(old_rows, None)
        elif a is None or kb < ka:
            out["rows_after"] += 1
            note("added", lambda: {"key": key_of(b, new_header), "row": dict(zip(new_header, b))})
            b = next(new_rows, None)
        else:
            out["rows_before"] += 1
            out["rows_after"] += 1
            diff = {
                c: {"old": a[old_at[c]], "new": b[i]}
                for i, c in enumerate(new_header)
                if c in old_at and c in common and a[old_at[c]] != b[i]
            }
            if diff:
                note("changed", lambda: {"key": key_of(b, new_header), "changes": diff})
            a, b = next(old_rows, None), next(new_rows, None)
    return out


def change_level(log: dict) -> str:
    """The least version bump the changes need (docs/releases.md): major when
    a table or column is removed or a column retyped; minor when tables, columns or rows are
    added or rows removed; patch otherwise."""
    if log["previous"] is None:
        return "major"
    tables = log["tables"].values()
    if log["tables_removed"] or any(t["schema"]["columns_removed"] or t["schema"]["columns_retyped"] for t in tables):
        return "major"
    if log.get("json_dropped"):  # a file a script downloads is gone
        return "major"
    if log["tables_added"] or any(t["schema"]["columns_added"] or t["added_count"] or t["removed_count"] for t in tables):
        return "minor"
    return "patch"


def changelog(new_release: Path, previous: Path | None) -> dict:
    """The changes from `previous` (None: the first release) to `new_release`."""
    info = read_release_json(new_release)
    new_pkg = _package(new_release)
    prev_info = read_release_json(previous) if previous else None
    out = {
        "version": info["version"],
        "release_date": info["release_date"],
        "previous": None,
        "change_level": None,
        "tables_added": [],
        "tables_removed": [],
        "tables": {},
    }
    # the national tables ship without a JSON copy; the changelog says which
    without_json = [r["name"] for r in new_pkg["resources"] if not (new_release / "json" / f"{r['name']}.json").is_file()]
    if without_json:
        out["without_json"] = without_json
        out["json_dropped"] = [n for n in without_json if previous and (previous / "json" / f"{n}.json").is_file()]
    if not prev_info:
        out["tables_added"] = [{"table": r["name"], "rows": _count(new_release, r)} for r in new_pkg["resources"]]
        return out
    out["previous"] = {"version": prev_info["version"], "release_date": prev_info["release_date"], "id": previous.name}
    old_pkg = _package(previous)
    old_by_name = {r["name"]: r for r in old_pkg["resources"]}
    new_names = {r["name"] for r in new_pkg["resources"]}
    for r in new_pkg["resources"]:
        if r["name"] not in old_by_name:
            out["tables_added"].append({"table": r["name"], "rows": _count(new_release, r)})
            continue
        out["tables"][r["name"]] = _table_changes(previous, old_by_name[r["name"]], new_release, r)
    out["tables_removed"] = [{"table": n, "rows": _count(previous, r)} for n, r in old_by_name.items() if n not in new_names]
    out["change_level"] = change_level(out)
    return out


def _no_rows_yet(pk, schema: dict) -> dict:
    """A table's diff before its rows are read: no row counted, added, removed or changed."""
    return {
        "primary_key": list(pk),
        "rows_before": 0,
        "rows_after": 0,
        "added_count": 0,
        "removed_count": 0,
        "changed_count": 0,
        "added": [],
        "removed": [],
        "changed": [],
        "schema": schema,
    }


def _count(release: Path, resource: dict) -> int:
    db = release / f"{DB_NAME}.db"
    if db.exists():  # the release's own database counts its rows in an instant
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            return con.execute(f'SELECT COUNT(*) FROM "{resource["name"]}"').fetchone()[0]
    return sum(1 for _ in _reader(release, resource)) - 1


def _more(count: int) -> str:
    if count <= DETAIL_LIMIT:
        return "see changelog.json"
    return f"changelog.json lists the first {DETAIL_LIMIT:,}; compare the two releases' CSV files for all"


def _key_text(key: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _cell(value: str) -> str:
    return "∅" if value == "" else "`" + value.replace("`", "'").replace("\n", " ").replace("|", "\\|") + "`"


def markdown(log: dict) -> str:
    """CHANGELOG.md: what a reader needs to see what changed, table by table."""
    lines = [f"# Changelog of release {log['version']} ({log['release_date']})", ""]
    if log.get("without_json"):
        dropped = [f"**{n}**" + (" (no longer)" if n in log["json_dropped"] else "") for n in log["without_json"]]
        lines += [
            f"Tables of at least {parallel_min_rows():,} rows ship as CSV, Parquet and SQLite, without a JSON copy "
            f"(the portal's JSON API serves every row): {', '.join(dropped)}.",
            "",
        ]
    prev = log["previous"]
    if prev is None:
        lines += ["First release: nothing to compare with.", "", "| table | rows |", "|---|---|"]
        lines += [f"| {t['table']} | {t['rows']} |" for t in log["tables_added"]]
        return "\n".join(lines) + "\n"
    lines += [
        f"Compared with release {prev['version']} ({prev['release_date']}, folder `releases/{prev['id']}/`). "
        f"Kind of change: **{log['change_level']}**.",
        "",
    ]
    summary = ["| table | rows before | rows after | added | removed | changed | schema |", "|---|---|---|---|---|---|---|"]
    for name, t in log["tables"].items():
        s = t["schema"]
        schema = len(s["columns_added"]) + len(s["columns_removed"]) + len(s["columns_retyped"])
        summary.append(
            f"| {name} | {t['rows_before']} | {t['rows_after']} | {t['added_count']} | {t['removed_count']} | "
            f"{t['changed_count']} | {schema or ''} |"
        )
    lines += summary + [""]
    for t in log["tables_added"]:
        lines.append(f"- Table **{t['table']}** added ({t['rows']} rows).")
    for t in log["tables_removed"]:
        lines.append(f"- Table **{t['table']}** removed (it had {t['rows']} rows).")
    for name, t in log["tables"].items():
        s = t["schema"]
        if not (t["added_count"] or t["removed_count"] or t["changed_count"] or any(s.values())):
            continue
        lines += ["", f"## {name}", ""]
        lines += [f"- Column added: `{c}`" for c in s["columns_added"]]
        lines += [f"- Column removed: `{c}`" for c in s["columns_removed"]]
        lines += [f"- Column retyped: `{c['column']}` {c['old']} → {c['new']}" for c in s["columns_retyped"]]
        for kind, verb in (("added", "Added"), ("removed", "Removed")):
            for entry in t[kind][:MARKDOWN_LIMIT]:
                lines.append(f"- {verb}: {_key_text(entry['key']) or _key_text(entry['row'])}")
            if t[kind + "_count"] > MARKDOWN_LIMIT:
                lines.append(f"- … and {t[kind + '_count'] - MARKDOWN_LIMIT} more {kind} ({_more(t[kind + '_count'])})")
        for entry in t["changed"][:MARKDOWN_LIMIT]:
            changes = "; ".join(f"`{c}`: {_cell(v['old'])} → {_cell(v['new'])}" for c, v in entry["changes"].items())
            lines.append(f"- Changed {_key_text(entry['key'])}: {changes}")
        if t["changed_count"] > MARKDOWN_LIMIT:
            lines.append(f"- … and {t['changed_count'] - MARKDOWN_LIMIT} more changed ({_more(t['changed_count'])})")
    return "\n".join(lines) + "\n"


def write(new_release: Path, previous: Path | None) -> dict:
    log = changelog(new_release, previous)
    (new_release / "changelog.json").write_text(json.dumps(log, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (new_release / "CHANGELOG.md").write_text(markdown(log), encoding="utf-8")
    return log
