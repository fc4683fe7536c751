"""The members as the pages about them read them: each collectivity with its territory, the HCP unit it is
linked to (commune, province or region, with how the match was made) and where it goes on the region's
map. Read from the served release; the HCP tables (hcp_regions, hcp_provinces, hcp_communes,
collectivity_hcp_units, territory_hcp_units) are used when the release has them."""

from __future__ import annotations

from pipeline.settings import DB_NAME

HCP_TABLES = ("hcp_regions", "hcp_provinces", "hcp_communes", "collectivity_hcp_units", "territory_hcp_units")

MEMBERS_SQL = """
SELECT c.collectivity_id, c.name_ar, c.name_latin, c.kind, c.territory_id, c.source_id, c.source_ref,
       t.name_ar AS territory_ar, t.name_latin AS territory_latin
FROM collectivities AS c LEFT JOIN territories AS t ON t.territory_id = c.territory_id
ORDER BY c.collectivity_id"""
UNITS_SQL = """
SELECT u.collectivity_id, u.region_code, u.province_code, u.commune_code, u.match_method,
       u.match_note_ar, u.match_note_fr, u.match_note_en, u.source_id AS match_source_id, u.source_ref AS match_source_ref
FROM collectivity_hcp_units AS u"""
TERRITORY_UNITS_SQL = "SELECT territory_id, region_code, province_code FROM territory_hcp_units"
UNIT_SQL = {
    "commune": "SELECT commune_code AS code, code_digits, province_code, name_ar, name_fr, population_2024, "
    "households_2024, population_2014, source_id, source_ref FROM hcp_communes",
    "province": "SELECT province_code AS code, NULL AS code_digits, province_code, name_ar, name_fr, population_2024, "
    "households_2024, population_2014, source_id, source_ref FROM hcp_provinces",
    "region": "SELECT region_code AS code, NULL AS code_digits, NULL AS province_code, name_ar, name_fr, population_2024, "
    "households_2024, population_2014, source_id, source_ref FROM hcp_regions",
}
REGION_COMMUNES_SQL = "SELECT commune_code, code_digits, province_code, name_ar, name_fr FROM hcp_communes WHERE region_code = :region"


async def rows(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


async def has_hcp(db) -> bool:
    names = set(await db.table_names())
    return all(t in names for t in HCP_TABLES)


# {database file: HCP units}: read once per release and process (1,500 communes a page otherwise); a
# release switch serves another file path (remacto_public), so a new release is read again.
_units: dict[str, dict] = {}


async def hcp_units(db) -> dict[str, dict[str, dict]]:
    """{"commune"|"province"|"region": {HCP code: row}}, empty when the release has no HCP tables."""
    if db.path not in _units:
        _units[db.path] = (
            {kind: {r["code"]: r for r in await rows(db, sql)} for kind, sql in UNIT_SQL.items()}
            if await has_hcp(db)
            else {kind: {} for kind in UNIT_SQL}
        )
    return _units[db.path]


async def members(db) -> list[dict]:
    """Every member with `unit` (its HCP unit's row and level, or None), `match` (how it was linked)
    and `place` (what the map marks for it: its commune, its province or the region)."""
    found = await rows(db, MEMBERS_SQL)
    if not await has_hcp(db):
        for m in found:
            m.update(unit=None, match=None, place=None)
        return found
    units = await hcp_units(db)
    matches = {r["collectivity_id"]: r for r in await rows(db, UNITS_SQL)}
    territories = {r["territory_id"]: r for r in await rows(db, TERRITORY_UNITS_SQL)}
    for m in found:
        match = matches.get(m["collectivity_id"])
        m["match"] = match
        m["unit"] = _unit_of(match, units)
        m["place"] = _place_of(m, territories)
    return found


def _unit_of(match: dict | None, units: dict) -> dict | None:
    if not match:
        return None
    for level in ("commune", "province", "region"):
        code = match.get(f"{level}_code")
        if code and code in units[level]:
            return dict(units[level][code], level=level)
    return None


def _place_of(member: dict, territories: dict) -> dict | None:
    """Its commune's boundary when linked to one, else its province's, else the region's: an unmatched
    commune (جماعة عيادة) is shown by the province the source names, and says so."""
    unit = member["unit"]
    if unit and unit["level"] == "commune":
        return {"level": "commune", "code_digits": unit["code_digits"], "province_code": unit["province_code"]}
    if unit and unit["level"] == "province":
        return {"level": "province", "province_code": unit["code"]}
    if unit and unit["level"] == "region":
        return {"level": "region"}
    territory = territories.get(member["territory_id"]) or {}
    if territory.get("province_code"):
        return {"level": "province", "province_code": territory["province_code"], "approximate": True}
    return {"level": "region", "approximate": True} if territory.get("region_code") else None


async def region_communes(db, region: str = "01") -> list[dict]:
    return await rows(db, REGION_COMMUNES_SQL, {"region": region}) if await has_hcp(db) else []


def unit_name(tx, unit: dict) -> str:
    """An HCP unit's name: Arabic on Arabic pages, HCP's French elsewhere (never a reading of ours)."""
    return unit["name_ar"] if tx.lang == "ar" or not unit.get("name_fr") else unit["name_fr"]


def db_of(datasette):
    return datasette.get_database(DB_NAME)
