"""Downloads for spreadsheets (CSV for Excel, XLSX), JSON and the whole release as one archive,
from the real portal; the machine CSV stays byte for byte the published file."""

import csv
import re
import io
import zipfile

import httpx
import openpyxl

from pipeline.portal import downloads as exports
from tests.helpers import published_rows


def get(portal, path, **params):
    response = httpx.get(portal + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


def test_neutralise_prefixes_formula_starts_only():
    assert [exports.neutralise(v) for v in ["=1+1", "+212", "-9:30 10:00", "@SUM", "\tx", "\rx"]] == [
        "'=1+1",
        "'+212",
        "'-9:30 10:00",
        "'@SUM",
        "'\tx",
        "'\rx",
    ]
    assert [exports.neutralise(v) for v in ["تطوان", "a=b", "", None, -3, 2.5]] == ["تطوان", "a=b", "", None, -3, 2.5]


def test_xlsx_writes_formula_like_text_as_text():
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx(["a", "n"], [['=HYPERLINK("x")', 3], ["تطوان", None]])))
    sheet = book.active
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 3 and sheet["A3"].value == "تطوان"


def test_excel_csv_of_the_agenda_has_a_bom_and_neutralised_times(portal, released):
    paths, _ = released
    response = get(portal, "/remacto/event_sessions.excelcsv", _size="max")
    assert response.headers["content-disposition"] == 'attachment; filename="remacto-event_sessions-excel.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = [[exports.neutralise(v) for v in row] for row in published_rows(paths, "event_sessions")]
    assert rows[1:] == expected
    assert any(v.startswith("'-") for row in rows for v in row)  # the source's "-9:30 10:00" cells


def test_xlsx_of_a_table_holds_the_published_values(portal, released):
    paths, _ = released
    response = get(portal, "/remacto/collectivities.xlsx", _size="max")
    assert response.headers["content-disposition"] == 'attachment; filename="remacto-collectivities.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == published_rows(paths, "collectivities")
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str))


def test_filtered_view_is_named_filtered_and_holds_only_its_rows(portal):
    response = get(portal, "/remacto/collectivities.xlsx", _size="max", territory_id="al-hoceima")
    assert response.headers["content-disposition"] == 'attachment; filename="remacto-collectivities-filtered.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1 + 8


def test_json_download_of_a_filtered_view(portal):
    rows = get(portal, "/remacto/collectivities.json", _shape="array", _size="max", kind="region").json()
    assert [r["collectivity_id"] for r in rows] == ["tta-001"]


def test_canned_query_downloads_as_xlsx(portal):
    response = get(portal, "/remacto/regional_meeting_agenda.xlsx", _size="max")
    assert response.headers["content-disposition"].endswith('filename="remacto-regional_meeting_agenda.xlsx"')
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row > 1


def test_the_whole_release_is_one_archive(portal, released):
    paths, release = released
    response = get(portal, "/-/release.zip")
    assert response.headers["content-disposition"] == f'attachment; filename="remacto-release-{release.id}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        names = zf.namelist()
        prefix = f"remacto-{release.id}/"
        files = sorted(p.relative_to(paths.published.resolve()).as_posix() for p in paths.published.resolve().rglob("*") if p.is_file())
        assert names == [prefix + f for f in files]
        assert zf.read(prefix + "SHA256SUMS") == (paths.published / "SHA256SUMS").read_bytes()
        assert zf.read(prefix + "csv/collectivities.csv") == (paths.published / "csv" / "collectivities.csv").read_bytes()
    assert get(portal, "/-/release.zip").content == response.content  # the same bytes every time


def test_a_view_larger_than_one_download_says_so_instead_of_cutting_it(portal):
    response = httpx.get(portal + "/remacto/collectivities.xlsx", params={"_size": 5}, timeout=30)
    assert response.status_code == 413
    assert "/-/release.zip" in response.text


def test_a_tables_plain_csv_link_is_the_release_file_at_its_permanent_address(portal, released):
    paths, _ = released
    release_id = paths.published.resolve().name
    html = get(portal, "/remacto/collectivities", _lang="en").text
    link = re.search(r'class="dl-csv" href="([^"]+)"', html)[1]
    assert link == f"/release/{release_id}/csv/collectivities.csv"
    response = get(portal, link)
    assert (response.headers["cache-control"], response.content) == (
        "public, max-age=31536000, immutable",
        (paths.published / "csv" / "collectivities.csv").read_bytes(),
    )


def test_the_dataset_and_changelog_pages_link_the_release_files_at_their_permanent_address(portal, released):
    paths, _ = released
    release_id = paths.published.resolve().name
    links = re.findall(r'href="(/release/[^"]+)"', get(portal, "/datasets/network").text + get(portal, "/changelog").text)
    assert links == [
        f"/release/{release_id}/{name}"
        for name in ("CITATION.md", "CITATION.cff", "dcat.ttl", "dcat.jsonld", "ckan/network.json", "CHANGELOG.md", "changelog.json")
    ]
    for link in links:
        assert get(portal, link).content == (paths.published / link.split("/", 3)[3]).read_bytes(), link
