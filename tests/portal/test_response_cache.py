"""The portal's response cache (plugin remacto_cache, pipeline/portal/cache.py), on a real Datasette
serving real releases: a small synthetic national project (400 ballots) and the real raw/."""

from __future__ import annotations

import json
import threading
from urllib.parse import quote

import httpx
import pytest

from pipeline.model import load_model
from pipeline.portal.server import WORKERS_ENV
from pipeline.release.publish import publish
from pipeline.portal.cache import ENV
from tests.helpers import copy_project
from tests.helpers import serving as conftest_serving
from tests.helpers import serving_published as serving
from tests.helpers import edit_source_ref

STATE = "x-remacto-cache"
# Headers that differ between any two answers, cached or not.
PER_ANSWER = {"date", STATE}


@pytest.fixture(scope="module", autouse=True)
def one_process():
    """Each portal process keeps its own cache: these tests read one process's hits and misses."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKERS_ENV, "1")
        yield


@pytest.fixture(scope="module")
def portal(one_process, synthetic):
    paths, release, model = synthetic
    with serving(paths, release, model) as base:
        yield base


def stats(base: str) -> dict:
    return httpx.get(base + "/-/response-cache.json", timeout=10).json()


def fetch(base: str, path: str, **kwargs) -> httpx.Response:
    response = httpx.get(base + path, timeout=30, **kwargs)
    assert response.status_code in (200, 304, 404), (path, response.status_code, response.text[:300])
    return response


@pytest.mark.parametrize(
    "path",
    [
        "/remacto/pb_ballots?_size=11",
        "/remacto/pb_ballots.json?cycle_id=none&_size=3",
        "/remacto/pb_ballots.csv?_size=5",
        "/",
        "/-/dictionary/pb_ballots",
    ],
)
def test_a_hit_is_the_miss_byte_for_byte(portal, path):
    miss, hit = fetch(portal, path), fetch(portal, path)
    assert (miss.headers[STATE], hit.headers[STATE]) == ("miss", "hit")
    assert hit.content == miss.content
    assert [(k, v) for k, v in hit.headers.multi_items() if k not in PER_ANSWER] == [
        (k, v) for k, v in miss.headers.multi_items() if k not in PER_ANSWER
    ]
    assert int(hit.headers["content-length"]) == hit.num_bytes_downloaded  # as sent (gzipped: httpx asks for it)
    # A browser that holds the page revalidates it without it being computed or sent again.
    again = fetch(portal, path, headers={"if-none-match": hit.headers["etag"]})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", hit.headers["etag"])
    head = httpx.head(portal + path, timeout=30)
    assert (head.status_code, head.content, head.headers[STATE]) == (200, b"", "hit")


def test_each_language_gets_its_own_page_and_other_cookies_do_not_split_it(portal):
    path = "/remacto/pb_ballots?_size=12"
    arabic = fetch(portal, path)
    by_cookie = fetch(portal, path, cookies={"remacto_lang": "fr"})
    by_param = fetch(portal, path + "&_lang=en")
    for response, lang in ((arabic, "ar"), (by_cookie, "fr"), (by_param, "en")):
        assert response.headers[STATE] == "miss", lang
        assert f'<html lang="{lang}"' in response.text, lang
    assert by_param.headers["set-cookie"].startswith("remacto_lang=en;")  # kept with the page: ?_lang= decides it
    assert fetch(portal, path + "&_lang=en").headers["set-cookie"] == by_param.headers["set-cookie"]
    # The param wins over the cookie, as on the page itself.
    assert '<html lang="en"' in fetch(portal, path + "&_lang=en", cookies={"remacto_lang": "fr"}).text
    again = fetch(portal, path, cookies={"remacto_lang": "fr", "_ga": "unrelated"})
    assert (again.headers[STATE], again.content) == ("hit", by_cookie.content)
    assert fetch(portal, path, cookies={"remacto_lang": "xx", "_ga": "x"}).text.count('<html lang="ar"') == 1


def test_a_page_whose_facets_timed_out_is_never_kept(synthetic):
    paths, release, model = synthetic
    # Datasette's own search SQL (a no-op `_where`): a search alone, joined on the index, may finish in 1 ms.
    search = "/remacto/pb_proposals?_where=1%20%3D%201&_search=" + quote("تجريبي")
    with serving(paths, release, model, facet_time_limit_ms=1) as base:
        for path in (search, search.replace("pb_proposals?", "pb_proposals.json?")):
            for _ in range(3):
                response = fetch(base, path)
                timed_out = (
                    'class="facets-timed-out"' in response.text
                    if ".json" not in path
                    else [f for f in response.json()["facet_results"].values() if f.get("timed_out")]
                )
                assert timed_out, "the forced limit did not bite: the test proves nothing"
                assert response.headers[STATE] == "pass", path
        assert stats(base)["entries"] == 0
        # The same server keeps complete pages.
        assert [fetch(base, "/remacto/sources.json").headers[STATE] for _ in range(2)] == ["miss", "hit"]


def test_a_page_whose_count_timed_out_is_never_kept(portal):
    # Each row costs ~5 ms: the page's two rows are found at once, counting all 400 passes the 1 s limit.
    slow = "(WITH RECURSIVE c(x) AS (SELECT pb_ballots.rowid UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT COUNT(*) FROM c) > 0"
    path = "/remacto/pb_ballots.json?_size=1&_nofacet=1&_where=" + quote(slow)
    for _ in range(2):
        response = fetch(portal, path)
        assert response.json()["filtered_table_rows_count"] is None, "the count finished: the test proves nothing"
        assert response.headers[STATE] == "pass"


def test_the_byte_bound_evicts_the_least_recently_used_and_big_answers_are_not_kept(synthetic):
    paths, release, model = synthetic
    limits = {"max_mb": 0.05, "max_entry_kb": 20}  # about 52 kB in all, 20 kB an answer
    with serving(paths, release, model, env={ENV: json.dumps(limits)}) as base:
        pages = [f"/remacto/pb_ballots.json?_size={n}&_shape=array" for n in range(20, 40)]
        assert [fetch(base, p).headers[STATE] for p in pages] == ["miss"] * len(pages)
        held = stats(base)
        assert held["evicted"] > 0 and held["bytes"] <= held["max_bytes"] == int(0.05 * 1024 * 1024)
        assert fetch(base, pages[-1]).headers[STATE] == "hit"  # the most recent stays
        assert fetch(base, pages[0]).headers[STATE] == "miss"  # the oldest went first
        big = "/remacto/pb_ballots?_size=100"
        assert len(fetch(base, big).content) > 20 * 1024
        assert fetch(base, big).headers[STATE] == "pass"


def test_errors_posts_and_streams_are_not_kept(portal):
    for _ in range(2):
        assert fetch(portal, "/remacto/no_such_table").headers[STATE] == "pass"
        # A hidden debug page: remacto_public answers 404 inside the cache (the outermost wrapper).
        assert fetch(portal, "/-/versions.json").headers[STATE] == "pass"
    post = httpx.post(portal + "/remacto/pb_ballots", timeout=30)
    assert STATE not in post.headers
    for path in ("/remacto/pb_ballots.csv?_stream=1", "/release/datapackage.json", "/-/release.zip", "/health"):
        for _ in range(2):
            response = fetch(portal, path)
            assert response.status_code == 200 and STATE not in response.headers, path
    # The same CSV not streamed (one page of rows) is kept.
    assert [fetch(portal, "/remacto/pb_ballots.csv?_size=4").headers[STATE] for _ in range(2)] == ["miss", "hit"]


def test_identical_requests_arriving_together_compute_the_page_once(portal):
    # A page made slow on purpose (a live count and live facets, each running the subquery), so that
    # all the requests arrive while the first one is being computed.
    slow = "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 200000) SELECT COUNT(*) FROM c) > 0"
    path = "/remacto/pb_ballots.json?_where=" + quote(slow)
    before = stats(portal)
    answers, go = [], threading.Barrier(8)

    def ask():
        go.wait()
        answers.append(fetch(portal, path))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.headers[STATE] for a in answers) == ["hit"] * 7 + ["miss"]
    assert len({a.content for a in answers}) == 1
    after = stats(portal)
    assert (after["miss"] - before["miss"], after["hit"] - before["hit"]) == (1, 7)


def test_a_newly_published_release_is_served_at_once(tmp_path):
    paths = copy_project(tmp_path)
    _, first = publish(paths)
    model = load_model(paths.schemas, paths.metadata)
    table = "/remacto/network_composition.json?_shape=array"
    with conftest_serving(first.path, model, tmp_path / "datasette.log", follow=paths.published) as base:
        assert [fetch(base, p).headers[STATE] for p in (table, table, "/", "/")] == ["miss", "hit", "miss", "hit"]
        old_etag = fetch(base, table).headers["etag"]
        assert first.id in fetch(base, "/").text
        edit_source_ref(paths, "swapped in")
        report, second = publish(paths)
        assert report.valid and second.id != first.id
        rows = fetch(base, table)
        assert rows.headers[STATE] == "miss" and any("swapped in" in r["source_ref"] for r in rows.json())
        home = fetch(base, "/")
        assert home.headers[STATE] == "miss" and second.id in home.text and first.id not in home.text
        assert rows.headers["etag"] != old_etag  # a browser's copy of the old page is not revalidated
        assert fetch(base, table, headers={"if-none-match": old_etag}).status_code == 200
