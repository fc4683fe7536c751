"""Every download opens in the reader people use and holds the values, never a Python structure:
openpyxl for XLSX, Python's csv and pandas for CSV, json for JSON and JSON lines, and LibreOffice
(Debian's libreoffice-calc, headless) for an Arabic table's XLSX and CSV for Excel."""

import csv
import io
import json
import re
import subprocess

import httpx
import openpyxl
import pandas
import yaml

BOM = b"\xef\xbb\xbf"


def max_download_rows(paths) -> int:
    return yaml.safe_load((paths.metadata / "portal.yaml").read_text(encoding="utf-8"))["settings"]["max_returned_rows"]


def tables(released) -> list[str]:
    """The tables whose every row one download holds (Datasette's max_returned_rows)."""
    paths, _ = released
    return sorted(t for t in all_tables(released) if rows_of(paths, t) <= max_download_rows(paths))


def all_tables(released) -> list[str]:
    paths, _ = released
    return sorted(p.stem for p in (paths.published / "csv").glob("*.csv"))


def rows_of(paths, table: str) -> int:
    with (paths.published / "csv" / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def test_a_table_larger_than_one_download_links_the_releases_whole_file_not_a_download_that_would_refuse(portal, released):
    paths, _ = released
    larger = [t for t in all_tables(released) if rows_of(paths, t) > max_download_rows(paths)]
    assert larger == ["hcp_communes"]
    html = get(portal, "/remacto/hcp_communes?_lang=ar").text
    assert 'class="dl-xlsx"' not in html and 'class="dl-excelcsv"' not in html
    link = re.search(r'class="dl-release-excel" href="([^"]+)"', html).group(1)
    body = get(portal, link).content
    assert body.startswith(BOM) and rows_of(paths, "hcp_communes") == len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    filtered = get(portal, "/remacto/hcp_communes?region_code=01&_lang=ar").text
    assert 'class="dl-xlsx"' in filtered  # 146 communes of the region: one download holds them


def get(portal, path):
    response = httpx.get(f"{portal}{path}", timeout=60)
    assert response.status_code == 200, (path, response.status_code, response.text[:200])
    return response


def datasette_csv(portal, table) -> list[list[str]]:
    """Datasette's own CSV with labels: the code in its column, the label in <column>_label."""
    return list(csv.reader(io.StringIO(get(portal, f"/remacto/{table}.csv?_labels=on&_size=max").text)))


def as_text(value) -> str:
    return "" if value is None else str(value)


def test_every_tables_xlsx_with_labels_opens_in_openpyxl_with_the_csvs_columns_and_values(portal, released):
    for table in tables(released):
        book = openpyxl.load_workbook(io.BytesIO(get(portal, f"/remacto/{table}.xlsx?_labels=on&_size=max").content))
        cells = [[as_text(v) for v in row] for row in book.active.iter_rows(values_only=True)]
        expected = datasette_csv(portal, table)
        assert cells[0] == expected[0], table
        # Text a spreadsheet would run as a formula carries an apostrophe in the XLSX.
        assert [[v.lstrip("'") for v in r] for r in cells[1:]] == [[v for v in r] for r in expected[1:]], table


def test_every_tables_csv_for_excel_has_a_bom_plain_values_and_reads_the_same_in_csv_and_pandas(portal, released):
    for table in tables(released):
        body = get(portal, f"/remacto/{table}.excelcsv?_labels=on&_size=max").content
        assert body.startswith(BOM), table
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        expected = datasette_csv(portal, table)
        assert rows[0] == expected[0], table
        assert [[v.lstrip("'") for v in r] for r in rows[1:]] == expected[1:], table
        assert not [v for r in rows for v in r if v.startswith(("{'", "[{"))], table
        frame = pandas.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert list(frame.columns) == expected[0] and len(frame) == len(expected) - 1, table


def test_the_release_csv_and_json_read_back_in_pandas_and_json_as_the_same_rows(released):
    paths, _ = released
    for table in tables(released):
        frame = pandas.read_csv(paths.published / "csv" / f"{table}.csv", dtype=str, keep_default_na=False)
        rows = json.loads((paths.published / "json" / f"{table}.json").read_text(encoding="utf-8"))
        assert len(frame) == len(rows), table
        assert list(frame.columns) == (list(rows[0]) if rows else list(frame.columns)), table


def test_json_and_json_lines_downloads_parse_with_labels_as_objects(portal):
    rows = get(portal, "/remacto/collectivities.json?_labels=on&_shape=array&_size=max").json()
    lines = get(portal, "/remacto/collectivities.json?_labels=on&_shape=array&_nl=on&_size=max").text.splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert rows[0]["region_id"] == {"value": "tanger-tetouan-al-hoceima", "label": "جهة طنجة-تطوان-الحسيمة"}


def libreoffice_to_csv(source, out_dir, infilter: str | None = None) -> list[list[str]]:
    """What LibreOffice Calc reads in `source`, saved back as UTF-8 CSV."""
    args = ["soffice", f"-env:UserInstallation=file://{out_dir}/profile", "--headless"]
    if infilter:
        args.append(f"--infilter={infilter}")
    args += ["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out_dir / "out"), str(source)]
    subprocess.run(args, check=True, capture_output=True, timeout=180)
    return list(csv.reader(io.StringIO((out_dir / "out" / (source.stem + ".csv")).read_text(encoding="utf-8"))))


def test_libreoffice_opens_an_arabic_tables_xlsx_and_csv_for_excel_with_the_arabic_intact(portal, released, tmp_path):
    paths, _ = released
    with (paths.published / "csv" / "collectivities.csv").open(encoding="utf-8", newline="") as fh:
        names = [r["name_ar"] for r in csv.DictReader(fh)]
    (tmp_path / "collectivities.xlsx").write_bytes(get(portal, "/remacto/collectivities.xlsx?_labels=on&_size=max").content)
    (tmp_path / "collectivities-excel.csv").write_bytes(get(portal, "/remacto/collectivities.excelcsv?_labels=on&_size=max").content)
    from_xlsx = libreoffice_to_csv(tmp_path / "collectivities.xlsx", tmp_path)
    # The character set left empty: LibreOffice detects it, as its import dialog does (here from the BOM).
    from_csv = libreoffice_to_csv(tmp_path / "collectivities-excel.csv", tmp_path, "CSV:44,34,,1")
    for opened in (from_xlsx, from_csv):
        column = opened[0].index("name_ar")
        assert [r[column] for r in opened[1:]] == names
    assert from_xlsx == from_csv


def test_the_release_ships_beside_each_machine_csv_a_csv_for_excel_with_a_bom_and_the_same_rows(released):
    paths, _ = released
    for table in tables(released):
        machine = (paths.published / "csv" / f"{table}.csv").read_bytes()
        excel = (paths.published / "excel" / f"{table}.csv").read_bytes()
        assert not machine.startswith(BOM) and excel.startswith(BOM), table
        rows = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"))))
        assert [[v.lstrip("'") for v in r] for r in rows] == list(csv.reader(io.StringIO(machine.decode("utf-8")))), table


def test_a_table_page_links_the_release_file_for_spreadsheets_and_says_which_download_is_for_whom(portal, released):
    paths, _ = released
    page = get(portal, "/remacto/collectivities?_lang=en").text
    assert f'href="/release/{paths.published.resolve().name}/excel/collectivities.csv"' in page
    assert "For a spreadsheet (Excel, LibreOffice)" in page and "For a program: the plain CSV" in page
