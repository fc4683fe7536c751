"""First visits (nothing in the response cache) on a real Datasette serving a small synthetic national
project (400 ballots, tests/build/test_facet_counts.py): what the portal works out once per release to
make them cheaper must leave every page as it was."""

from __future__ import annotations

import html
import json
import re
import sqlite3

from urllib.parse import urlsplit

import httpx
import pytest

from pipeline.portal.cache import ENV as RESPONSE_CACHE_ENV
from pipeline.portal.server import WORKERS_ENV
from pipeline.portal import words
from tests.helpers import serving_published as serving, strip_where

LANGS_IN_TURN = ("ar", "en", "fr", "ar")  # Arabic first (the kept words are built there), then again last


@pytest.fixture(scope="module")
def cold_portal(synthetic):
    """One process, no response cache: every answer is computed, as a first visit is."""
    paths, release, model = synthetic
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKERS_ENV, "1")
        patch.setenv(RESPONSE_CACHE_ENV, json.dumps({"max_mb": 0}))
        with serving(paths, release, model) as base:
            yield base


def _cells(page: str, column: str) -> list[str]:
    return re.findall(rf'<td class="col-{column} type-[a-z]+" dir="auto">(.*?)</td>', page, re.S)


def _tbody(page: str) -> str:
    return re.search(r"<tbody>.*?</tbody>", page, re.S).group(0)


def test_a_table_page_reads_the_same_on_its_first_visit_and_after_other_languages(cold_portal, synthetic):
    paths, _, model = synthetic
    pages = [httpx.get(f"{cold_portal}/remacto/pb_ballots", params={"_lang": lang, "_size": 50}, timeout=30) for lang in LANGS_IN_TURN]
    assert [p.status_code for p in pages] == [200] * len(pages)
    assert not [p for p in pages if "x-remacto-cache" in p.headers]  # no cache: each one computed
    assert _tbody(pages[0].text) == _tbody(pages[-1].text)
    db = sqlite3.connect(f"file:{paths.published / 'remacto.db'}?immutable=1", uri=True)
    rows = db.execute("SELECT cycle_id, channel, sex, source_id, source_ref FROM pb_ballots ORDER BY ballot_id LIMIT 50").fetchall()
    # A cycle is named by its label column (the portal's metadata: title_ar), which Datasette reads.
    cycle_titles = dict(db.execute("SELECT cycle_id, title_ar FROM pb_cycles"))
    db.close()
    fields = {f.name: f for f in model.tables["pb_ballots"].fields}
    for lang, page in zip(LANGS_IN_TURN, pages):
        text = page.text
        # Words in the page's language from the schema, codes kept in data-code; ids linked as they are.
        assert _cells(text, "channel") == [
            f'<span class="code-label" data-code="{c}">{html.escape(fields["channel"].codes[c][lang])}</span>' for _, c, _, _, _ in rows
        ], lang
        assert _cells(text, "sex") == [
            f'<span class="code-label" data-code="{s}">{html.escape(fields["sex"].codes[s][lang])}</span>' if s else "&nbsp;"
            for _, _, s, _, _ in rows
        ], lang
        assert _cells(text, "cycle_id") == [
            f'<a href="/remacto/pb_cycles/{c}" data-id="{c}">{html.escape(cycle_titles[c])}</a>' for c, *_ in rows
        ], lang
        assert _cells(text, "source_id") == [
            f'<a class="source-link" href="/remacto/sources/{s}" data-id="{s}">{html.escape(words.word(lang, "source_link"))}</a>'
            for _, _, _, s, _ in rows
        ], lang
        assert [re.sub(r"<summary>.*?</summary>", "", c) for c in _cells(text, "source_ref")] == [
            '<details class="source-ref">'
            + ("" if lang == "en" else f"{html.escape(words.word(lang, 'note_in_english'))} <bdi>")
            + f'<span lang="en" dir="ltr">{html.escape(r)}</span>'
            + ("" if lang == "en" else "</bdi>")
            + "</details>"
            for *_, r in rows
        ], lang


def _queries(data: dict) -> list[str]:
    return [t["sql"] for t in data["_trace"]["traces"] if t.get("type") == "sql"]


@pytest.fixture(scope="module")
def traced_portal(synthetic):
    paths, release, model = synthetic
    with serving(paths, release, model, trace_debug=1) as base:
        yield base


@pytest.mark.parametrize("filters", [{}, {"category": "ثقافة"}])
def test_a_search_page_counts_and_facets_as_datasette_does(traced_portal, filters):
    """A search-only page reads its count from the full-text index and its facets through a join on it;
    the same page with a no-op `_where` is Datasette's own way (its count and facet source untouched):
    the counts, facets, labels and links agree, and so do the rows shown."""
    params = {"_search": "تجريبي", **filters, "_facet_size": 5}
    ours = httpx.get(f"{traced_portal}/remacto/pb_proposals.json", params=params, timeout=30).json()
    traced = httpx.get(f"{traced_portal}/remacto/pb_proposals.json", params={**params, "_trace": 1}, timeout=30).json()
    theirs = httpx.get(f"{traced_portal}/remacto/pb_proposals.json", params={**params, "_where": "1 = 1"}, timeout=30).json()
    assert ours["filtered_table_rows_count"] == theirs["filtered_table_rows_count"] > 0
    assert ours["rows"] == theirs["rows"]

    for facet in [*ours["facet_results"].values(), *theirs["facet_results"].values()]:
        facet["toggle_url"] = strip_where(facet["toggle_url"])
        for value in facet["results"]:
            value["toggle_url"] = strip_where(urlsplit(value["toggle_url"]).path + "?" + urlsplit(value["toggle_url"]).query)
    assert ours["facet_results"] == theirs["facet_results"]
    assert ours["facet_results"] and not [f for f in ours["facet_results"].values() if f.get("timed_out")]
    from_index = [q for q in _queries(traced) if q.startswith('select count(*) from "pb_proposals_fts"')]
    joined = [q for q in _queries(traced) if 'JOIN "pb_proposals" AS t' in q]
    assert (len(from_index), len(joined)) == ((1, 1) if not filters else (0, 0)), filters  # only a search alone


def test_the_portal_bench_profile_computes_every_page_of_a_release(synthetic):
    """`portalbench --profile`: each page it loads under wrk, computed here in a process of its own
    (Datasette's plugins are process-wide), each answer a 200 (the tool stops otherwise)."""
    import subprocess
    import sys

    from pipeline.tools.portalbench import release_pages

    paths, _, _ = synthetic
    pages = release_pages(paths, need_wrk=False)[3]
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.tools.portalbench", "--root", str(paths.root), "--profile", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [ln for ln in done.stdout.splitlines() if "ms CPU a first visit" in ln]
    assert [ln[:40].rstrip() for ln in lines] == list(pages)
    assert all(int(ln.split()[-2].replace(",", "")) > 0 for ln in lines)  # bytes of each answer
