"""schema.org/Dataset JSON-LD for each dataset, embedded in the portal's pages
(pipeline/portal/templates/_schema_org.html) so search engines can read it."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.release.catalogs.citation import cite
from pipeline.release.catalogs.context import table_files, territories

FILE = "schema-org.json"


def _texts(texts: dict, langs) -> list[dict]:
    return [{"@language": lang, "@value": " ".join(texts[lang].split())} for lang in langs]


def dataset(ctx: dict, release: Path, key: str) -> dict:
    pkg, urls, info, langs = ctx["package"], ctx["urls"], ctx["info"], ctx["langs"]
    meta = pkg["datasets"][key]
    publisher = {"@type": "Organization", "name": _texts(ctx["publisher"], langs), "url": urls.portal}
    doc = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": urls.dataset(key),
        "url": urls.dataset(key),
        "name": _texts(meta["title"], langs),
        "description": _texts(meta["description"], langs),
        "version": info["version"],
        "datePublished": info["release_date"],
        "dateModified": info["release_date"],
        "inLanguage": list(langs),
        "keywords": list(pkg["keywords"]),
        "license": ctx["licence"]["path"],
        "isAccessibleForFree": True,
        "publisher": publisher,
        "creator": publisher,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": _texts(pkg["title"], langs), "url": urls.portal},
        "citation": [c for c in _citations(ctx, key)],
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f"{t.name} ({f.format})",
                "contentUrl": urls.file(f.path),
                "encodingFormat": f.mediatype,
                "contentSize": f"{f.bytes} B",
                "sha256": f.sha256,
            }
            for t in ctx["datasets"][key]
            for f in table_files(release, t.name)
        ],
    }
    if meta.get("temporal"):
        doc["temporalCoverage"] = f"{meta['temporal']['start']}/{meta['temporal']['end']}"
    places = [
        {
            "@type": "Place",
            "name": t["name_latin"] or t["name_ar"],
            "alternateName": t["name_ar"],
            "url": urls.row("territories", t["territory_id"]),
        }
        for t in territories(release, meta.get("spatial_territories") or [])
    ]
    country = {"@type": "Country", "name": _texts(pkg["country"]["name"], langs), "identifier": pkg["country"]["code"]}
    doc["spatialCoverage"] = [country] + places
    return doc


def _citations(ctx: dict, key: str) -> list[str]:
    return [cite(ctx, key, lang) for lang in ctx["langs"]]


def write(ctx: dict, release: Path) -> None:
    out = {
        "tables": {t.name: key for key, tables in ctx["datasets"].items() for t in tables},
        "datasets": {key: dataset(ctx, release, key) for key in ctx["datasets"]},
    }
    (release / FILE).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
