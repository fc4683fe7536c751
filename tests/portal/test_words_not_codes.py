"""Words, not codes: a table page shows a code's label in the page's language, a foreign key the name
of the row it points to (or its id, never "None"), a source as a compact link; links, filters, CSV
and JSON keep the codes. And no word of Datasette's own stays English on an Arabic page."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

TABLE = "/remacto/collectivities"


def page(portal, path: str) -> str:
    response = httpx.get(portal + path, timeout=30)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def cell(html: str, row_id: str, column: str) -> str:
    """The inner HTML of one cell of the row whose first cell links to row_id."""
    row = re.search(rf'<tr>\s*<td class="col-collectivity_id[^>]*><a href="[^"]*/{row_id}">.*?</tr>', html, re.S)
    assert row, row_id
    found = re.search(rf'<td class="col-{column} [^>]*>(.*?)</td>', row.group(0), re.S)
    assert found, (row_id, column)
    return found.group(1).strip()


@pytest.mark.parametrize("lang,commune,region", [("ar", "جماعة", "جهة"), ("fr", "Commune", "Région"), ("en", "Commune", "Region")])
def test_the_kind_of_collectivity_shows_its_label_in_the_page_language_and_keeps_the_code(portal, lang, commune, region):
    html = page(portal, f"{TABLE}?_lang={lang}")
    assert cell(html, "tta-002", "kind") == f'<span class="code-label" data-code="commune">{commune}</span>'
    assert cell(html, "tta-001", "kind") == f'<span class="code-label" data-code="region">{region}</span>'
    # The facet says the word and filters on the code.
    facet = re.search(r'id="facet-kind".*?</ul>', html, re.S).group(0)
    assert re.findall(r'<a href="[^"]*(?:\?|&amp;)kind=(\w+)[^"]*">([^<]+)</a> (\d+)', facet) == [
        ("commune", commune, "24"),
        (
            "prefecture_or_province_council",
            {"ar": "مجلس عمالة أو إقليم", "fr": "Conseil préfectoral ou provincial", "en": "Prefectural or provincial council"}[lang],
            "4",
        ),
        ("region", region, "1"),
    ]


@pytest.mark.parametrize("lang,name", [("ar", "عمالة طنجة-أصيلة"), ("fr", "Tanger-Assilah"), ("en", "Tanger-Assilah")])
def test_a_foreign_key_shows_the_name_of_the_row_it_points_to_in_the_page_language(portal, lang, name):
    html = page(portal, f"{TABLE}?_lang={lang}")
    assert cell(html, "tta-002", "territory_id") == f'<a href="/remacto/territories/tanger-assilah" data-id="tanger-assilah">{name}</a>'


def test_a_foreign_key_to_a_row_without_a_name_never_shows_none(portal):
    html = page(portal, f"{TABLE}?_lang=ar")
    # latin-names (the source of the Regional Council's Latin name) has no Arabic title: Datasette
    # showed "None latin-names".
    assert cell(html, "tta-001", "name_latin_source_id") == (
        '<a class="source-link" href="/remacto/sources/latin-names" data-id="latin-names">المصدر</a>'
    )
    assert ">None<" not in html and "None&nbsp;" not in html


def test_the_source_is_a_compact_link_per_row_with_the_place_in_it_on_demand(portal):
    html = page(portal, f"{TABLE}?_lang=fr")
    assert cell(html, "tta-002", "source_id") == (
        '<a class="source-link" href="/remacto/sources/concept-note-tta-2025" data-id="concept-note-tta-2025">source</a>'
    )
    # The maintainers' note is English in the data: it says so on a French page, and is marked English.
    assert cell(html, "tta-002", "source_ref") == (
        '<details class="source-ref"><summary>où dans la source</summary>Note des responsables, en anglais : '
        '<bdi><span lang="en" dir="ltr">Members table, row 2</span></bdi></details>'
    )
    assert cell(html, "tta-001", "name_latin_ref").startswith(
        '<details class="source-ref"><summary>où dans la source</summary>Note des responsables, en anglais : '
        '<bdi><span lang="en" dir="ltr">Editorial: a council, not a place'
    )
    # The source's 30-word title is on its own page, not in each of the 29 rows.
    assert html.count("الملتقى الجهوي لأعضاء الشبكة المغربية للجماعات الترابية المفتوحة") <= 1


def test_csv_and_json_keep_the_codes(portal):
    rows = list(csv.DictReader(io.StringIO(httpx.get(portal + TABLE + ".csv?_lang=ar", timeout=30).text)))
    tangier = next(r for r in rows if r["collectivity_id"] == "tta-002")
    assert (tangier["kind"], tangier["territory_id"], tangier["source_id"], tangier["name_latin_source_id"]) == (
        "commune",
        "tanger-assilah",
        "concept-note-tta-2025",
        "hcp-rgph-2024",
    )
    data = httpx.get(portal + TABLE + ".json?_shape=array&_lang=ar", timeout=30).json()
    tangier = next(r for r in data if r["collectivity_id"] == "tta-002")
    assert (tangier["kind"], tangier["territory_id"], tangier["source_id"]) == ("commune", "tanger-assilah", "concept-note-tta-2025")
    facets = httpx.get(portal + TABLE + ".json?_lang=ar", timeout=30).json()["facet_results"]
    assert [(v["value"], v["count"]) for v in facets["kind"]["results"]] == [
        ("commune", 24),
        ("prefecture_or_province_council", 4),
        ("region", 1),
    ]


@pytest.mark.parametrize(
    "path",
    [TABLE + "?kind=commune", "/remacto", "/remacto/members_by_province", "/remacto?sql=select+1", "/remacto/collectivities/tta-002"],
)
def test_an_arabic_page_has_no_english_word_of_datasette_left(portal, path):
    html = page(portal, path + ("&" if "?" in path else "?") + "_lang=ar")
    english = [
        "Advanced export",
        "Custom SQL query",
        "Run SQL",
        "Format SQL",
        "Powered by",
        "starts with",
        "Export CSV",
        "This data as",
        "CSV options",
        "Sort by",
        "descending",
        "Remove this filter",
        "Links from other tables",
        "Queries took",
        "Download SQLite DB",
        "rows",
        "0 records",
    ]
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))
    assert [w for w in english if re.search(rf"\b{re.escape(w)}\b", visible)] == []


def test_the_filter_operators_are_named_in_the_page_language(portal):
    html = page(portal, TABLE + "?_lang=ar")
    select = re.search(r'<select name="_filter_op" aria-label="طريقة المقارنة">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    assert options[:5] == [
        ("exact", "يساوي"),
        ("not", "لا يساوي"),
        ("contains", "يحتوي على"),
        ("endswith", "ينتهي بـ"),
        ("startswith", "يبدأ بـ"),
    ]
    assert len(options) == 21


def test_a_ready_made_querys_columns_are_titled_from_the_schema_column_they_come_from(portal):
    """The agenda's `kind` is a session's kind (event_sessions), not a source's: the first table with a
    column named `kind` (sources) gave it "نوع المصدر"; `speaker_ar` and `organization_ar` had no title."""
    html = page(portal, "/remacto/regional_meeting_agenda?_lang=ar")
    headers = dict(re.findall(r'<th class="col-([a-z_]+)" scope="col"><span class="col-label">([^<]*)</span>', html))
    assert (headers["kind"], headers["speaker_ar"], headers["organization_ar"], headers["title_ar"]) == (
        "نوع الفقرة",
        "المتدخل",
        "الهيئة",
        "العنوان بالعربية",
    )
    assert "نوع المصدر" not in html
    kinds = set(re.findall(r'<span class="code-label" data-code="([a-z_]+)">', html))
    assert kinds and kinds <= {"registration", "opening", "presentation", "discussion", "break", "workshop", "closing", "meal"}, kinds


def test_a_pb_initiative_is_listed_and_titled_by_its_commune_never_its_id(portal):
    listing = page(portal, "/-/pb?_lang=ar")
    names = re.findall(r'<li data-initiative="[^"]+"><a href="/-/member/[^"]+"><strong><bdi>([^<]*)</bdi></strong>', listing)
    assert names == ["جماعة العرائش", "جماعة تطوان", "جماعة شفشاون", "جماعة الحسيمة"]
    row = page(portal, "/remacto/pb_initiatives/pb-tta-016?_lang=fr")
    assert re.search(r"<h1[^>]*>[^<]*: <bdi>Tétouan</bdi>", row)


@pytest.mark.parametrize("lang, label", [("ar", "المصدر:"), ("fr", "Source :"), ("en", "Source:")])
def test_the_home_page_says_source_once_before_the_attribution(portal, lang, label):
    text = re.sub(r"<[^>]+>", " ", page(portal, f"/?_lang={lang}"))
    words = " ".join(text.split())
    assert f"{label} {label}" not in words and label in words
