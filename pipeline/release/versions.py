"""Versions of releases: the version and date a release carries, the rule that a changed
release needs a new version, and the index of every release kept in releases/."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from pipeline.model import Model, ModelError
from pipeline.release.files import sha256

SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
RELEASE_JSON = "release.json"
# Files that describe a release's place in history rather than its content: the same content
# and version published after a different previous release differ only in these.
HISTORY_FILES = ("CHANGELOG.md", "changelog.json")


def release_info(model: Model) -> dict:
    """Version, date and base URL from metadata/release.yaml, checked."""
    meta = model.release
    where = "metadata/release.yaml"
    if meta is None:
        raise ModelError(f"{where}: the file is missing; it gives the release's version, release_date and base_url")
    version = str(meta.version)
    if not SEMVER.fullmatch(version):
        raise ModelError(f"{where}: version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0); fix it and publish again")
    raw_date = meta.release_date
    try:
        date = raw_date if isinstance(raw_date, dt.date) else dt.date.fromisoformat(str(raw_date))
    except ValueError:
        raise ModelError(f"{where}: release_date {raw_date!r} is not a date YYYY-MM-DD; fix it and publish again") from None
    # The public address the release is cited at; None until the portal is deployed at one.
    base_url = str(meta.base_url).rstrip("/") if meta.base_url else None
    if base_url and not re.match(r"https?://[^/]", base_url):
        raise ModelError(f"{where}: base_url {base_url!r} must start with http:// or https:// (or be left empty)")
    if base_url and re.match(r"https?://(127\.|localhost\b|\[?::1\]?)", base_url):
        raise ModelError(
            f"{where}: base_url {base_url!r} is a loopback address, nobody's public address: "
            "leave it empty until the portal is deployed (docs/deploying.md)"
        )
    return {"version": version, "release_date": date.isoformat(), "base_url": base_url, "citation": meta.citation or {}}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def read_release_json(release: Path) -> dict | None:
    path = release / RELEASE_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def content_digest(release: Path) -> str:
    """SHA-256 over the checksums of a release's files, leaving out its history files."""
    lines = [
        line for line in (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines() if line.split("  ", 1)[1] not in HISTORY_FILES
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


# The catalogs give each file's permanent address, /release/<id>/<file> (DCAT-AP, CKAN, schema.org),
# so the id cannot be a digest of them: it is the digest of every other file's SHA256SUMS line but
# the history files', taken just before catalogs.write_catalogs writes these files (the catalogs and
# citations, made from the other files, metadata/ and the id). It still names one content:
# release.json, with the version publish refuses to keep for a changed content, is among the files
# it covers. The history files stay out, as content_digest leaves them out: the same content
# published again after another release gets the same id and catalogs, so it is the same release.
CATALOG_FILES = ("dcat.ttl", "dcat.jsonld", "schema-org.json", "CITATION.md", "CITATION.cff", "citation.json")
CATALOG_FOLDERS = ("ckan/",)


def is_catalog(rel: str) -> bool:
    return rel in CATALOG_FILES or rel.startswith(CATALOG_FOLDERS)


def checksum_lines(release: Path) -> list[str]:
    """SHA256SUMS's lines for the files now in `release` (sha256sum's format), in path order."""
    files = sorted(p for p in release.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    return [f"{sha256(p)}  {p.relative_to(release).as_posix()}\n" for p in files]


def release_id(release: Path) -> str:
    """A release's id (16 hex digits): from its SHA256SUMS once written, else from its files so far."""
    sums = release / "SHA256SUMS"
    lines = sums.read_text(encoding="utf-8").splitlines(keepends=True) if sums.exists() else checksum_lines(release)
    kept = [line for line in lines if not is_catalog(rel := line.rstrip("\n").split("  ", 1)[1]) and rel not in HISTORY_FILES]
    return hashlib.sha256("".join(kept).encode("utf-8")).hexdigest()[:16]


def check_new_version(info: dict, current: Path | None) -> None:
    """Before building: a new release may not go back in version or date."""
    previous = read_release_json(current) if current else None
    if not previous:
        return
    if version_key(info["version"]) < version_key(previous["version"]):
        raise ValueError(
            f"metadata/release.yaml: version {info['version']} is lower than the published release's "
            f"{previous['version']}; versions only go up"
        )
    if info["release_date"] < previous["release_date"]:
        raise ValueError(
            f"metadata/release.yaml: release_date {info['release_date']} is before the published release's "
            f"{previous['release_date']}; set the date of this release"
        )


def same_release(staging: Path, current: Path | None) -> bool:
    """True when staging holds what `current` holds under the same version; refuses a
    changed release that kept the published version."""
    previous = read_release_json(current) if current else None
    new = read_release_json(staging)
    if not previous or previous["version"] != new["version"]:
        return False
    if content_digest(staging) == content_digest(current):
        return True
    raise ValueError(
        f"the release changed (raw/, schemas/ or metadata/ differ from published release {current.name}) "
        f"but metadata/release.yaml still says version {new['version']}: bump version (see the comment "
        f"in metadata/release.yaml) and set release_date, then publish again"
    )


LEVELS = ("patch", "minor", "major")


def check_bump(staging: Path) -> None:
    """The version went up by at least what the changelog's changes need."""
    log = json.loads((staging / "changelog.json").read_text(encoding="utf-8"))
    if log["previous"] is None:
        return
    old, new = version_key(log["previous"]["version"]), version_key(log["version"])
    bump = "major" if new[0] > old[0] else "minor" if new[1] > old[1] else "patch"
    need = log["change_level"]
    if LEVELS.index(bump) < LEVELS.index(need):
        major, minor, _ = old
        suggestion = f"{major + 1}.0.0" if need == "major" else f"{major}.{minor + 1}.0"
        raise ValueError(
            f"metadata/release.yaml: version {log['version']} is a {bump} bump from {log['previous']['version']}, but the "
            f"changes need a {need} one (CHANGELOG.md lists them; the rules are in docs/releases.md): "
            f"set version {suggestion}"
        )


def write_index(releases: Path, current: Path | None = None) -> Path:
    """releases/index.json: every release kept here, oldest first, with its checksum list's SHA-256."""
    entries = []
    for folder in sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")):
        info = read_release_json(folder)
        if not info or not (folder / "SHA256SUMS").exists():
            continue
        entries.append(
            {
                "id": folder.name,
                "version": info["version"],
                "release_date": info["release_date"],
                "path": f"releases/{folder.name}/",
                "sha256sums_sha256": hashlib.sha256((folder / "SHA256SUMS").read_bytes()).hexdigest(),
                "current": current is not None and folder.resolve() == current.resolve(),
            }
        )
    entries.sort(key=lambda e: (version_key(e["version"]), e["release_date"], e["id"]))
    path = releases / "index.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"releases": entries}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
