"""Arabic text rules, in one place: what is published, and how search folds text.

`clean_text` is applied to every text cell on the way in, so the release carries
no PDF-extraction noise. `search_key` folds spelling variants for full-text search;
the build indexes it and the portal applies it to the query, so both sides agree.
`is_formula` is the one formula-injection rule: validation refuses the cells it names, the fast
path selects its candidates by FORMULA_FIRST, and the spreadsheet downloads neutralise them.
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


# Every character clean_text changes, as an RE2 class for DuckDB: glyph forms, tatweel, Farsi yeh/kaf,
# invisible marks, white space other than a single inner space, and Arabic-Indic digits (normalised in
# typed cells). A row without any goes out as read; a row with one goes through normalise_rows itself.
NEEDS_CLEANING_RE2 = (
    "[\\x{0640}\\x{06cc}\\x{06a9}\\x{061c}\\x{200b}-\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}"
    "\\x{feff}\\x{fb50}-\\x{fdff}\\x{fe70}-\\x{fefe}\\x{0660}-\\x{0669}\\x{06f0}-\\x{06f9}"
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
    "\\x{202f}\\x{205f}\\x{3000}]|  |^ | $"
)

# A spreadsheet runs a cell that starts with one of these as a formula (tab and CR before one too),
# and "-2+3+cmd|..." as well.
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")
# Validation keeps a leading "-" only before digits and time punctuation: the source's right-to-left
# time ranges ("-9:30 10:00") start with one. A download still neutralises those.
_FORMULA_START = re.compile("^[" + re.escape("".join(c for c in FORMULA_FIRST if c != "-")) + "]|^-(?![0-9][0-9:., \\-]*$)")


def is_formula(value: str, *, in_spreadsheet: bool = False) -> bool:
    """Whether a text cell would run as a formula: the cells validation refuses (default), or, with
    `in_spreadsheet`, every cell a download must neutralise (the source's "-9:30 10:00" too)."""
    if in_spreadsheet:
        return value.startswith(FORMULA_FIRST)
    return _FORMULA_START.match(value) is not None
