"""The official reference data is what the HCP tool extracts, byte for byte, and each member's and
territory's link to HCP is the one the name match gives: no source spelling corrected, what matches
nothing left unlinked with a note."""

import csv
import shutil

import pytest

from pipeline.build.validation import validate
from pipeline.model import load_model
from pipeline.settings import ROOT, Paths
from pipeline.tools import hcp

WRITTEN = ["hcp_regions", "hcp_provinces", "hcp_communes", "territory_hcp_units", "collectivity_hcp_units", "collectivities"]


def read(name, root=ROOT):
    with (root / "raw" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    """The tool run again on a copy of the committed raw/."""
    root = tmp_path_factory.mktemp("hcp")
    shutil.copytree(ROOT / "raw", root / "raw")
    hcp.write(Paths(root))
    return root


@pytest.mark.parametrize("name", WRITTEN)
def test_the_committed_tables_are_byte_for_byte_what_the_tool_writes(rerun, name):
    assert (rerun / "raw" / f"{name}.csv").read_bytes() == (ROOT / "raw" / f"{name}.csv").read_bytes()


def test_the_division_has_12_regions_83_provinces_and_1503_communes():
    assert [len(read(n)) for n in ("hcp_regions", "hcp_provinces", "hcp_communes")] == [12, 83, 1503]
    assert sum(r["region_code"] == "01" for r in read("hcp_communes")) == 146


def test_tanger_keeps_the_leading_zeros_of_its_code_digits():
    tanger = next(r for r in read("hcp_communes") if r["commune_code"] == "01.511.01.0")
    assert (tanger["code_digits"], tanger["name_fr"], tanger["population_2024"], tanger["population_2014"]) == (
        "001511010",
        "Tanger",
        "1275428",
        "947952",
    )
    assert [r["commune_code"] for r in read("hcp_communes") if r["region_code"] == "01" and r["code_digits"].startswith("00")] == [
        "01.511.01.0"
    ]


def test_each_member_is_linked_to_the_unit_its_name_matches_with_its_method():
    links = [
        (r["collectivity_id"], r["region_code"] or r["province_code"] or r["commune_code"], r["match_method"])
        for r in read("collectivity_hcp_units")
    ]
    both, arabic, french = "same-arabic-and-french-name", "same-arabic-name", "same-french-name"
    assert links == [
        ("tta-001", "01", both),
        ("tta-002", "01.511.01.0", both),
        ("tta-003", "01.511.01.09", both),
        ("tta-004", "01.511.01.01", arabic),
        ("tta-005", "01.573.01.01", both),
        ("tta-006", "01.573.01.05", both),
        ("tta-007", "01.573.01.03", both),
        ("tta-008", "01.331", both),
        ("tta-009", "01.331.01.03", both),
        ("tta-010", "01.331.01.01", both),
        ("tta-011", "", "unmatched"),
        ("tta-012", "01.331.11.11", both),
        ("tta-013", "01.331.11.09", french),
        ("tta-014", "01.331.07.05", both),
        ("tta-015", "01.571", both),
        ("tta-016", "01.571.01.11", both),
        ("tta-017", "01.405.01.09", both),
        ("tta-018", "01.405.11.11", both),
        ("tta-019", "01.227", french),
        ("tta-020", "01.227.05.09", arabic),
        ("tta-021", "01.151.01.01", both),
        ("tta-022", "01.051", both),
        ("tta-023", "01.051.01.01", both),
        ("tta-024", "01.051.01.09", both),
        ("tta-025", "01.051.01.07", french),
        ("tta-026", "01.051.13.03", french),
        ("tta-027", "01.051.01.03", both),
        ("tta-028", "01.051.01.05", both),
        ("tta-029", "01.051.11.01", both),
    ]


def test_each_territory_is_linked_to_its_region_or_province_and_jaen_to_none():
    links = [(r["territory_id"], r["region_code"] or r["province_code"], r["match_method"]) for r in read("territory_hcp_units")]
    both = "same-arabic-and-french-name"
    assert links == [
        ("tanger-tetouan-al-hoceima", "01", both),
        ("tanger-assilah", "01.511", both),
        ("mdiq-fnideq", "01.573", both),
        ("larache", "01.331", both),
        ("tetouan", "01.571", both),
        ("ouezzane", "01.405", both),
        ("fahs-anjra", "01.227", both),
        ("chefchaouen", "01.151", both),
        ("al-hoceima", "01.051", both),
        ("oriental", "02", "same-arabic-name"),
        ("jaen", "", "unmatched"),
    ]


def test_the_unmatched_member_keeps_its_spelling_and_says_the_nearest_commune_of_its_province():
    aiyada = next(r for r in read("collectivity_hcp_units") if r["collectivity_id"] == "tta-011")
    assert "«عيادة»" in aiyada["match_note_ar"] and "«عياشة»" in aiyada["match_note_ar"]
    assert aiyada["match_note_en"] == (
        "«عيادة» matches no commune of Morocco at HCP; the nearest name in Larache is "
        "«عياشة» (Ayacha, 01.331.09.01). The source's spelling is neither corrected nor linked."
    )
    member = next(r for r in read("collectivities") if r["collectivity_id"] == "tta-011")
    assert (member["name_ar"], member["name_latin"]) == ("جماعة عيادة", "")


def test_a_french_name_match_shows_both_arabic_spellings_and_the_source_keeps_its_own():
    links = {r["collectivity_id"]: r for r in read("collectivity_hcp_units")}
    members = {r["collectivity_id"]: r for r in read("collectivities")}
    assert links["tta-025"]["match_note_fr"] == (
        "La source écrit « تارجاست », le HCP « تارجيست » ; rapproché par le nom français « Targuist », code "
        "01.051.01.07. L'orthographe de la source n'est pas corrigée."
    )
    assert members["tta-025"]["name_ar"] == "جماعة تارجاست"


def test_a_matched_commune_takes_hcp_french_name_with_its_code_and_a_council_keeps_its_own():
    members = {r["collectivity_id"]: r for r in read("collectivities")}
    assert [members["tta-004"][c] for c in ("name_latin", "name_latin_source_id", "name_latin_ref")] == [
        "Assilah",
        "hcp-rgph-2024",
        "01.511.01.01",
    ]
    assert members["tta-020"]["name_latin"] == "Malloussa"
    assert members["tta-008"]["name_latin_source_id"] == "latin-names"  # a council, not the province
    territories = {r["territory_id"]: r for r in read("territories")}
    assert territories["oriental"]["name_latin"] == "L'Oriental"  # its link gives HCP's «Oriental» beside it


def test_a_re_run_after_hcp_names_replaced_the_readings_still_compares_the_old_reading(rerun):
    """The French comparison uses the reading kept in the link table, so Asilah stays an Arabic-only match."""
    asilah = next(r for r in read("collectivity_hcp_units", rerun) if r["collectivity_id"] == "tta-004")
    assert (asilah["compared_name_latin"], asilah["match_method"]) == ("Asilah", "same-arabic-name")


def test_folding_ignores_hamza_forms_accents_and_beni():
    assert hcp.fold_arabic("آيت قمرة") == hcp.fold_arabic("ايت قمرة")
    assert hcp.fold_latin("Beni Bouayach") == hcp.fold_latin("Bni Bouayach") == "bni bouayach"
    assert hcp.fold_latin("Al Hoceïma") == hcp.fold_latin("Al Hoceima")
    assert hcp.strip_arabic("المجلس الإقليمي للعرائش") == "العرائش"


def problems_after(tmp_path, change):
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    for part in ("schemas", "metadata"):
        shutil.copytree(ROOT / part, tmp_path / part)
    change(tmp_path / "raw")
    report, _ = validate(tmp_path / "raw", load_model(tmp_path / "schemas", tmp_path / "metadata"))
    return {p.key() for p in report.problems}


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_commune_whose_region_is_not_its_provinces_is_reported(tmp_path):
    def defect(raw):  # Assilah (row 3) put in region 02 while its province 01.511 is in 01
        replace_in(raw / "hcp_communes.csv", "01.511.01.01,015110101,01.511,01,", "01.511.01.01,015110101,01.511,02,")

    assert problems_after(tmp_path, defect) == {("hcp_communes.csv", 3, "region_code", "rule-violation")}


def test_an_unknown_hcp_code_in_a_members_link_is_reported(tmp_path):
    def defect(raw):  # Larache (row 10) linked to a commune HCP does not have
        replace_in(raw / "collectivity_hcp_units.csv", "tta-009,,,01.331.01.03,", "tta-009,,,01.331.01.99,")

    assert problems_after(tmp_path, defect) == {("collectivity_hcp_units.csv", 10, "commune_code", "foreign-key")}


def test_a_member_commune_linked_outside_its_province_is_reported(tmp_path):
    def defect(raw):  # Assilah (row 5) linked to Larache's commune of Larache
        replace_in(raw / "collectivity_hcp_units.csv", "tta-004,,,01.511.01.01,", "tta-004,,,01.331.01.03,")

    # Its Latin name, HCP's «Assilah» with code 01.511.01.01, no longer is the linked commune's either.
    assert problems_after(tmp_path, defect) == {
        ("collectivity_hcp_units.csv", 5, "commune_code", "rule-violation"),
        ("collectivities.csv", 5, "name_latin", "rule-violation"),
    }


def test_an_unmatched_member_with_a_code_is_reported(tmp_path):
    def defect(raw):  # عيادة (row 12) given Ayacha's code while its method says unmatched
        replace_in(raw / "collectivity_hcp_units.csv", "tta-011,,,,unmatched", "tta-011,,,01.331.09.01,unmatched")

    assert problems_after(tmp_path, defect) == {("collectivity_hcp_units.csv", 12, "match_method", "rule-violation")}


def test_names_that_point_to_two_units_link_neither_and_say_which():
    sahel = hcp.Unit("commune", "01.331.11.11", "الساحل", "Sahel", "01.331")
    namesake = hcp.Unit("commune", "01.331.11.99", "الساحل", "Sahel Gharbi", "01.331")
    other = hcp.Unit("commune", "01.331.11.98", "الغربية", "Sahel", "01.331")
    for candidates in ([sahel, namesake], [namesake, other]):
        m = hcp.match("جماعة الساحل", "Sahel", candidates)
        assert (m.unit, m.method, [u.code for u in m.ambiguous]) == (None, "unmatched", [u.code for u in candidates])
    assert hcp.notes(hcp.match("جماعة الساحل", "Sahel", [sahel, namesake]), "commune")[2] == (
        "«الساحل» points to more than one HCP unit (01.331.11.11, 01.331.11.99); not linked."
    )


def test_a_latin_name_citing_hcp_that_is_not_hcps_is_reported(tmp_path):
    def defect(raw):  # Assilah (row 5) spelt back as the editorial reading while citing HCP
        replace_in(raw / "collectivities.csv", "tta-004,جماعة أصيلة,Assilah,", "tta-004,جماعة أصيلة,Asilah,")

    assert problems_after(tmp_path, defect) == {("collectivities.csv", 5, "name_latin", "rule-violation")}
