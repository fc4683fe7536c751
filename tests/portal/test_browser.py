"""The portal seen in a real browser: Debian's chromium, headless, driven by Playwright,
against the real Datasette serving the real release. Screenshots go to tests/output/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import TESTS

OUTPUT = TESTS / "output"


class Visit:
    """One browser page that records every request and every console error."""

    def __init__(self, browser, portal):
        self.context = browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.portal = portal
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str):
        response = self.page.goto(self.portal + path)
        assert response.status == 200, (path, response.status)
        return self.page

    def shot(self, name: str):
        OUTPUT.mkdir(exist_ok=True)
        self.page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)

    def check_clean(self):
        assert self.errors == []
        outside = [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]
        assert self.requests and outside == []
        self.context.close()


@pytest.fixture
def visit(browser, portal):
    v = Visit(browser, portal)
    yield v
    v.check_clean()


def direction(page) -> str:
    return page.evaluate("getComputedStyle(document.body).direction")


@pytest.mark.parametrize("lang,dir_", [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_home_page_in_each_language(visit, model, lang, dir_):
    page = visit.go(f"/?_lang={lang}")
    assert page.evaluate("document.documentElement.lang") == lang
    assert direction(page) == dir_
    assert page.locator("h1").inner_text() == model.package["title"][lang]
    # Every table is linked, under its title in this language.
    for name, table in model.tables.items():
        assert page.locator(f'a[data-table="{name}"]').inner_text() == table.title[lang]
    # The three charts are drawn, inline.
    assert page.locator("figure.chart svg rect").count() >= 3 + 3 + 9
    assert "228" in page.locator(".big-number").inner_text()
    visit.shot(f"home-{lang}")


def test_arabic_is_the_default_and_a_chosen_language_is_remembered(visit):
    page = visit.go("/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.locator('.lang-switch a[hreflang="fr"]').click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "fr"
    page = visit.go("/remacto/collectivities")  # no ?_lang: the cookie keeps French
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert direction(page) == "ltr"


def test_table_page_arabic_right_to_left_with_column_titles(visit, model):
    table = model.tables["collectivities"]
    page = visit.go("/remacto/collectivities?_lang=ar")
    assert direction(page) == "rtl"
    assert page.locator("h1").inner_text() == table.title["ar"]
    labels = page.locator("th .col-label").all_inner_texts()
    assert labels == [f.title["ar"] for f in table.fields]
    assert page.locator("tbody tr").count() == 29
    visit.shot("table-collectivities-ar")


def test_arabic_cells_keep_their_direction_in_a_french_page(visit):
    page = visit.go("/remacto/collectivities?_lang=fr")
    assert direction(page) == "ltr"
    cell = page.locator("td.col-name_ar").first
    assert cell.evaluate("c => getComputedStyle(c).direction") == "rtl"
    latin = page.locator("td.col-name_latin").first
    assert latin.evaluate("c => getComputedStyle(c).direction") == "ltr"
    visit.shot("table-collectivities-fr")


def test_home_search_box_finds_tetouan_with_tatweel_and_alef_variants(visit):
    page = visit.go("/?_lang=ar")
    page.fill("#remacto-q", "تطـــوان")
    page.locator(".remacto-search input[type=submit]").click()
    page.wait_for_load_state()
    found = page.locator('[data-table="collectivities"] li a').all_inner_texts()
    assert any("جماعة تطوان" in text for text in found)
    visit.shot("search-all-tetouan")
    # Alef with hamza typed bare, and a tatweel inside: أصيلة.
    page = visit.go("/-/search?q=" + "اصـيلة")
    found = page.locator('[data-table="collectivities"] li a').all_inner_texts()
    assert found == ["جماعة أصيلة · Assilah"]


def test_table_search_with_tatweel_and_hamza_finds_the_row(visit):
    page = visit.go("/remacto/collectivities?_lang=ar")
    page.fill("#_search", "آيت قمـرة")
    page.locator("form.filters input[type=submit]").click()
    page.wait_for_load_state()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "جماعة آيت قمرة" in rows.first.inner_text()


def test_a_filtered_view_downloads_as_csv_for_excel(visit, released):
    page = visit.go("/remacto/collectivities?kind=commune&_lang=en")
    with page.expect_download() as info:
        page.locator("a.dl-excelcsv").click()
    download = info.value
    assert download.suggested_filename == "remacto-collectivities-filtered-excel.csv"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 24 and "جماعة تطوان" in {r[1] for r in rows}


def test_the_map_draws_the_communes_and_lists_every_member_with_its_page(visit):
    page = visit.go("/-/map?_lang=fr")
    assert page.locator("figure.map svg path.commune").count() == 146
    assert page.locator("ol.map-members li").count() == 29
    assert page.locator('ol.map-members li[data-id="tta-016"] a').get_attribute("href") == "/-/member/tta-016"  # Tétouan
    assert page.locator('ol.map-members li[data-id="tta-011"]').count() == 1  # matches no HCP commune: still listed
    visit.shot("map-fr")


def test_data_dictionary_page_links_foreign_keys(visit, model):
    page = visit.go("/-/dictionary/collectivities?_lang=en")
    assert page.locator("table.dictionary tbody tr").count() == len(model.tables["collectivities"].fields)
    page.locator("tr#territory_id a.fk").click()
    page.wait_for_load_state()
    assert page.url.endswith("/-/dictionary/territories#territory_id")
    visit.shot("dictionary-territories-en")


def test_canned_query_for_journalists_in_arabic(visit, model):
    query = model.portal.queries["regional_meeting_agenda"]
    page = visit.go("/remacto/regional_meeting_agenda?_lang=ar")
    assert direction(page) == "rtl"
    assert page.locator("h1").inner_text().strip() == query.title["ar"]
    assert page.locator("table.rows-and-columns tbody tr").count() > 0
    assert page.locator("a.dl-xlsx").count() == 1
    visit.shot("query-agenda-ar")


@pytest.fixture
def phone(browser, portal):
    """A visit at a phone's width (390 px)."""
    v = Visit(browser, portal)
    v.page.set_viewport_size({"width": 390, "height": 844})
    yield v
    v.check_clean()


def test_the_first_tab_reaches_a_skip_link_that_moves_focus_to_the_content(phone):
    page = phone.go("/remacto/collectivities?_lang=ar")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.innerText, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip-link", "انتقل إلى المحتوى", "#main"]
    # Visible when focused: inside the screen, with an outline.
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_on_a_phone_rows_are_cards_labelled_in_the_page_language_and_come_before_the_column_notes(phone, model):
    page = phone.go("/remacto/collectivities?_lang=ar")
    kind = page.locator("tbody tr").nth(1).locator("td.col-kind")
    label = kind.evaluate("c => getComputedStyle(c, '::before').content")
    assert (label, kind.inner_text()) == (f'"{model.tables["collectivities"].field("kind").title["ar"]}"', "جماعة")
    assert page.locator("tbody tr").first.evaluate("r => getComputedStyle(r).display") == "block"
    # The column notes are folded, so the first row is reached in under two screens of the phone.
    assert page.locator("details.column-notes").evaluate("d => d.open") is False
    assert page.locator("tbody tr").first.bounding_box()["y"] < 2 * 844 + 200
    phone.shot("table-collectivities-ar-phone")


def test_each_chart_has_its_numbers_as_a_table_shown_on_a_phone(phone):
    page = phone.go("/?_lang=fr")
    table = page.locator("figure.chart").first.locator("table.chart-numbers")
    rows = [tuple(r.locator("th, td").all_inner_texts()) for r in table.locator("tbody tr").all()]
    assert rows == [("Région", "12"), ("Conseil préfectoral ou provincial", "17"), ("Commune", "199")]
    assert table.is_visible() and not page.locator("figure.chart .chart-drawing").first.is_visible()
