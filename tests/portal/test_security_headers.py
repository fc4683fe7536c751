"""Every answer of the portal carries its security headers (pages of each kind, JSON, CSV, files,
errors, a 304 from the response cache), and no page needs an inline script: Debian's chromium
reports no Content-Security-Policy violation and the moved scripts still run."""

from __future__ import annotations

import re

import httpx
import pytest

from pipeline.portal.headers import SECURITY_HEADERS
from pipeline.settings import ROOT

PAGES = {
    "home": "/",
    "table": "/remacto/collectivities?_lang=fr",
    "row": "/remacto/territories/al-hoceima",
    "query": "/remacto?sql=select+1",
    "canned query": "/remacto/regional_meeting_agenda",
    "search": "/-/search?q=%D8%AA%D8%B7%D9%88%D8%A7%D9%86",
    "map": "/-/map",
    "dictionary": "/-/dictionary/collectivities",
    "changelog": "/changelog",
    "dataset": "/datasets/network",
    "json": "/remacto/collectivities.json",
    "csv": "/remacto/collectivities.csv",
    "csv stream": "/remacto/collectivities.csv?_stream=on",
    "release file": "/release/datapackage.json",
    "asset": "/assets/portal.css",
    "health": "/health",
    "missing page": "/no-such-page",
    "missing row": "/remacto/collectivities/no-such-row",
    "bad sql": "/remacto.json?sql=select+nothing+from+nowhere",
}


def security_headers(response) -> dict:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_every_kind_of_answer_carries_the_security_headers(portal, kind):
    response = httpx.get(portal + PAGES[kind])
    assert response.status_code in (200, 400, 404), (kind, response.status_code)
    assert security_headers(response) == SECURITY_HEADERS


def test_the_policy_allows_no_inline_script_and_no_framing():
    policy = dict(part.split(" ", 1) for part in SECURITY_HEADERS["content-security-policy"].split("; "))
    assert (policy["script-src"], policy["frame-ancestors"], policy["object-src"]) == ("'self'", "'none'", "'none'")
    assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["default-src"]


def test_a_304_from_the_response_cache_repeats_the_security_headers(portal):
    first = httpx.get(portal + "/-/map?_lang=en")
    again = httpx.get(portal + "/-/map?_lang=en", headers={"If-None-Match": first.headers["etag"]})
    assert (first.status_code, again.status_code) == (200, 304)
    assert security_headers(again) == SECURITY_HEADERS


@pytest.mark.parametrize(
    "kind", ["home", "table", "row", "query", "canned query", "search", "map", "dictionary", "changelog", "dataset", "missing row"]
)
def test_no_page_has_an_inline_script_other_than_json_ld(portal, kind):
    html = httpx.get(portal + PAGES[kind]).text
    inline = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag and "application/ld+json" not in tag]
    assert inline == []


def test_nginx_adds_the_same_security_headers_to_the_files_it_serves():
    conf = (ROOT / "deploy" / "nginx" / "security-headers.conf").read_text(encoding="utf-8")
    added = {name.lower(): value for name, value in re.findall(r'^add_header\s+(\S+)\s+"([^"]*)"\s+always;', conf, re.M)}
    hsts = added.pop("strict-transport-security")
    assert added == SECURITY_HEADERS
    assert hsts.startswith("max-age=63072000")


def violations_on(browser, url: str, check: str):
    """The page at `url` in chromium: its CSP violations and console errors, and the value of `check`."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    assert page.goto(url).status == 200
    page.wait_for_load_state("load")
    result = (page.evaluate("window.__csp"), errors, page.evaluate(check))
    context.close()
    return result


# A script the page runs itself, not data (JSON-LD) and not a file: what the policy would block.
INLINE_SCRIPTS = "document.querySelectorAll('script:not([src]):not([type=\"application/ld+json\"])').length"


def test_the_sql_form_works_under_the_policy_with_no_inline_script(browser, portal):
    # The SQL box is a plain labelled textarea (CodeMirror's unlabelled editor is not loaded).
    assert violations_on(
        browser,
        portal + "/remacto?sql=select+1",
        f"[{INLINE_SCRIPTS}, !!document.querySelector('label[for=sql-editor] + br + textarea#sql-editor')]",
    ) == ([], [], [0, True])


def test_the_table_page_runs_under_the_policy_with_no_inline_script(browser, portal):
    assert violations_on(browser, portal + "/remacto/collectivities", INLINE_SCRIPTS) == ([], [], 0)


def test_a_click_outside_an_open_menu_closes_it_under_the_policy(browser, portal):
    # Public pages show no menu today: one is added, as Datasette adds its menus, and opened.
    check = (
        "(() => { const d = document.createElement('details'); d.innerHTML = '<summary>m</summary>x';"
        " document.body.prepend(d); d.open = true; document.querySelector('h1').click(); return d.open; })()"
    )
    assert violations_on(browser, portal + "/", check) == ([], [], False)


def test_a_release_file_under_its_release_id_is_kept_a_year_and_the_same_bytes(portal, released):
    _, release = released
    by_id = httpx.get(f"{portal}/release/{release.id}/datapackage.json")
    current = httpx.get(f"{portal}/release/datapackage.json")
    assert (by_id.status_code, by_id.headers["cache-control"]) == (200, "public, max-age=31536000, immutable")
    assert (current.headers["cache-control"], by_id.content) == ("public, max-age=60", current.content)
    assert security_headers(by_id) == SECURITY_HEADERS


def test_a_release_id_not_kept_or_a_path_outside_it_is_not_found(portal, released):
    _, release = released
    missing = httpx.get(f"{portal}/release/0123456789abcdef/datapackage.json")
    outside = httpx.get(f"{portal}/release/{release.id}/..%2F..%2Fmetadata%2Fportal.yaml")
    assert (missing.status_code, "cache-control" in missing.headers, outside.status_code) == (404, False, 404)


def test_pages_are_short_lived_and_revalidate_with_their_etag(portal):
    page = httpx.get(portal + "/remacto/territories?_lang=fr")
    again = httpx.get(portal + "/remacto/territories?_lang=fr", headers={"If-None-Match": page.headers["etag"]})
    assert (page.headers["cache-control"], again.status_code) == ("max-age=60", 304)
