"""A real Datasette serving the real release over HTTP."""

import html
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.helpers import serving_process
from tests.helpers import raw_rows


def get(base, path, **params):
    response = httpx.get(base + path, params=params, timeout=10)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response


def test_every_table_serves_all_its_rows(portal, model):
    for name in model.tables:
        data = get(portal, f"/remacto/{name}.json", _size=0).json()
        assert data["filtered_table_rows_count"] == len(raw_rows(name)), name


def search(portal, table, query):
    return get(portal, f"/remacto/{table}.json", _search=query, _shape="array", _size="max").json()


def test_arabic_search_finds_tetouan_and_al_hoceima(portal):
    tetouan = {r["collectivity_id"] for r in search(portal, "collectivities", "تطوان")}
    # The Regional Council (its name holds both cities), the provincial council (لتطوان) and the commune.
    assert tetouan == {"tta-001", "tta-015", "tta-016"}
    hoceima = {r["collectivity_id"] for r in search(portal, "collectivities", "الحسيمة")}
    assert hoceima == {"tta-001", "tta-022", "tta-023"}


def test_search_ignores_tatweel_hamza_and_french_accents(portal):
    tetouan = {"tta-001", "tta-015", "tta-016"}
    assert {r["collectivity_id"] for r in search(portal, "collectivities", "تطـــوان")} == tetouan
    assert {r["collectivity_id"] for r in search(portal, "collectivities", "اصيلة")} == {"tta-004"}
    assert {r["collectivity_id"] for r in search(portal, "collectivities", "tetouan")} == tetouan


def test_text_that_carried_tatweel_in_the_source_is_found_by_its_clean_spelling(portal):
    rows = search(portal, "projects", "حكومات محلية")
    assert "citizen-participation-open-local-governments" in {r["project_id"] for r in rows}


def test_csv_download_equals_the_published_file(portal, released, model):
    paths, _ = released
    # Streamed: hcp_communes (1,503 rows) is longer than a page of max_returned_rows (1,000).
    for name in model.tables:
        body = get(portal, f"/remacto/{name}.csv", _stream="on").content
        assert body == (paths.published / "csv" / f"{name}.csv").read_bytes(), name


def test_whole_database_downloads(portal, released):
    paths, _ = released
    assert get(portal, "/remacto.db").content == (paths.published / "remacto.db").read_bytes()


def test_table_pages_show_three_languages_licence_and_source(portal, model):
    table = model.tables["collectivities"]
    for lang in ("ar", "fr", "en"):  # one language a page, chosen with ?_lang= (pipeline/portal/i18n.py)
        page = html.unescape(get(portal, "/remacto/collectivities", _lang=lang).text)
        assert table.title[lang] in page
        assert "ODbL" in page and "/remacto/sources" in page
        for field in table.fields:  # column descriptions
            assert field.description[lang] in page, (field.name, lang)


def test_facets_on_kind_and_province(portal):
    facets = get(portal, "/remacto/collectivities.json").json()["facet_results"]
    kinds = {f["value"]: f["count"] for f in facets["kind"]["results"]}
    assert kinds == {"commune": 24, "prefecture_or_province_council": 4, "region": 1}
    provinces = {f["value"]: f["count"] for f in facets["territory_id"]["results"]}
    assert provinces["al-hoceima"] == 8 and provinces["larache"] == 7


def test_canned_queries_answer(portal, model):
    for name in model.portal.queries:
        rows = get(portal, f"/remacto/{name}.json", _shape="array", territory_id="").json()
        assert rows, name
    agenda = get(portal, "/remacto/regional_meeting_agenda.json", _shape="array").json()
    assert agenda[0]["start_time"] == "09:30"


def test_the_portal_refuses_writes(portal):
    response = httpx.get(portal + "/remacto.json", params={"sql": "DELETE FROM sources"}, timeout=10)
    assert response.status_code in (400, 403)
    assert get(portal, "/remacto/sources.json", _size=0).json()["filtered_table_rows_count"] == len(raw_rows("sources"))


def _workers(pid: int) -> list[int]:
    """The worker processes gunicorn's master (the server process) forked."""
    return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]


def test_the_portal_runs_a_process_a_core_behind_one_port(released, model, tmp_path):
    """`make serve` runs `workers:` processes (metadata/portal.yaml, pipeline/portal/server.py: gunicorn
    with its ASGI workers), each serving the release; they go with the server."""
    paths, release = released
    assert model.portal.workers == 2
    with serving_process(release.path, model, tmp_path / "portal.log") as (base, proc):
        workers = _workers(proc.pid)
        assert len(workers) == 2, workers
        pages = ["/", "/remacto/collectivities", "/remacto/collectivities.json?_search=تطوان&_shape=array", "/health"] * 10
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda path: httpx.get(base + path, timeout=20), pages))
        assert [a.status_code for a in answers] == [200] * len(pages)
        assert {r["collectivity_id"] for r in answers[2].json()} == {"tta-001", "tta-015", "tta-016"}
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "a worker outlived the portal"


def test_worker_sockets_answer_without_waiting_for_delayed_acks():
    """Connections the portal's gunicorn accepts have TCP_NODELAY (set on its listening socket with
    the portal's settings, inherited by each accepted socket): without it a small cached answer
    waited 40 ms on a kept-alive connection. The listening socket has no SO_REUSEPORT."""
    import socket

    from gunicorn import sock as gunicorn_sock
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from pipeline.portal.server import gunicorn_options
    from tests.helpers import free_port

    config = Config()
    for key, value in gunicorn_options("127.0.0.1", free_port(), 1).items():
        config.set(key, value)
    [listener] = gunicorn_sock.create_sockets(config, Logger(config))
    try:
        client = socket.create_connection(listener.sock.getsockname())
        accepted, _ = listener.sock.accept()
        options = (
            accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
            listener.sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) != 0,
        )
        accepted.close()
        client.close()
    finally:
        listener.close()
    # No SO_REUSEPORT: a second portal on the port must fail to bind, not share it (test_serve_port.py).
    assert options == (True, False)
