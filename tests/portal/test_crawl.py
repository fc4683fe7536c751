"""Every link the portal prints works, in the three languages, and every careless request gets a
client error on the portal's own page: a real Datasette serving the real release, crawled from the
home page as a visitor who clicks everything (tests/portal/crawl.py, also runnable by hand)."""

import pytest

from tests.portal.crawl import LANGS, MALFORMED, crawl, send_malformed

ERROR_WORDS = {"ar": "الرئيسية", "fr": "Accueil", "en": "Home"}  # the error page's way home (ui: home)


@pytest.mark.parametrize("lang", LANGS)
def test_every_link_from_the_home_page_answers_without_a_server_error_or_a_broken_link(portal, lang):
    result = crawl(portal, lang, every_table=lang == LANGS[0])
    assert result.pages >= (300 if lang == LANGS[0] else 50), result.pages
    assert result.failures == [], result.failures[:10]


@pytest.mark.parametrize("lang", LANGS)
def test_careless_requests_get_a_client_error_on_the_portals_page_in_its_language(portal, lang):
    answers = send_malformed(portal, lang)
    assert [(m, p[:60], s) for m, p, s, _ in answers if s not in (400, 404, 405)] == []
    for method, path, status, response in answers:
        if ".json" in path.split("?")[0]:
            assert response.json()["status"] == status, path
            continue
        assert f'<html lang="{lang}"' in response.text, (method, path[:60])
        assert f'<a href="/">{ERROR_WORDS[lang]}</a>' in response.text, (method, path[:60])
        assert "/assets/portal-" in response.text, (method, path[:60])  # the portal's own style
    assert {s for m, _, s, _ in answers if m != "GET"} == {405}
    assert len(answers) == len(MALFORMED)


def test_the_error_page_shows_what_the_visitor_sent_as_text_never_as_markup(portal):
    import httpx

    response = httpx.get(f"{portal}/remacto/collectivities", params={"_sort": "<script>alert(1)</script>"}, timeout=30)
    assert response.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text and "<script>alert(1)" not in response.text


def test_a_clients_mistake_is_logged_as_one_line_without_a_traceback(portal, released):
    paths, _ = released
    log = paths.root / "datasette.log"
    before = log.read_text(encoding="utf-8", errors="replace")
    send_malformed(portal, "en")
    added = log.read_text(encoding="utf-8", errors="replace")[len(before) :]
    assert "Traceback" not in added
    # Beside gunicorn's access log (a line a request), only the portal's one line a refused request.
    other = [line for line in added.splitlines() if not line.startswith("127.0.0.1 - - [")]
    assert [line for line in other if not line.startswith(("400 ", "404 ", "405 "))] == []
    assert sum("Cannot sort table by no_such_column" in line for line in other) == 1
    assert len(other) >= len(MALFORMED) - 1  # `_shape=wrong` is answered by Datasette itself, unlogged
