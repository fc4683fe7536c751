"""Catalogs of a release (DCAT-AP, CKAN, schema.org, citations) and its changelog, written from the
built release: `write_catalogs`."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.model import Model
from pipeline.release import changelog
from pipeline.release.catalogs import ckan, citation, dcat, schemaorg
from pipeline.release.catalogs.context import context
from pipeline.release.versions import RELEASE_JSON, release_info


def write_catalogs(model: Model, release: Path, previous: Path | None) -> None:
    """release.json, the changelog, DCAT-AP, CKAN, schema.org and citations, into a built release."""
    info = release_info(model)
    (release / RELEASE_JSON).write_text(
        json.dumps(
            {"name": model.package["name"], "version": info["version"], "release_date": info["release_date"], "base_url": info["base_url"]},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    changelog.write(release, previous)
    ctx = context(model, release)
    dcat.write(ctx, release)
    ckan.write(ctx, release)
    schemaorg.write(ctx, release)
    citation.write(ctx, release)
