"""Static files under content-addressed URLs: the portal's own CSS and scripts (/assets/), Datasette's
(/-/static/) and any plugin's (/-/static-plugins/<plugin>/). A file is linked as its name with the
first 7 hex digits of its SHA-256 before the extension (`/assets/portal.css` ->
`/assets/portal-1a2b3c4.css`), so the URL changes when the bytes do and the answer can be kept a year,
`immutable`. This is datasette-hashed-urls 0.4's scheme (`<name>-<sha256[:7]>`, an out-of-date hash
redirected to the current one), applied to files: that plugin hashes only database routes, to keep
*pages* a year, which this portal cannot do (pages follow `published` and switch at a publish), and
leaves static files alone. The plain URL keeps working, short-lived.

The release's own files are not here: they are addressed by the release id (/release/<id>/...,
pipeline/portal/headers.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from datasette.plugins import get_plugins

HASH_LENGTH = 7
# The mount of the release's files (pipeline/portal/serve.py): addressed by release id instead.
RELEASE_MOUNT = "release"
HASHED = re.compile(r"^(?P<folder>.*/)(?P<stem>[^/]+)-(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[^./-]+)?$" % HASH_LENGTH)


@dataclass(frozen=True)
class StaticRoot:
    prefix: str  # the URL path the folder is served at, with both slashes: "/assets/"
    folder: Path


def content_digest(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()[:HASH_LENGTH]


def hashed_path(path: str, digest: str) -> str:
    """`/assets/portal.css` with digest `1a2b3c4` -> `/assets/portal-1a2b3c4.css`."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if not stem:  # no extension (or a dot file): the digest goes at the end
        return f"{folder}/{name}-{digest}"
    return f"{folder}/{stem}-{digest}.{suffix}"


def static_roots(datasette) -> list[StaticRoot]:
    """Every folder Datasette serves static files from, as it mounts them (datasette/app.py)."""
    import datasette as datasette_package

    roots = [StaticRoot("/-/static/", Path(datasette_package.__file__).parent / "static")]
    roots += [StaticRoot(f"/{name}/", Path(folder)) for name, folder in datasette.static_mounts if name != RELEASE_MOUNT]
    for plugin in get_plugins():
        if plugin["static_path"]:
            for name in {plugin["name"], plugin["name"].replace("-", "_")}:
                roots.append(StaticRoot(f"/-/static-plugins/{name}/", Path(plugin["static_path"])))
    return roots


class Assets:
    """The content-addressed URL of each static file, and the file behind such a URL. A digest is
    computed once per version of a file (its size and modification time), so a file edited under
    `make serve` gets a new URL at the next page."""

    def __init__(self, roots: list[StaticRoot]):
        self.roots = roots
        self._digests: dict[tuple, str] = {}

    def file(self, path: str) -> Path | None:
        """The static file served at the plain URL path `path`, if there is one."""
        for root in self.roots:
            if path.startswith(root.prefix):
                folder = root.folder.resolve()
                file = (folder / path[len(root.prefix) :]).resolve()
                if file.is_file() and file.is_relative_to(folder):
                    return file
        return None

    def digest(self, file: Path) -> str:
        stat = file.stat()
        key = (file, stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = content_digest(file)
        return self._digests[key]

    def url(self, path: str) -> str:
        """The content-addressed form of a plain static URL path; any other path (a page, another
        site's URL) as it is."""
        file = self.file(path)
        return hashed_path(path, self.digest(file)) if file else path

    def plain(self, path: str) -> tuple[str, str] | None:
        """For a content-addressed URL path: (the plain path of its file, the file's current
        content-addressed path); None if `path` names no static file that way."""
        match = HASHED.match(path)
        if not match:
            return None
        plain = f"{match['folder']}{match['stem']}{match['suffix'] or ''}"
        file = self.file(plain)
        return (plain, hashed_path(plain, self.digest(file))) if file else None
