"""Going back to the previous release, and removing old ones, on a project that keeps its releases
in releases/ (`python -m pipeline rollback` / `prune`). Both take the publish lock, so neither runs
beside a publish; the switch is the same single rename of the `published` symlink a publish makes,
so the portal's replicas follow it on their next request."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.release import versions
from pipeline.release.publish import PublishError, publish_lock, swap_symlink
from pipeline.settings import Paths


def kept_releases(paths: Paths) -> list[tuple[tuple[int, ...], Path]]:
    """The whole releases in releases/ (a release.json and a checksum list), oldest version first."""
    if not paths.releases.is_dir():
        return []
    found = []
    for folder in paths.releases.iterdir():
        info = versions.read_release_json(folder) if folder.is_dir() and not folder.name.startswith(".") else None
        if info and (folder / "SHA256SUMS").exists():
            found.append((versions.version_key(info["version"]), folder))
    return sorted(found)


def _current(paths: Paths) -> Path:
    if not paths.published.is_symlink():
        raise PublishError(f"{paths.published} is not a release symlink: nothing is published here")
    return paths.published.resolve()


def rollback(paths: Paths) -> Path:
    """Point `published` at the release with the highest version below the current one; its folder."""
    with publish_lock(paths.releases):
        current = _current(paths)
        releases = kept_releases(paths)
        version = next((v for v, folder in releases if folder == current), None)
        older = [folder for v, folder in releases if version is not None and v < version]
        if not older:
            raise PublishError(f"no release older than {current.name} in {paths.releases}; nothing to roll back to")
        swap_symlink(paths.published, older[-1])
        versions.write_index(paths.releases, older[-1])
        return older[-1]


def prune(paths: Paths, keep: int) -> list[Path]:
    """Remove all but the `keep` newest releases, never the current one; the folders removed.
    A portal still answering a request on a removed release fails that request: prune a release
    only once every replica has switched (docs/deploying.md)."""
    if keep < 1:
        raise PublishError(f"--keep must be at least 1, not {keep}")
    with publish_lock(paths.releases):
        current = _current(paths)
        folders = [folder for _, folder in kept_releases(paths)]
        removed = [folder for folder in folders[: max(0, len(folders) - keep)] if folder != current]
        for folder in removed:
            shutil.rmtree(folder)
        versions.write_index(paths.releases, current)
        return removed
