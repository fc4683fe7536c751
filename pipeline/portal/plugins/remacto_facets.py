"""Portal plugin: facets read from the release's precomputed counts (pipeline/portal/facet_lookup.py; written by pipeline/build/facet_counts.py).

Datasette's column facet runs a GROUP BY over the filtered rows for every facet of every page: on a
national table that is seconds of CPU a page, and under load the facets time out. The release holds
the counts of every combination of facet values, so a page whose only filters are equalities on facet
fields is answered by an index lookup per facet, with the same values, counts, order, labels and links
as Datasette's. A search page counts its facets live in one query (the full-text match once, not once
per facet; joined on the index when the search is the page's only filter). Any other page (ranges, `_where`, the next page, a facet on another column) runs
Datasette's own facet live. A facet that does not finish in time is never dropped silently: it
stays in the results with `"timed_out": true` and no values (JSON), and the table page names it in a
notice in the visitor's language (HTML).

A facet both configured (`facet: true`) and asked for with `?_facet=` is counted and shown once.
"""

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.filters import Filters
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from pipeline.portal import facet_lookup as facets
from pipeline.portal import cache as response_cache


def _column(config: dict) -> str:
    return config["config"].get("column") or config["config"]["simple"]


class CountedColumnFacet(ColumnFacet):
    only = None  # when set, the columns the live (parent) facet computes

    def get_configs(self):
        seen, configs = set(), []
        for config in super().get_configs():
            column = _column(config)
            if column not in seen and (self.only is None or column in self.only):
                seen.add(column)
                configs.append(config)
        return configs

    def _equality_filters(self, fields: list[str]) -> dict[str, str] | None:
        """{column: param} when the page's rows are exactly those of equality filters on facet
        fields: the SQL Datasette built must be the one those filters give, nothing added."""
        args = self.request.args
        pairs = [(k, v) for k in args for v in args.getlist(k) if not (k.startswith("_") and "__" not in k)]
        filters = Filters(sorted(pairs))
        columns = {}
        for i, (column, lookup, _) in enumerate(filters.selections()):
            if lookup != "exact" or column not in fields or column in columns:
                return None
            columns[column] = f"p{i}"
        clauses, params = filters.build_where_clauses(self.table)
        where = f"where {' and '.join(clauses)} " if clauses else ""
        if not self.sql.endswith(f" from {escape_sqlite(self.table)} {where}") or dict(self.params or {}) != params:
            return None
        return columns

    async def facet_results(self):
        db = self.ds.get_database(self.database)
        fields = await db.facet_fields(self.table) if self.table and hasattr(db, "facet_fields") else None
        filters = self._equality_filters(fields) if fields else None
        configs = self.get_configs()
        counted = [c for c in configs if filters is not None and _column(c) in fields]
        results, timed_out = [], []
        live = [c for c in configs if c not in counted]
        if len(live) > 1 and any(k.startswith("_search") for k in self.request.args):
            results, timed_out = await self._searched(live)
        elif live:
            self.only = {_column(c) for c in live}
            results, timed_out = await super().facet_results()
            self.only = None
        facet_size = self.get_facet_size()
        qs_pairs = self.get_querystring_pairs()
        for config in counted:
            column = _column(config)
            sql = facets.lookup_sql(self.table, fields, filters, column, facet_size + 1)
            try:
                rows = (
                    await self.ds.execute(
                        self.database, sql, self.params, truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms")
                    )
                ).rows
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append(await self._result(config, column, rows, facet_size, qs_pairs))
        # A facet that did not finish stays in the results, marked: Datasette's JSON would drop it
        # without a word (its `facets_timed_out` reaches only the HTML page).
        for config in configs:
            if _column(config) in timed_out:
                results.append(
                    {
                        "name": _column(config),
                        "type": self.type,
                        "hideable": config["source"] != "metadata",
                        "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": _column(config)})),
                        "results": [],
                        "truncated": False,
                        "timed_out": True,
                    }
                )
        order = [_column(c) for c in configs]
        results.sort(key=lambda r: order.index(r["name"]))
        if timed_out:  # the page says so, and must not be kept: the next request may count them
            response_cache.page_incomplete("facets timed out: " + ", ".join(timed_out))
        return results, timed_out

    async def _searched(self, configs) -> tuple[list, list]:
        """The facets of a search page in one query: the full-text match runs once (a materialized
        CTE) instead of once per facet, then each facet is Datasette's GROUP BY over those rows,
        with the same order and limit. The time allowed is what Datasette would give the facets
        one after the other (capped by the SQL time limit); past it, every facet is marked."""
        columns = [_column(c) for c in configs]
        facet_size = self.get_facet_size()
        parts = [
            f"SELECT * FROM (SELECT {i} AS facet, {escape_sqlite(c)} AS value, count(*) AS count FROM matched "
            f"WHERE {escape_sqlite(c)} IS NOT NULL GROUP BY {escape_sqlite(c)} ORDER BY count DESC, value "
            f"LIMIT {facet_size + 1})"
            for i, c in enumerate(columns)
        ]
        searched = facets.searched_only(self.sql, self.params, count=False)
        rows_sql = (
            facets.searched_rows_sql(self.table, searched[1], searched[2], list(dict.fromkeys(columns)))
            if searched and searched[0] == self.table
            else self.sql
        )
        sql = (
            f"WITH matched AS MATERIALIZED (SELECT {', '.join(escape_sqlite(c) for c in dict.fromkeys(columns))} "
            f"FROM ({rows_sql})) " + " UNION ALL ".join(parts) + " ORDER BY facet, count DESC, value"
        )
        try:
            rows = (
                await self.ds.execute(
                    self.database, sql, self.params, truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms") * len(columns)
                )
            ).rows
        except QueryInterrupted:
            return [], columns
        qs_pairs = self.get_querystring_pairs()
        return [
            await self._result(config, column, [r for r in rows if r["facet"] == i], facet_size, qs_pairs)
            for i, (config, column) in enumerate(zip(configs, columns))
        ], []

    async def _result(self, config, column, rows, facet_size, qs_pairs) -> dict:
        """The same dictionary Datasette's ColumnFacet.facet_results builds (datasette/facets.py)."""
        shown = rows[:facet_size]
        expanded = await self.ds.expand_foreign_keys(self.database, self.table, column, [r["value"] for r in shown])
        column_qs = f"{column}__exact" if column.startswith("_") else column
        values = []
        for row in shown:
            selected = (column_qs, str(row["value"])) in qs_pairs
            toggle = (
                path_with_removed_args(self.request, {column_qs: str(row["value"])})
                if selected
                else path_with_added_args(self.request, {column_qs: row["value"]})
            )
            values.append(
                {
                    "value": row["value"],
                    "label": expanded.get((column, row["value"]), row["value"]),
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": self.type,
            "hideable": config["source"] != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
            "results": values,
            "truncated": len(rows) > facet_size,
        }


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """Datasette's column facet is replaced by the counted one (the others stay)."""
    outcome = yield
    outcome.force_result([[CountedColumnFacet if c is ColumnFacet else c for c in classes] for classes in outcome.get_result()])
