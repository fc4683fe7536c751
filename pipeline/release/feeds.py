"""Atom feeds (RFC 4287) of the releases kept in releases/: one for the whole portal, one a dataset,
so that anyone can be told when a dataset changes. Each entry is a release: its version, date, what
changed (from its changelog) and links to its files at their permanent addresses. The portal serves
them (plugins/remacto_release.py) with the address it is reached at."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Release:
    """One release kept in releases/, as index.json lists it."""

    id: str
    version: str
    date: str
    folder: Path

    def changelog(self) -> dict:
        path = self.folder / "changelog.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def kept_releases(releases: Path) -> list[Release]:
    """The releases in releases/index.json whose folder is still there, newest first."""
    index = releases / "index.json"
    if not index.exists():
        return []
    listed = json.loads(index.read_text(encoding="utf-8"))["releases"]
    kept = [Release(r["id"], r["version"], r["release_date"], releases / r["id"]) for r in listed]
    return [r for r in reversed(kept) if (r.folder / "SHA256SUMS").is_file()]


def release_of_version(releases: Path, version: str) -> Release | None:
    return next((r for r in kept_releases(releases) if r.version == version), None)


def changes(changelog: dict, tables: set[str] | None, words: dict) -> list[str]:
    """What changed in `tables` (None: all), one line a table, in the words given
    ({"first": …, "added": …, "removed": …, "changed": …, "none": …})."""
    if not changelog.get("previous"):
        return [words["first"]]
    lines = []
    for name, t in changelog.get("tables", {}).items():
        if tables is not None and name not in tables:
            continue
        counts = [(words[k], t[f"{k}_count"]) for k in ("added", "removed", "changed") if t.get(f"{k}_count")]
        if counts:
            lines.append(f"{words['table'](name)}: " + ", ".join(f"{word} {n}" for word, n in counts))
    for t in changelog.get("tables_added", []):
        if tables is None or t["table"] in tables:
            lines.append(f"{words['table'](t['table'])}: {words['added']} {t['rows']}")
    return lines or [words["none"]]


def atom(feed_url: str, site_url: str, title: str, entries: list[dict], lang: str) -> bytes:
    """The feed: `entries` newest first, each {id, title, updated (YYYY-MM-DD), summary (lines),
    links [(title, href)]}. Addresses are absolute (a feed reader has no page to resolve against)."""
    ET.register_namespace("", ATOM)

    def add(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    add(feed, "id", feed_url)
    add(feed, "title", title)
    add(feed, "updated", f"{entries[0]['updated'] if entries else '1970-01-01'}T00:00:00Z")
    add(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    add(feed, "link", rel="alternate", type="text/html", href=site_url)
    add(add(feed, "author"), "name", title)
    for e in entries:
        entry = add(feed, "entry")
        add(entry, "id", e["id"])
        add(entry, "title", e["title"])
        add(entry, "updated", f"{e['updated']}T00:00:00Z")
        add(entry, "summary", "\n".join(e["summary"]))
        for text, href in e["links"]:
            add(entry, "link", rel="related" if href != e["id"] else "alternate", title=text, href=href)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
