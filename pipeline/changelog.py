"""Changelog of a release against the previous one: per table, rows added, removed and
changed (by primary key, with old -> new values) and schema changes. Read from the two
releases' CSV files and datapackage.json, never from raw/."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from .releases import read_release_json

MARKDOWN_LIMIT = 200  # entries listed per table and kind in CHANGELOG.md; changelog.json has all


def _package(release: Path) -> dict:
    return json.loads((release / "datapackage.json").read_text(encoding="utf-8"))


def _rows(release: Path, resource: dict) -> tuple[list[str], list[list[str]]]:
    with (release / resource["path"]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _key_of(resource: dict, header: list[str]):
    pk = resource["schema"].get("primaryKey") or header  # no key: the whole row is its identity
    idx = [header.index(c) for c in pk]
    return list(pk), (lambda row: tuple(row[i] for i in idx))


def _table_changes(old_release: Path, old: dict, new_release: Path, new: dict) -> dict:
    old_fields = {f["name"]: f["type"] for f in old["schema"]["fields"]}
    new_fields = {f["name"]: f["type"] for f in new["schema"]["fields"]}
    schema = {
        "columns_added": [n for n in new_fields if n not in old_fields],
        "columns_removed": [n for n in old_fields if n not in new_fields],
        "columns_retyped": [{"column": n, "old": old_fields[n], "new": new_fields[n]}
                            for n in new_fields if n in old_fields and old_fields[n] != new_fields[n]],
    }
    old_header, old_rows = _rows(old_release, old)
    new_header, new_rows = _rows(new_release, new)
    pk, new_key = _key_of(new, new_header)
    if all(c in old_header for c in pk):
        old_key = lambda row: tuple(row[old_header.index(c)] for c in pk)  # noqa: E731
    else:  # the key itself is new: every row is new
        old_key = lambda row: ("\0removed",) + tuple(row)  # noqa: E731
    before = {old_key(r): dict(zip(old_header, r)) for r in old_rows}
    after = {new_key(r): dict(zip(new_header, r)) for r in new_rows}
    common = [c for c in new_header if c in old_header and c not in pk]
    changed = []
    for key, row in after.items():
        if key in before:
            diff = {c: {"old": before[key][c], "new": row[c]} for c in common if before[key][c] != row[c]}
            if diff:
                changed.append({"key": dict(zip(pk, key)), "changes": diff})
    return {
        "primary_key": pk,
        "rows_before": len(old_rows),
        "rows_after": len(new_rows),
        "added": [{"key": dict(zip(pk, k)), "row": r} for k, r in after.items() if k not in before],
        "removed": [{"key": dict(zip(pk, k)) if k[:1] != ("\0removed",) else {}, "row": r}
                    for k, r in before.items() if k not in after],
        "changed": changed,
        "schema": schema,
    }


def change_level(log: dict) -> str:
    """The least version bump the changes need (README, "Versions and releases"): major when
    a table or column is removed or a column retyped; minor when tables, columns or rows are
    added or rows removed; patch otherwise."""
    if log["previous"] is None:
        return "major"
    tables = log["tables"].values()
    if log["tables_removed"] or any(t["schema"]["columns_removed"] or t["schema"]["columns_retyped"] for t in tables):
        return "major"
    if log["tables_added"] or any(t["schema"]["columns_added"] or t["added"] or t["removed"] for t in tables):
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


def _count(release: Path, resource: dict) -> int:
    return len(_rows(release, resource)[1])


def _key_text(key: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _cell(value: str) -> str:
    return "∅" if value == "" else "`" + value.replace("`", "'").replace("\n", " ").replace("|", "\\|") + "`"


def markdown(log: dict) -> str:
    """CHANGELOG.md: what a reader needs to see what changed, table by table."""
    lines = [f"# Changelog of release {log['version']} ({log['release_date']})", ""]
    prev = log["previous"]
    if prev is None:
        lines += ["First release: nothing to compare with.", "", "| table | rows |", "|---|---|"]
        lines += [f"| {t['table']} | {t['rows']} |" for t in log["tables_added"]]
        return "\n".join(lines) + "\n"
    lines += [f"Compared with release {prev['version']} ({prev['release_date']}, folder `releases/{prev['id']}/`). "
              f"Kind of change: **{log['change_level']}**.", ""]
    summary = ["| table | rows before | rows after | added | removed | changed | schema |", "|---|---|---|---|---|---|---|"]
    for name, t in log["tables"].items():
        s = t["schema"]
        schema = len(s["columns_added"]) + len(s["columns_removed"]) + len(s["columns_retyped"])
        summary.append(f"| {name} | {t['rows_before']} | {t['rows_after']} | {len(t['added'])} | {len(t['removed'])} | "
                       f"{len(t['changed'])} | {schema or ''} |")
    lines += summary + [""]
    for t in log["tables_added"]:
        lines.append(f"- Table **{t['table']}** added ({t['rows']} rows).")
    for t in log["tables_removed"]:
        lines.append(f"- Table **{t['table']}** removed (it had {t['rows']} rows).")
    for name, t in log["tables"].items():
        s = t["schema"]
        if not (t["added"] or t["removed"] or t["changed"] or any(s.values())):
            continue
        lines += ["", f"## {name}", ""]
        lines += [f"- Column added: `{c}`" for c in s["columns_added"]]
        lines += [f"- Column removed: `{c}`" for c in s["columns_removed"]]
        lines += [f"- Column retyped: `{c['column']}` {c['old']} → {c['new']}" for c in s["columns_retyped"]]
        for kind, verb in (("added", "Added"), ("removed", "Removed")):
            for entry in t[kind][:MARKDOWN_LIMIT]:
                lines.append(f"- {verb}: {_key_text(entry['key']) or _key_text(entry['row'])}")
            if len(t[kind]) > MARKDOWN_LIMIT:
                lines.append(f"- … and {len(t[kind]) - MARKDOWN_LIMIT} more {kind} (see changelog.json)")
        for entry in t["changed"][:MARKDOWN_LIMIT]:
            changes = "; ".join(f"`{c}`: {_cell(v['old'])} → {_cell(v['new'])}" for c, v in entry["changes"].items())
            lines.append(f"- Changed {_key_text(entry['key'])}: {changes}")
        if len(t["changed"]) > MARKDOWN_LIMIT:
            lines.append(f"- … and {len(t['changed']) - MARKDOWN_LIMIT} more changed (see changelog.json)")
    return "\n".join(lines) + "\n"


def write(new_release: Path, previous: Path | None) -> dict:
    log = changelog(new_release, previous)
    (new_release / "changelog.json").write_text(json.dumps(log, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (new_release / "CHANGELOG.md").write_text(markdown(log), encoding="utf-8")
    return log
