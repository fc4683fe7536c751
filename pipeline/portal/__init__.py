"""Portal: the Datasette server of a release, its response cache, plugins, templates and static
files. Reads the built release only: imports neither checking nor building nor DuckDB."""
