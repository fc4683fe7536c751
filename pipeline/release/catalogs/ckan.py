"""CKAN package descriptions (package_show-shaped), one per dataset, mapped from a
Frictionless data package by frictionless-ckan-mapper rather than written by hand."""

from __future__ import annotations

import json
from pathlib import Path

from frictionless_ckan_mapper import frictionless_to_ckan

from pipeline.release.catalogs.context import table_files
from pipeline.model.texts import trilingual

FOLDER = "ckan"


def ckan_name(package_name: str, key: str) -> str:
    """CKAN names are lowercase ASCII letters, digits, - and _."""
    return f"{package_name}-{key}".replace("_", "-")


def data_package(ctx: dict, release: Path, key: str) -> dict:
    """The Frictionless descriptor of one dataset, with CKAN's licence id and public URLs."""
    pkg, urls, info = ctx["package"], ctx["urls"], ctx["info"]
    meta = pkg["datasets"][key]
    licence = ctx["licence"]
    resources = []
    for table in ctx["datasets"][key]:
        for f in table_files(release, table.name):
            resources.append(
                {
                    "name": f"{table.name}-{f.path.split('/')[0]}",
                    "title": trilingual(table.title),
                    "description": trilingual(table.description),
                    "path": urls.file(f.path),
                    "format": f.format,
                    "mediatype": f.mediatype,
                    "bytes": f.bytes,
                    "hash": f.sha256,
                }
            )
    return {
        "name": ckan_name(pkg["name"], key),
        "title": trilingual(meta["title"]),
        "description": "\n\n".join(" ".join(meta["description"][lang].split()) for lang in ctx["langs"]),
        "homepage": urls.dataset(key),
        "version": info["version"],
        "licenses": [{"name": licence["ckan_id"], "title": licence["title"], "path": licence["path"]}],
        "contributors": [{"title": ctx["publisher"]["en"], "role": "publisher"}],
        "keywords": list(pkg["keywords"]),
        "release_date": info["release_date"],
        "languages": list(ctx["langs"]),
        "resources": resources,
    }


def package_show(ctx: dict, release: Path, key: str) -> dict:
    return frictionless_to_ckan.package(data_package(ctx, release, key))


def write(ctx: dict, release: Path) -> None:
    (release / FOLDER).mkdir(exist_ok=True)
    for key in ctx["datasets"]:
        (release / FOLDER / f"{key}.json").write_text(
            json.dumps(package_show(ctx, release, key), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
