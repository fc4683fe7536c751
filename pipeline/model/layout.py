"""Names inside a release's database that the build writes and the portal reads: the full-text
index beside a table, and the hidden table of its precomputed facet counts (build/facet_counts.py
explains its layout; portal/facet_lookup.py reads it)."""

from __future__ import annotations

FTS_SUFFIX = "_fts"
FACET_COUNTS_SUFFIX = "_facet_counts"
SET_COLUMN = "_set"  # the bit mask of the facet fields grouped (bit i: the i-th facet field, in schema order)
ROWS_COLUMN = "_rows"


def counts_table(table: str) -> str:
    return table + FACET_COUNTS_SUFFIX


def mask(facet_fields: list[str], columns) -> int:
    return sum(1 << facet_fields.index(c) for c in set(columns))
