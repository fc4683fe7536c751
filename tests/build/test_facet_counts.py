"""Precomputed facet counts (pipeline/build/facet_counts.py, pipeline/portal/facet_lookup.py) against live SQL, served by a real Datasette.

The session's small synthetic national project (tests/conftest.py `synthetic`, 400 ballots) is published
into a temporary folder; its pb_ballots table has four facet fields (cycle_id, channel, age_band, sex)."""

from __future__ import annotations

import html
import itertools
import re
import sqlite3
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from pipeline.build import facet_counts as facets
from pipeline.portal import words
from pipeline.model.layout import FACET_COUNTS_SUFFIX, counts_table
from pipeline.read.text import search_key
from pipeline.tools.portalbench import TITLE_COUNT, dropped_reasons
from tests.helpers import serving_published as serving, strip_where

TABLE = "pb_ballots"


@pytest.fixture(scope="module")
def portal(synthetic):
    paths, release, model = synthetic
    with serving(paths, release, model, trace_debug=1) as base:
        yield base


def _db(paths):
    return sqlite3.connect(f"file:{paths.published / 'remacto.db'}?immutable=1", uri=True)


def _pages(paths):
    """Unfiltered, one filter, two filters (the most common values), and a facet on a filtered field."""
    db = _db(paths)
    cycle = db.execute(f"SELECT cycle_id FROM {TABLE} GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1").fetchone()[0]
    channel = db.execute(f"SELECT channel FROM {TABLE} WHERE cycle_id = ? GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1", (cycle,)).fetchone()[
        0
    ]
    db.close()
    return [
        {},
        {"cycle_id": cycle},
        {"cycle_id": cycle, "channel": channel},
        {"channel": channel, "sex": "F"},
        {"cycle_id": "no-such-cycle"},
    ]


def test_every_grouping_set_equals_a_live_group_by(synthetic):
    paths, _, model = synthetic
    db = _db(paths)
    for table in facets.faceted_tables(model):
        fields = table.facet_fields
        for m in range(1 << len(fields)):
            grouped = [c for i, c in enumerate(fields) if m >> i & 1]
            cols = ", ".join(f'"{c}"' for c in grouped)
            live = db.execute(
                f'SELECT {cols + ", " if cols else ""}COUNT(*) FROM "{table.name}"' + (f" GROUP BY {cols} ORDER BY {cols}" if cols else "")
            ).fetchall()
            stored = db.execute(
                f'SELECT {cols + ", " if cols else ""}"_rows" FROM "{counts_table(table.name)}" '
                f'WHERE "_set" = ?' + (f" ORDER BY {cols}" if cols else ""),
                (m,),
            ).fetchall()
            assert stored == live, (table.name, grouped)
    db.close()


def _live_facet(db, column: str, filters: dict, size: int):
    where = " AND ".join(f'"{c}" = ?' for c in filters) or "1"
    return db.execute(
        f'SELECT "{column}", COUNT(*) FROM {TABLE} WHERE {where} AND "{column}" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?',
        [*filters.values(), size + 1],
    ).fetchall()


def test_counts_and_facets_of_equality_pages_equal_live_sql_and_come_from_the_counts(portal, synthetic):
    paths, _, model = synthetic
    db = _db(paths)
    fields = model.tables[TABLE].facet_fields
    for filters in _pages(paths):
        data = httpx.get(f"{portal}/remacto/{TABLE}.json", params={**filters, "_facet_size": "max", "_trace": 1}, timeout=20).json()
        where = " AND ".join(f'"{c}" = ?' for c in filters) or "1"
        assert (
            data["filtered_table_rows_count"]
            == db.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE {where}", list(filters.values())).fetchone()[0]
        ), filters
        shown = {f["name"]: f for f in data["facet_results"].values()}
        assert list(shown) == fields  # every configured facet, once, in schema order
        assert not [f for f in shown.values() if f.get("timed_out")]
        for column in fields:
            expected = _live_facet(db, column, filters, 1000)
            assert [(v["value"], v["count"]) for v in shown[column]["results"]] == expected[:1000], (filters, column)
            assert shown[column]["truncated"] == (len(expected) > 1000)
        queries = [t["sql"] for t in data["_trace"]["traces"] if t.get("type") == "sql"]
        assert not [q for q in queries if "group by" in q.lower()], filters  # nothing counted live
        assert [q for q in queries if FACET_COUNTS_SUFFIX in q], filters
    db.close()


def test_counted_facets_are_the_ones_datasette_computes_live(portal, synthetic):
    """The same page with a no-op `_where` goes Datasette's own way: labels, links and order agree."""
    paths, _, _ = synthetic
    for filters in _pages(paths)[:3]:
        params = {**filters, "_facet": "channel"}
        counted = httpx.get(f"{portal}/remacto/{TABLE}.json", params=params, timeout=20).json()
        live = httpx.get(f"{portal}/remacto/{TABLE}.json", params={**params, "_where": "1 = 1"}, timeout=20).json()
        assert counted["filtered_table_rows_count"] == live["filtered_table_rows_count"]
        for facet in live["facet_results"].values():
            facet["toggle_url"] = strip_where(facet["toggle_url"])
            for value in facet["results"]:
                value["toggle_url"] = strip_where(urlsplit(value["toggle_url"]).path + "?" + urlsplit(value["toggle_url"]).query)
        for facet in counted["facet_results"].values():
            for value in facet["results"]:
                value["toggle_url"] = strip_where(urlsplit(value["toggle_url"]).path + "?" + urlsplit(value["toggle_url"]).query)
        assert counted["facet_results"] == live["facet_results"], filters


def test_html_pages_show_count_and_every_facet_and_never_a_silent_timeout(portal, synthetic):
    paths, _, model = synthetic
    for filters, lang in itertools.product(_pages(paths)[:3], ("ar", "en")):
        text = httpx.get(f"{portal}/remacto/{TABLE}", params={**filters, "_lang": lang}, timeout=20).text
        assert TITLE_COUNT.search(text), filters  # the count in the title, in the page's language
        for column in model.tables[TABLE].facet_fields:
            assert text.count(f'id="facet-{column}"') == 1, (filters, column)
        assert "These facets timed out" not in text and "facets-timed-out" not in text


def test_a_facet_that_cannot_finish_in_time_is_announced_on_the_page(synthetic):
    """A search page is counted live; with a 1 ms facet limit its facets time out, and the page says so
    in the visitor's language instead of dropping them."""
    paths, release, model = synthetic
    term = "تجريبي"
    # A no-op `_where` keeps Datasette's own search SQL (a rowid list): a search alone is joined on the
    # index, fast enough on 400 ballots to finish within the 1 ms a facet (5 ms in all) now and then.
    search = {"_search": term, "_where": "1 = 1"}
    with serving(paths, release, model, facet_time_limit_ms=1) as base:
        data = httpx.get(f"{base}/remacto/pb_proposals.json", params=search, timeout=20).json()
        timed_out = [f["name"] for f in data["facet_results"].values() if f.get("timed_out")]
        assert timed_out, "the forced limit did not bite: the test proves nothing"
        # Every configured facet is still there, the ones not computed marked so, with no values.
        assert [f["name"] for f in data["facet_results"].values()] == model.tables["pb_proposals"].facet_fields
        assert all(not f["results"] for f in data["facet_results"].values() if f.get("timed_out"))
        for lang in ("ar", "fr", "en"):
            text = httpx.get(f"{base}/remacto/pb_proposals", params={**search, "_lang": lang}, timeout=20).text
            assert "These facets timed out" not in text
            notice = re.search(r'<p class="facets-timed-out"[^>]*>(.*?)</p>', text, re.S)
            assert notice, lang
            assert words.word(lang, "facets_timed_out") in html.unescape(notice.group(1))
            for column in timed_out:
                assert column in notice.group(1)


def test_facet_count_tables_are_hidden_from_the_portal_lists(portal, synthetic):
    _, _, model = synthetic
    tables = httpx.get(f"{portal}/remacto.json", timeout=20).json()["tables"]
    hidden = {t["name"] for t in tables if t["hidden"]}
    assert set(facets.hidden_tables(model)) <= hidden
    assert not hidden & set(model.tables)


def test_the_facets_of_a_search_page_equal_live_sql(portal, synthetic):
    """A search page's facets are counted live in one query: the same values, counts and order as a
    GROUP BY of each facet field over the rows the search finds."""
    paths, _, model = synthetic
    term = "تجريبي"
    data = httpx.get(f"{portal}/remacto/pb_proposals.json", params={"_search": term, "_facet_size": 5, "_trace": 1}, timeout=20).json()
    db = _db(paths)
    matched = ("rowid IN (SELECT rowid FROM pb_proposals_fts WHERE pb_proposals_fts MATCH ?)", ['"' + search_key(term) + '"'])
    assert (
        data["filtered_table_rows_count"]
        == db.execute(f"SELECT COUNT(*) FROM pb_proposals WHERE {matched[0]}", matched[1]).fetchone()[0]
        > 0
    )
    shown = {f["name"]: f for f in data["facet_results"].values()}
    assert list(shown) == model.tables["pb_proposals"].facet_fields
    for column, facet in shown.items():
        expected = db.execute(
            f'SELECT "{column}", COUNT(*) FROM pb_proposals WHERE {matched[0]} AND "{column}" IS NOT NULL '
            f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 6",
            matched[1],
        ).fetchall()
        assert [(v["value"], v["count"]) for v in facet["results"]] == expected[:5], column
        assert facet["truncated"] == (len(expected) > 5)
    queries = [t["sql"] for t in data["_trace"]["traces"] if t.get("type") == "sql"]
    assert len([q for q in queries if "pb_proposals_fts" in q and "group by" in q.lower()]) == 1  # one query for all
    db.close()


def test_the_portal_bench_sees_a_dropped_facet_and_a_complete_page(synthetic):
    """pipeline.tools.portalbench's check, on real answers: complete pages pass, a timed-out facet is caught."""
    paths, release, model = synthetic
    configured = {t.name: t.facet_fields for t in model.tables.values()}
    # Datasette's own search SQL (a no-op `_where`): a search alone, joined on the index, may finish in 1 ms.
    search = "/remacto/pb_proposals?" + urlencode({"_search": "تجريبي", "_where": "1 = 1"})
    cycle = _pages(paths)[1]["cycle_id"]
    with serving(paths, release, model, facet_time_limit_ms=1) as base:
        for path in (search, search.replace("pb_proposals?", "pb_proposals.json?")):
            reasons = dropped_reasons(path, httpx.get(base + path, timeout=20).content, configured)
            assert any("facets timed out" in r for r in reasons), path
    with serving(paths, release, model) as base:
        for path in (
            f"/remacto/{TABLE}?cycle_id={cycle}&_facet=channel",
            f"/remacto/{TABLE}.json?cycle_id={cycle}",
            f"/remacto/{TABLE}.csv?cycle_id={cycle}",
        ):
            assert dropped_reasons(path, httpx.get(base + path, timeout=20).content, configured) == [], path
