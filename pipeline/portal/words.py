"""The portal's own words (menus, headings, counts) from gettext catalogs in the checkout, and numbers,
amounts and dates as each language writes them, from CLDR through Babel.

One catalog a language: pipeline/portal/locale/<lang>/LC_MESSAGES/portal.po, read with Babel and
compiled in memory once per process (no .mo file to keep in step with the .po: a wording fix is an
edit of the .po and a restart, never a data release). The msgids are the keys templates already
print (`tx.ui('<key>')`); see docs/portal.md, "The portal's words".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel import Locale
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "portal"
TEMPLATE_NAME = f"{DOMAIN}.pot"
# The CLDR locale each page language formats numbers and dates with: Moroccan Arabic writes
# 1.000,5 with Latin digits and names the months يناير … ماي … غشت … دجنبر.
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr", "en": "en"}
# Literal keys in templates and code: tx.ui('<key>'), tx.count('<key>', n).
_USED_KEY = re.compile(r"""\b(?:ui|count)\(\s*['"]([a-z][a-z0-9_]*)['"]\s*[,)]""")


def catalog_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str, locale_dir: Path = LOCALE_DIR):
    with catalog_path(lang, locale_dir).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.lru_cache(maxsize=8)
def translations(lang: str) -> Translations:
    """The language's catalog, compiled in memory (fuzzy entries left out, as gettext does)."""
    compiled = BytesIO()
    write_mo(compiled, read_catalog(lang), use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def word(lang: str, key: str) -> str:
    """The word for `key`; the key itself when the catalog lacks it (the suite fails on that)."""
    return translations(lang).gettext(key)


def count(lang: str, key: str, n: int) -> str:
    """`n` things in the form CLDR's plural rules choose for `n` (Arabic has six: zero, one, two,
    few, many, other), `%(num)s` standing for the number as the language writes it."""
    return translations(lang).ngettext(key, key, n) % {"num": number(lang, n)}


def number(lang: str, value) -> str:
    return format_decimal(value, locale=FORMAT_LOCALES[lang], decimal_quantization=False)


def change(lang: str, pct: float) -> str:
    """A signed change in per cent with one decimal, as the language writes it (+11,0 %, +11.0%)."""
    locale = Locale.parse(FORMAT_LOCALES[lang])
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(pct / 100, f"+{pattern};-{pattern}", locale=locale)


def day(lang: str, iso: str | dt.date | None) -> str:
    """A date as the language writes it: 22 ماي 2025, 22 mai 2025, 22 May 2025."""
    if not iso:
        return ""
    d = dt.date.fromisoformat(iso) if isinstance(iso, str) else iso
    return format_date(d, "d MMMM y", locale=FORMAT_LOCALES[lang])


def plural_forms(lang: str) -> int:
    """How many plural forms CLDR gives the language (ar 6, fr 3, en 2)."""
    return get_plural(lang).num_plurals


def used_keys(text: str) -> set[str]:
    """The literal word keys a template or module's text prints."""
    return set(_USED_KEY.findall(text))


def extract_ui(fileobj, keywords, comment_tags, options):
    """A Babel extraction method (pipeline/portal/locale/babel.cfg) for the keys templates print with
    tx.ui('<key>') and tx.count('<key>', n), which Jinja's own extractor does not see."""
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        for key in sorted(used_keys(line)):
            yield lineno, "gettext", key, []
