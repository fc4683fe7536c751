"""One model of schemas/ and metadata/, loaded once and read by every stage.

Schema files are Frictionless Table Schemas written with trilingual titles and
descriptions and a few portal hints; `Table.frictionless_schema()` gives the
standard descriptor that validation and the data package use.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.model.config import ConfigError, PortalConfig, ReleaseMeta, Rule, check_package, parse_rules
from pipeline.model.texts import LANGS


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: dict
    description: dict
    constraints: dict
    codes: dict | None
    format: str | None = None
    search: bool = False
    facet: bool = False
    # ISO 15924 script of a text column whose values are not the source's Arabic ("Latn": a Latin
    # name, an acronym, a country code): each such cell names its own source and reference, in
    # the sibling columns <name>_source_id and <name>_ref.
    script: str | None = None

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    def descriptor(self) -> dict:
        """Frictionless field descriptor: English title/description, translations beside."""
        d: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.format:
            d["format"] = self.format
        d["title"] = self.title.get("en", "")
        d["description"] = self.description.get("en", "")
        constraints = dict(self.constraints)
        if self.codes:
            constraints["enum"] = list(self.codes)
        if constraints:
            d["constraints"] = constraints
        d["titles"] = self.title
        d["descriptions"] = self.description
        if self.codes:
            d["codes"] = self.codes
        if self.script:
            d["script"] = self.script
        return d


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    ref_fields: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    dataset: str
    title: dict
    description: dict
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    schema_path: Path

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def search_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.search]

    @property
    def facet_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.facet]

    def frictionless_schema(self) -> dict:
        d: dict = {"fields": [f.descriptor() for f in self.fields], "missingValues": [""]}
        if self.primary_key:
            d["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            d["foreignKeys"] = [
                {
                    "fields": list(fk.fields),
                    # Frictionless spells a self-reference as resource "".
                    "reference": {
                        "resource": "" if fk.table == self.name else fk.table,
                        "fields": list(fk.ref_fields),
                    },
                }
                for fk in self.foreign_keys
            ]
        return d


@dataclass(frozen=True)
class Model:
    tables: dict[str, Table]  # ordered so that referenced tables come first
    package: dict  # metadata/package.yaml, its keys checked (config.check_package)
    portal: PortalConfig
    rules: list[Rule] = field(default_factory=list)
    release: ReleaseMeta | None = None  # metadata/release.yaml: version, date, base URL

    def datasets(self) -> dict[str, list[Table]]:
        out: dict[str, list[Table]] = {key: [] for key in self.package["datasets"]}
        for table in self.tables.values():
            out[table.dataset].append(table)
        return out


class ModelError(ValueError):
    """A schema or metadata file is malformed."""


# libyaml's parser (PyYAML built with it, as the pinned wheel is): the same documents, ten times
# faster than the pure-Python one; every command reads all the schemas first.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: not valid YAML: {exc}") from exc


def _table(path: Path) -> Table:
    d = _read_yaml(path)
    name = path.stem
    try:
        fields = tuple(
            Field(
                name=f["name"],
                type=f.get("type", "string"),
                title=f.get("title") or {},
                description=f.get("description") or {},
                constraints=f.get("constraints") or {},
                codes=f.get("codes"),
                format=f.get("format"),
                search=bool(f.get("search")),
                facet=bool(f.get("facet")),
                script=f.get("script"),
            )
            for f in d["fields"]
        )
        fks = tuple(
            ForeignKey(
                tuple(fk["fields"]),
                fk["reference"]["resource"] or name,
                tuple(fk["reference"]["fields"]),
            )
            for fk in d.get("foreignKeys", [])
        )
        return Table(
            name=name,
            dataset=d["dataset"],
            title=d.get("title") or {},
            description=d.get("description") or {},
            fields=fields,
            primary_key=tuple(d.get("primaryKey", [])),
            foreign_keys=fks,
            schema_path=path,
        )
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{path}: missing or malformed key {exc}; see schemas/sources.yaml for the layout") from exc


def provenance_columns(name: str) -> tuple[str, str]:
    """The columns naming the source of a column's cells and the reference in that source."""
    return f"{name}_source_id", f"{name}_ref"


def _check_scripts(table: Table) -> None:
    for f in table.fields:
        if f.script is None:
            continue
        if f.script != "Latn":
            raise ModelError(f"{table.schema_path}: field {f.name}: script {f.script!r} is not 'Latn'")
        missing = [c for c in provenance_columns(f.name) if c not in table.field_names]
        if missing:
            raise ModelError(
                f"{table.schema_path}: field {f.name} is script 'Latn' but has no {' or '.join(missing)} "
                "column: every non-Arabic value names its own source and reference"
            )


def load_model(schemas_dir: Path, metadata_dir: Path) -> Model:
    """Read every schemas/*.yaml and metadata/*.yaml into one Model."""
    tables = {t.name: t for t in map(_table, sorted(Path(schemas_dir).glob("*.yaml")))}
    for t in tables.values():
        _check_scripts(t)
    for t in tables.values():
        for fk in t.foreign_keys:
            if fk.table not in tables:
                raise ModelError(f"{t.schema_path}: foreign key to unknown table {fk.table!r}")
    sorter = graphlib.TopologicalSorter({n: {fk.table for fk in t.foreign_keys if fk.table != n} for n, t in sorted(tables.items())})
    ordered = {n: tables[n] for n in sorter.static_order()}
    metadata_dir = Path(metadata_dir)
    shown = metadata_dir.name
    try:
        package = check_package(_read_yaml(metadata_dir / "package.yaml"), f"{shown}/package.yaml")
        portal = PortalConfig.parse(_read_yaml(metadata_dir / "portal.yaml"), f"{shown}/portal.yaml")
        rules = parse_rules(_read_yaml(metadata_dir / "rules.yaml"), f"{shown}/rules.yaml")
        release_path = metadata_dir / "release.yaml"
        release = ReleaseMeta.parse(_read_yaml(release_path), f"{shown}/release.yaml") if release_path.exists() else None
    except ConfigError as exc:
        raise ModelError(str(exc)) from None
    for t in ordered.values():
        if t.dataset not in package["datasets"]:
            raise ModelError(f"{t.schema_path}: dataset {t.dataset!r} is not declared in metadata/package.yaml")
    return Model(tables=ordered, package=package, portal=portal, rules=rules, release=release)


def missing_metadata(model: Model) -> list[str]:
    """Every place a table, column, code or dataset lacks a title or description in a language."""
    gaps = []

    def need(where: str, texts: dict | None, what: str) -> None:
        for lang in LANGS:
            if not (texts or {}).get(lang, "").strip():
                gaps.append(f"{where}: no {what} in {lang!r}")

    for key, ds in model.package.get("datasets", {}).items():
        need(f"metadata/package.yaml dataset {key}", ds.get("title"), "title")
        need(f"metadata/package.yaml dataset {key}", ds.get("description"), "description")
    need("metadata/package.yaml", model.package.get("title"), "title")
    need("metadata/package.yaml", model.package.get("description"), "description")
    # Read by the catalogs (DCAT-AP, CKAN, schema.org) and the citations.
    need("metadata/package.yaml publisher", (model.package.get("publisher") or {}).get("name"), "name")
    need("metadata/package.yaml country", (model.package.get("country") or {}).get("name"), "name")
    for t in model.tables.values():
        need(f"{t.schema_path.name}", t.title, "title")
        need(f"{t.schema_path.name}", t.description, "description")
        for f in t.fields:
            need(f"{t.schema_path.name} field {f.name}", f.title, "title")
            need(f"{t.schema_path.name} field {f.name}", f.description, "description")
            for code, labels in (f.codes or {}).items():
                need(f"{t.schema_path.name} field {f.name} code {code}", labels, "label")
    for name, q in model.portal.queries.items():
        need(f"metadata/portal.yaml query {name}", q.title, "title")
        need(f"metadata/portal.yaml query {name}", q.description, "description")
        for column, origin in q.columns.items():
            where = f"metadata/portal.yaml query {name} column {column}"
            if isinstance(origin, dict):
                need(where, origin, "title")
            elif query_column_origin(model, origin) is None:
                gaps.append(f"{where}: {origin!r} is no table.column of schemas/")
    return gaps


def query_column_origin(model: Model, origin: str):
    """The schema field a canned query's `columns:` entry names as `table.column`, or None."""
    table, _, column = str(origin).partition(".")
    found = model.tables.get(table)
    return next((f for f in found.fields if f.name == column), None) if found else None
