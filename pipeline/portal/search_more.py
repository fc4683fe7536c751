"""What /-/search finds besides the rows of the full-text indexes: the communes (members, and the region's
communes that are not members, said so) and the tables and pages whose titles or descriptions, in any
of the three languages, hold every word of the query. Folded as the index is (read/text.py search_key)."""

from __future__ import annotations

from pipeline.model.texts import LANGS
from pipeline.portal import members as data, words
from pipeline.read.text import search_key

# The portal's own pages a query may name, by the word that titles them.
PAGES = (("/-/meeting", "task_meeting"), ("/-/pb", "pb_cycles"), ("/-/map", "region_map"))


def _holds(text: str | None, terms: list[str]) -> bool:
    folded = search_key(text) or ""
    return all(term in folded for term in terms)


def _any_lang(texts: dict | None, terms: list[str]) -> bool:
    return any(_holds(t, terms) for t in (texts or {}).values())


async def communes(db, tx, terms: list[str]) -> list[dict]:
    """Members whose name holds the query, then the region's other communes (HCP names), each saying which."""
    found = await data.members(db)
    out, member_codes = [], set()
    for m in found:
        if m["place"] and m["place"]["level"] == "commune":
            member_codes.add(m["place"]["code_digits"])
        if _holds(m["name_ar"], terms) or _holds(m["name_latin"], terms):
            out.append({"label": tx.name(m), "url": f"/-/member/{m['collectivity_id']}", "note": tx.ui("search_member")})
    for c in await data.region_communes(db):
        if c["code_digits"] not in member_codes and (_holds(c["name_ar"], terms) or _holds(c["name_fr"], terms)):
            out.append({"label": data.unit_name(tx, c), "url": None, "note": tx.ui("search_region_commune")})
    return out


def tables(tx, terms: list[str]) -> list[dict]:
    """The portal's pages and the tables whose title or description holds the query, in any language."""
    out = [{"label": tx.ui(word), "url": url} for url, word in PAGES if _any_lang({lang: words.word(lang, word) for lang in LANGS}, terms)]
    for name, spec in tx.config["tables"].items():
        if _any_lang(spec.get("title"), terms) or _any_lang(spec.get("description"), terms):
            out.append({"label": tx.table_title(name), "url": f"/remacto/{name}"})
    return out


async def groups(db, tx, query: str) -> dict:
    terms = [t for t in (search_key(query) or "").split() if len(t) >= 3]
    if not terms:
        return {"communes": [], "tables": []}
    return {"communes": await communes(db, tx, terms), "tables": tables(tx, terms)}
