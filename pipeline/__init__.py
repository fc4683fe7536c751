"""REMACTO open-data pipeline: raw/ tables -> validated, published release -> Datasette portal.

One package per stage, data flowing one way (pyproject.toml [tool.importlinter] checks it):
  model     schemas/ and metadata/ as typed objects, the one type map, the three languages, problem codes
  read      strict CSV reading and the text rules (clean_text, search_key, is_formula)
  check     validation: frictionless in memory, DuckDB for large files, the conventions, the row rules
  build     the release database (DDL, loading, facet counts), CSV/JSON/Parquet exports
  release   publishing: staging, versions, changelog, data package, catalogs, Pabulib, atomic swap
  portal    serving a release: server, response cache, facet lookups, downloads, plugins, templates
  importers Decidim and Pabulib files into raw/
  tools     benchmarks and SYNTHETIC data (make synth/bench/portalbench/loadtest); nothing imports it
beside settings (paths), timing (stage times) and workers (worker processes).
"""
