"""What every catalog of a release shares: its files with their checksums, its URLs and its
coverage, read from the built release and the model (the exporters dcat, ckan, schemaorg and
citation read it; catalogs.write_catalogs writes them all)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import DB_NAME
from pipeline.model import LANGS, Model
from pipeline.release.files import sha256
from pipeline.release.versions import release_id, release_info

# (folder and extension, media type, EU file-type code or None, format label). A format is
# listed only where the release has its file: XLSX appears once the build writes xlsx/.
FORMATS = (
    ("csv", "text/csv", "CSV", "CSV"),
    ("json", "application/json", "JSON", "JSON"),
    ("parquet", "application/vnd.apache.parquet", None, "Parquet"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "XLSX"),
)
SQLITE = ("application/vnd.sqlite3", None, "SQLite")
TABLE_SCHEMA_SPEC = "https://specs.frictionlessdata.io/table-schema/"


@dataclass(frozen=True)
class File:
    path: str  # relative to the release
    format: str
    mediatype: str
    eu_filetype: str | None
    bytes: int
    sha256: str
    table: str | None  # None: the whole database


def _file(release: Path, rel: str, fmt: str, mediatype: str, eu: str | None, table: str | None) -> File:
    p = release / rel
    return File(rel, fmt, mediatype, eu, p.stat().st_size, sha256(p), table)


def table_files(release: Path, table: str) -> list[File]:
    out = []
    for ext, mediatype, eu, label in FORMATS:
        rel = f"{ext}/{table}.{ext}"
        if (release / rel).is_file():
            out.append(_file(release, rel, label, mediatype, eu, table))
    return out


def database_file(release: Path) -> File:
    return _file(release, f"{DB_NAME}.db", SQLITE[2], SQLITE[0], SQLITE[1], None)


class Urls:
    """Every public address, from metadata/release.yaml's base_url, the release's id and the portal's
    routes. Without a base_url (base ""), addresses are paths on whichever site serves the release
    (`/datasets/network`), which a page's JSON-LD resolves against the address it is served from."""

    def __init__(self, base: str, release_id: str):
        self.base = base
        self.release_id = release_id

    @property
    def public(self) -> bool:
        return bool(self.base)

    def node(self, key: str, fragment: str) -> str:
        """An RDF node described within a dataset's page (its dcat:Dataset, period, distributions)."""
        return f"{self.dataset(key)}#{fragment}"

    def place(self, territory_id: str) -> str:
        return self.row("territories", territory_id)

    @property
    def portal(self) -> str:
        return self.base + "/"

    def dataset(self, key: str) -> str:
        return f"{self.base}/datasets/{key}"

    def table(self, name: str) -> str:
        return f"{self.base}/{DB_NAME}/{name}"

    def row(self, table: str, pk: str) -> str:
        return f"{self.base}/{DB_NAME}/{table}/{pk}"

    def file(self, rel: str) -> str:
        """A file of this release at its permanent address (the portal serves /release/<id>/<file>
        while releases/ keeps the release; /release/<file> follows the current one)."""
        return f"{self.base}/release/{self.release_id}/{rel}"


class RelativeUrls(Urls):
    """Addresses relative to the release folder, for the DCAT-AP catalogs of a release with no public
    address: a reader resolves them against where it read the catalog, and the files sit beside it
    (in the folder, the zip, /release/<id>/ and /release/ alike). Nothing names an address the
    release does not have."""

    def __init__(self, release_id: str):
        super().__init__("", release_id)

    @property
    def portal(self) -> str:
        return ""

    def dataset(self, key: str) -> str:
        return f"#{key}"

    def node(self, key: str, fragment: str) -> str:
        return f"#{key}-{fragment}"

    def place(self, territory_id: str) -> str:
        return f"#territory-{territory_id}"

    def table(self, name: str) -> str:
        return f"csv/{name}.csv"

    def file(self, rel: str) -> str:
        return rel


def territories(release: Path, ids: list[str]) -> list[dict]:
    """Names of the territories a dataset covers, from the published territories table."""
    with (release / "csv" / "territories.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["territory_id"]: r for r in csv.DictReader(fh)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ValueError(f"metadata/package.yaml: spatial_territories {missing} are not rows of raw/territories.csv")
    return [rows[i] for i in ids]


def context(model: Model, release: Path) -> dict:
    """The facts every exporter reads, gathered once."""
    info = release_info(model)
    pkg = model.package
    return {
        "info": info,
        "urls": Urls(info["base_url"] or "", release_id(release)),
        "package": pkg,
        "publisher": pkg["publisher"]["name"],
        "licence": pkg["licenses"][0],
        "datasets": {key: tables for key, tables in model.datasets().items()},
        "langs": LANGS,
    }
