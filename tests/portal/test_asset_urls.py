"""Static files under content-addressed URLs (pipeline/portal/assets.py): every CSS and script a page
of any type links is named by its bytes' SHA-256 and kept a year, `immutable`; changing a file's
bytes changes its URL; the plain URL stays, short-lived; pages stay short-lived with their ETag."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import pytest

from pipeline.portal.assets import Assets, StaticRoot, hashed_path
from pipeline.portal.headers import IMMUTABLE, SECURITY_HEADERS
from pipeline.settings import ROOT
from pipeline.tools.pages import LANGS, PAGES
from tests.helpers import linked_files

STATIC = {"/assets/": ROOT / "pipeline" / "portal" / "static", "/-/static/": Path(__import__("datasette").__file__).parent / "static"}


def digest_of(url: str) -> str:
    """The first 7 hex digits of the SHA-256 of the file a content-addressed URL names."""
    prefix = next(p for p in STATIC if url.startswith(p))
    name = re.sub(r"-[0-9a-f]{7}(\.[^./-]+)$", r"\1", url[len(prefix) :])
    return hashlib.sha256((STATIC[prefix] / name).read_bytes()).hexdigest()[:7]


@pytest.fixture(scope="module")
def page_assets(portal):
    """Every page type in every language: (page, language) -> the files it links."""
    return {(page.name, lang): linked_files(httpx.get(portal + page.url(lang)).text) for page in PAGES for lang in LANGS}


def test_every_page_type_links_its_css_and_scripts_by_their_content(page_assets):
    for (page, lang), urls in page_assets.items():
        # The error pages too are the portal's, in its style (remacto_public's handle_exception).
        assert [u for u in urls if u.startswith("/assets/portal")][:1] == [f"/assets/portal-{digest_of('/assets/portal.css')}.css"], (
            page,
            lang,
        )
        assert f"/assets/close-menus-{digest_of('/assets/close-menus.js')}.js" in urls, (page, lang)
        assert f"/-/static/app-{digest_of('/-/static/app.css')}.css" in urls, (page, lang)
        for url in urls:
            assert re.search(r"-[0-9a-f]{7}\.(css|js)$", url) and url.rsplit("-", 1)[1].split(".")[0] == digest_of(url), (page, lang, url)


def test_every_linked_file_is_kept_a_year_immutable_with_the_security_headers(portal, page_assets):
    for url in sorted({u for urls in page_assets.values() for u in urls}):
        response = httpx.get(portal + url)
        assert (response.status_code, response.headers["cache-control"]) == (200, IMMUTABLE), url
        assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, url
        plain = re.sub(r"-[0-9a-f]{7}(\.[^./-]+)$", r"\1", url)
        assert response.content == httpx.get(portal + plain).content, url


def test_a_plain_asset_url_still_answers_but_short_lived(portal):
    response = httpx.get(portal + "/assets/portal.css")
    assert (response.status_code, response.headers["cache-control"]) == (200, "public, max-age=60")


def test_an_out_of_date_digest_is_redirected_to_the_current_url_and_not_kept(portal):
    response = httpx.get(portal + "/assets/portal-0000000.css")
    current = f"/assets/portal-{digest_of('/assets/portal.css')}.css"
    assert (response.status_code, response.headers["location"], response.headers["cache-control"]) == (302, current, "public, max-age=60")


def test_a_file_that_is_not_there_is_not_found_under_any_digest(portal):
    assert httpx.get(portal + "/assets/no-such-1234567.css").status_code == 404


def test_changing_a_files_bytes_changes_its_url(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }", encoding="utf-8")
    assets = Assets([StaticRoot("/assets/", tmp_path)])
    before = assets.url("/assets/site.css")
    (tmp_path / "site.css").write_text("body { color: navy }", encoding="utf-8")
    after = assets.url("/assets/site.css")
    assert before != after
    assert after == f"/assets/site-{hashlib.sha256(b'body { color: navy }').hexdigest()[:7]}.css"
    # The old URL now points at the current one; the current one at its file.
    assert (assets.plain(before), assets.plain(after)) == (("/assets/site.css", after), ("/assets/site.css", after))


def test_names_with_dots_or_none_keep_their_suffix_and_other_paths_stay_as_they_are(tmp_path):
    (tmp_path / "lib-5.57.0.min.js").write_bytes(b"x")
    (tmp_path / "LICENSE").write_bytes(b"x")
    assets = Assets([StaticRoot("/-/static/", tmp_path)])
    digest = hashlib.sha256(b"x").hexdigest()[:7]
    assert (assets.url("/-/static/lib-5.57.0.min.js"), assets.url("/-/static/LICENSE")) == (
        f"/-/static/lib-5.57.0.min-{digest}.js",
        f"/-/static/LICENSE-{digest}",
    )
    assert (assets.url("/remacto/collectivities"), assets.url("https://example.org/a.css"), assets.url("/-/static/../../etc/passwd")) == (
        "/remacto/collectivities",
        "https://example.org/a.css",
        "/-/static/../../etc/passwd",
    )
    assert hashed_path("/assets/portal.css", "1a2b3c4") == "/assets/portal-1a2b3c4.css"


@pytest.mark.parametrize("page", [p for p in PAGES if p.status == 200], ids=lambda p: p.name)
def test_pages_stay_short_lived_with_an_etag_and_a_304_on_if_none_match(portal, page):
    url = portal + page.url("fr")
    first = httpx.get(url)
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert (first.status_code, first.headers["cache-control"], again.status_code) == (200, "max-age=60", 304)
