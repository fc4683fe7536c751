"""Where things live. Tests point a Paths at a temporary copy of the project."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "remacto"


@dataclass(frozen=True)
class Paths:
    root: Path = ROOT

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def schemas(self) -> Path:
        return self.root / "schemas"

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def published(self) -> Path:
        """A symlink to the current release in releases/, swapped atomically."""
        return self.root / "published"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def portal(self) -> Path:
        """Datasette plugins, templates and static files of the portal."""
        return Path(__file__).resolve().parent / "portal"
