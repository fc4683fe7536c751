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
_PUBLISH_MAP = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643", TATWEEL: None})
_SPACES = re.compile(r"\s+")

_SEARCH_MAP = str.maketrans(
    {
        "\u0671": "\u0627",  # alef wasla -> alef (أ إ آ lose their marks in NFKD below)
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic digits
    }
)
# The article at the start of a word: الحسيمة and للحسيمة both fold to ...حسيمه, so a
# substring search (trigram index) for one finds the other.
_ARTICLE = re.compile(r"(?<!\w)ال(?=\w{2})")


def clean_text(value: str) -> str:
    """Published form: no tatweel, Arabic yeh/kaf, single spaces, trimmed."""
    return _SPACES.sub(" ", value.translate(_PUBLISH_MAP)).strip()


def search_key(value: str | None) -> str | None:
    """Folded form for matching: presentation forms, marks (harakat, hamza, madda, French
    accents), tatweel, alef/yeh/heh variants, digits, case and the article."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.translate(_PUBLISH_MAP))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SEARCH_MAP)
    folded = _ARTICLE.sub("", folded.casefold())
    return _SPACES.sub(" ", folded).strip()


def normalise_rows(rows: list[list[str]]) -> list[list[str]]:
    """Apply `clean_text` to every cell of a table read by `load.read_csv`."""
    return [[clean_text(cell) for cell in row] for row in rows]
