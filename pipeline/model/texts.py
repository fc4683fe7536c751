"""The portal's three languages and how a text given in all of them is written out in one place."""

from __future__ import annotations

import html

LANGS = ("ar", "fr", "en")
# Each language named in itself, as a reader looks for it in a menu or a table heading.
LANG_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}
RTL = {"ar"}
SEPARATOR = " · "


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def trilingual(texts: dict) -> str:
    """One line for a place that takes a single string (Datasette's titles, CKAN's fields)."""
    return SEPARATOR.join(texts[lang] for lang in LANGS)


def trilingual_html(texts: dict) -> str:
    """One paragraph a language, each with its own lang and dir."""
    return "".join(f'<p lang="{lang}" dir="{direction(lang)}">{html.escape(texts[lang].strip())}</p>' for lang in LANGS)
