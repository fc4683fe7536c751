"""The YAML files of metadata/ as typed objects: each key is a field, an unknown key (a misspelling)
or a missing one is refused with the file and the key named, before any stage runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A metadata file has a key that is not expected there, or lacks one that is required."""


def _checked(cls, data, where: str) -> dict:
    """`data`'s keys as `cls`'s fields: refused when one is unknown or a required one is missing."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected keys and values, found {type(data).__name__} {data!r}")
    known = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (the keys here are: {', '.join(known)})")
    for key in required:
        if key not in data:
            raise ConfigError(f"{where}: missing key {key!r}")
    return dict(data)


@dataclass(frozen=True)
class Rule:
    """One rule of metadata/rules.yaml: either `actual` compared with `expected` (a number or SQL), or
    `violations` SQL returning (rowid, message) for each offending row of `file`."""

    id: str
    description: str
    file: str
    field: str | None = None
    actual: str | None = None
    expected: Any = None
    violations: str | None = None

    @classmethod
    def parse(cls, data, where: str) -> Rule:
        rule = cls(**_checked(cls, data, where))
        if (rule.violations is None) == (rule.actual is None) or (rule.actual is not None) != ("expected" in data):
            raise ConfigError(f"{where}: give either `violations`, or `actual` and `expected`")
        return rule


def parse_rules(data, where: str) -> list[Rule]:
    top = _checked(_RulesFile, data or {}, where)
    return [Rule.parse(r, f"{where} rule {i}") for i, r in enumerate(top.get("rules") or [], start=1)]


@dataclass(frozen=True)
class _RulesFile:
    rules: list = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseMeta:
    """metadata/release.yaml: what a release carries besides its data (checked in release/versions.py)."""

    version: Any
    release_date: dt.date | str
    base_url: str | None
    citation: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, data, where: str) -> ReleaseMeta:
        return cls(**_checked(cls, data, where))


@dataclass(frozen=True)
class Query:
    title: dict
    description: dict
    sql: str
    # Where a result column's title and code labels come from, when its name alone does not say:
    # `table.column` (that schema column's) or a title in each language.
    columns: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ResponseCache:
    max_mb: float = 64
    max_entry_kb: float = 1024


@dataclass(frozen=True)
class PortalConfig:
    """metadata/portal.yaml: how the portal is served and its canned queries."""

    host: str
    port: int
    workers: int = 1
    settings: dict = field(default_factory=dict)  # Datasette --setting values, checked by Datasette itself
    response_cache: dict = field(default_factory=dict)
    queries: dict[str, Query] = field(default_factory=dict)
    ui: dict = field(default_factory=dict)  # words not yet moved to the catalogs: python -m pipeline.tools.words

    @classmethod
    def parse(cls, data, where: str) -> PortalConfig:
        values = _checked(cls, data, where)
        _checked(ResponseCache, values.get("response_cache") or {}, f"{where} response_cache")
        values["queries"] = {
            name: Query(**_checked(Query, q, f"{where} query {name}")) for name, q in (values.get("queries") or {}).items()
        }
        return cls(**values)


@dataclass(frozen=True)
class _Package:
    name: str
    title: dict
    description: dict
    licenses: list
    attribution: dict
    contributors: list
    keywords: list
    languages: list
    publisher: dict
    country: dict
    datasets: dict


@dataclass(frozen=True)
class _Dataset:
    title: dict
    description: dict
    temporal: dict | None = None
    spatial_territories: list = field(default_factory=list)


def check_package(data, where: str) -> dict:
    """metadata/package.yaml with its keys checked (it stays the data package's own dict: the data
    package, the catalogs and the portal copy its parts as they are)."""
    _checked(_Package, data, where)
    for key, dataset in data["datasets"].items():
        _checked(_Dataset, dataset, f"{where} dataset {key}")
    return data
