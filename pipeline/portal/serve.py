"""Serve stage: Datasette's metadata generated from the model, and the command that serves a release."""
from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

from pipeline.build import FTS_SUFFIX
from pipeline.build import facet_counts as facets
from pipeline.portal import i18n
from pipeline.settings import DB_NAME, Paths
from pipeline.model import LANGS, Model

SEPARATOR = " · "


def trilingual(texts: dict) -> str:
    return SEPARATOR.join(texts[lang] for lang in LANGS)


def trilingual_html(texts: dict) -> str:
    return "".join(
        f'<p lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">{html.escape(texts[lang].strip())}</p>' for lang in LANGS
    )


def portal_metadata(model: Model) -> dict:
    """Datasette metadata: titles, descriptions, column notes, facets, search and canned queries."""
    pkg = model.package
    tables = {}
    for t in model.tables.values():
        entry = {
            "title": trilingual(t.title),
            "description_html": trilingual_html(t.description),
            "columns": {f.name: trilingual(f.description) for f in t.fields},
        }
        if t.facet_fields:
            entry["facets"] = t.facet_fields
        if t.search_fields:
            entry.update({"fts_table": t.name + FTS_SUFFIX, "fts_pk": "rowid", "searchmode": "escaped",
                          "label_column": t.search_fields[0]})
        tables[t.name] = entry
    for name in facets.hidden_tables(model):  # precomputed facet counts: read by the portal, not listed
        tables[name] = {"hidden": True}
    queries = {
        name: {"title": trilingual(q["title"]), "description_html": trilingual_html(q["description"]), "sql": q["sql"]}
        for name, q in model.portal.get("queries", {}).items()
    }
    licence = pkg["licenses"][0]
    return {
        "title": trilingual(pkg["title"]),
        "description_html": trilingual_html(pkg["description"]),
        "license": licence["title"],
        "license_url": licence["path"],
        "source": trilingual(pkg["attribution"]),
        "source_url": f"/{DB_NAME}/sources",
        "extra_css_urls": ["/assets/portal.css"],
        # The per-language texts the portal plugin shows (pipeline/i18n.py).
        "plugins": {"remacto-portal": i18n.portal_texts(model)},
        "databases": {DB_NAME: {"title": trilingual(pkg["title"]), "tables": tables, "queries": queries}},
    }


def datasette_args(release: Path, paths: Paths, model: Model, host: str, port: int, follow: Path | None = None) -> list[str]:
    """The portal's command line for one release directory (a concrete folder, not the symlink):
    `datasette serve`'s options, run in `workers:` processes (metadata/portal.yaml) by
    pipeline/portal_server.py. With `follow` (the `published` symlink) the release's files are
    served through it, so they switch with the database when a new release is published."""
    args = [
        sys.executable, "-m", "pipeline.portal.server", "--workers", str(model.portal.get("workers", 1)),
        "--response-cache", json.dumps(model.portal.get("response_cache") or {}),
        "-i", str(release / f"{DB_NAME}.db"),
        "--inspect-file", str(release / "portal" / "inspect.json"),
        "-m", str(release / "portal" / "metadata.json"),
        "--plugins-dir", str(paths.portal / "plugins"),
        "--template-dir", str(paths.portal / "templates"),
        "--static", f"assets:{paths.portal / 'static'}",
        # The release's files (CSV, Parquet, catalogs, changelog, citations) at /release/.
        "--static", f"release:{follow or release}",
        "-h", host, "-p", str(port),
    ]
    for key, value in model.portal.get("settings", {}).items():
        args += ["--setting", key, str(value)]
    return args


def datasette_env(paths: Paths, follow: Path | None = None) -> dict:
    """The portal plugin imports pipeline.normalise: put the project on the path. With `follow`
    (the `published` symlink), the portal switches to each new release as it is published."""
    env = dict(os.environ)
    if follow:
        env["REMACTO_PUBLISHED"] = str(follow)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    return env


def serve(paths: Paths, model: Model, host: str | None = None, port: int | None = None) -> None:
    """Replace this process with Datasette serving the current release, read-only."""
    release = paths.published.resolve()
    if not (release / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `make publish` first.")
    args = datasette_args(release, paths, model, host or model.portal["host"], port or model.portal["port"], follow=paths.published)
    print(f"Serving release {release.name} on http://{args[args.index('-h') + 1]}:{args[args.index('-p') + 1]}/", flush=True)
    os.execve(sys.executable, args, datasette_env(paths, follow=paths.published))
