"""The portal's Datasette metadata of a release (portal/metadata.json): titles, descriptions, column
notes, facets, search, canned queries, and the data's titles and labels in every language (the portal's
own words are in its gettext catalogs, pipeline/portal/locale/)."""

from __future__ import annotations

from pipeline.build.facet_counts import hidden_tables
from pipeline.model import LANGS, Model, query_column_origin
from pipeline.model.layout import FTS_SUFFIX
from pipeline.model.texts import trilingual, trilingual_html
from pipeline.settings import DB_NAME


def portal_texts(model: Model) -> dict:
    """Titles, descriptions and code labels of the data, in every language."""
    pkg = model.package
    return {
        "languages": list(LANGS),
        "package": {
            "title": pkg["title"],
            "description": pkg["description"],
            "attribution": pkg["attribution"],
            "licence": pkg["licenses"][0],
        },
        "datasets": {
            key: {
                "title": pkg["datasets"][key]["title"],
                "description": pkg["datasets"][key]["description"],
                "tables": [t.name for t in tables],
            }
            for key, tables in model.datasets().items()
        },
        "tables": {
            t.name: {
                "title": t.title,
                "description": t.description,
                "dataset": t.dataset,
                "columns": {
                    f.name: {"title": f.title, "description": f.description, **({"codes": f.codes} if f.codes else {})} for f in t.fields
                },
            }
            for t in model.tables.values()
        },
        "queries": {
            name: {"title": q.title, "description": q.description, "columns": _query_columns(model, q)}
            for name, q in model.portal.queries.items()
        },
        # The portal's own words are not the release's: they come from the checkout's catalogs
        # (pipeline/portal/locale/), so a wording fix needs no data release.
    }


def _query_columns(model: Model, query) -> dict:
    """A canned query's result columns whose words its `columns:` gives: a title, and the codes'
    labels of the schema column they come from."""
    out = {}
    for column, origin in query.columns.items():
        if isinstance(origin, dict):
            out[column] = {"title": origin}
        else:
            field = query_column_origin(model, origin)
            out[column] = {"title": field.title, **({"codes": field.codes} if field.codes else {})}
    return out


# Rows a page of a national table shows by default: a phone shows them as cards, and a
# first visit renders half the cells of metadata/portal.yaml's default_page_size.
NATIONAL_PAGE_SIZE = 50


def portal_metadata(model: Model, national: frozenset = frozenset()) -> dict:
    """Datasette metadata: titles, descriptions, column notes, facets, search and canned queries;
    the `national` tables (at least 200,000 rows) show NATIONAL_PAGE_SIZE rows a page."""
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
            entry.update({"fts_table": t.name + FTS_SUFFIX, "fts_pk": "rowid", "searchmode": "escaped", "label_column": t.search_fields[0]})
        if t.name in national:
            entry["size"] = NATIONAL_PAGE_SIZE
        tables[t.name] = entry
    for name in hidden_tables(model):  # precomputed facet counts: read by the portal, not listed
        tables[name] = {"hidden": True}
    queries = {
        name: {"title": trilingual(q.title), "description_html": trilingual_html(q.description), "sql": q.sql}
        for name, q in model.portal.queries.items()
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
        # The per-language texts the portal plugin shows (portal/i18n.py).
        "plugins": {"remacto-portal": portal_texts(model)},
        "databases": {DB_NAME: {"title": trilingual(pkg["title"]), "tables": tables, "queries": queries}},
    }
