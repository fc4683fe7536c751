"""Checking stage: every raw table against its schema (frictionless in memory, DuckDB for large
files, with frictionless's verdicts), the project's conventions and the rules of metadata/rules.yaml."""
