"""Arabic text rules, in one place: what is published, and how search folds text.

`clean_text` is applied to every text cell on the way in, so the release carries
no PDF-extraction noise. `search_key` folds spelling variants for full-text search;
the build indexes it and the portal applies it to the query, so both sides agree.
"""
from __future__ import annotations

import re
import unicodedata

TATWEEL = "\u0640"
# Farsi yeh/kaf look like Arabic yeh/kaf but are other code points: a search for the
# Arabic spelling would miss them.
# Invisible format characters (bidi marks, embeddings, overrides and isolates, zero-width
# spaces, BOM): they carry no meaning in stored text, make equal names differ and can
# reorder what a reader sees. Display direction is the portal's job.
INVISIBLE = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_PUBLISH_MAP = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643", TATWEEL: None, **{c: None for c in INVISIBLE}})
# Arabic presentation forms (glyph shapes from PDFs and old software) -> the letters.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
_SPACES = re.compile(r"\s+")

# Arabic-Indic and Eastern Arabic-Indic digits -> 0-9.
_ASCII_DIGITS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)}})
_SEARCH_MAP = str.maketrans(
    {
        "\u0671": "\u0627",  # alef wasla -> alef (أ إ آ lose their marks in NFKD below)
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
    }
)
# The article at the start of a word: الحسيمة and للحسيمة both fold to ...حسيمه, so a
# substring search (trigram index) for one finds the other.
_ARTICLE = re.compile(r"(?<!\w)ال(?=\w{2})")


def clean_text(value: str) -> str:
    """Published form: letters not glyph forms, no tatweel or invisible marks, Arabic yeh/kaf,
    single spaces, trimmed."""
    value = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    return _SPACES.sub(" ", value.translate(_PUBLISH_MAP)).strip()


def search_key(value: str | None) -> str | None:
    """Folded form for matching: presentation forms, marks (harakat, hamza, madda, French
    accents), tatweel, alef/yeh/heh variants, digits, case and the article."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.translate(_PUBLISH_MAP))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SEARCH_MAP).translate(_ASCII_DIGITS)
    folded = _ARTICLE.sub("", folded.casefold())
    return _SPACES.sub(" ", folded).strip()


def normalise_rows(rows: list[list[str]], types: list[str]) -> list[list[str]]:
    """`clean_text` on every cell; numbers, dates and times written with Arabic-Indic digits
    (which validation reads as the same values) are published with the digits 0-9."""
    return [
        [clean_text(cell) if kind == "string" else clean_text(cell).translate(_ASCII_DIGITS) for cell, kind in zip(row, types)]
        for row in rows
    ]
