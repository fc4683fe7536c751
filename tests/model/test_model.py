"""Schemas drive everything: metadata is complete, and DDL and portal settings come from them."""

import sqlite3

from frictionless import Schema

from pipeline.build.ddl import schema_sql
from pipeline.model.layout import counts_table
from pipeline.model.types import quote_name as q
from pipeline.release.portal_metadata import portal_metadata
from pipeline.settings import ROOT
from pipeline.model import missing_metadata


def test_every_table_column_code_and_query_has_three_languages(model):
    assert missing_metadata(model) == []


def test_every_raw_file_has_a_schema_and_every_schema_a_raw_file(model):
    assert sorted(p.stem for p in (ROOT / "raw").glob("*.csv")) == sorted(model.tables)


def test_generated_table_schemas_are_valid_frictionless(model):
    for table in model.tables.values():
        report = Schema.validate_descriptor(table.frictionless_schema())
        assert report.valid, (table.name, report.flatten(["type", "note"]))


def test_every_table_has_a_primary_key_and_names_its_source(model):
    for table in model.tables.values():
        assert table.primary_key, table.name
        assert {"source_id", "source_ref"} <= set(table.field_names) or table.name in {"sources"}, table.name


def test_sqlite_ddl_follows_the_schemas(model):
    db = sqlite3.connect(":memory:")
    db.executescript(schema_sql(model))
    for table in model.tables.values():
        columns = db.execute(f"PRAGMA table_info({q(table.name)})").fetchall()
        assert [c[1] for c in columns] == table.field_names
        assert [c[1] for c in columns if c[5]] == list(table.primary_key)
        assert {c[1] for c in columns if c[3]} >= {f.name for f in table.fields if f.required}
        fks = {(r[2], r[3], r[4]) for r in db.execute(f"PRAGMA foreign_key_list({q(table.name)})")}
        assert fks == {(fk.table, a, b) for fk in table.foreign_keys for a, b in zip(fk.fields, fk.ref_fields)}
        indexed = {r[1] for r in db.execute(f"PRAGMA index_list({q(table.name)})")}
        for column in table.facet_fields:
            assert f"{table.name}_{column}" in indexed or (column,) == table.primary_key[:1]
        if table.search_fields:
            fts = [r[1] for r in db.execute(f"PRAGMA table_info({q(table.name + '_fts')})")]
            assert fts == table.search_fields


def test_portal_metadata_comes_from_the_schemas(model):
    meta = portal_metadata(model)["databases"]["remacto"]
    hidden = {name for name, entry in meta["tables"].items() if entry.get("hidden")}
    assert set(meta["tables"]) - hidden == set(model.tables)
    # Only the precomputed facet counts are hidden: one table per table with facets.
    assert hidden == {counts_table(t.name) for t in model.tables.values() if t.facet_fields}
    for table in model.tables.values():
        entry = meta["tables"][table.name]
        for lang in ("ar", "fr", "en"):
            assert table.title[lang] in entry["title"]
        assert set(entry["columns"]) == set(table.field_names)
        assert entry.get("facets", []) == table.facet_fields
    assert meta["tables"]["collectivities"]["facets"] == ["kind", "territory_id"]
    assert set(meta["queries"]) == set(model.portal.queries)
