"""The visitor's language and the texts of a page in it. Titles, descriptions and code labels are
the release's own (release/portal_metadata.py writes them into its Datasette metadata, plugin config
`remacto-portal`); the portal's own words come from the gettext catalogs of the checkout
(pipeline/portal/words.py). `Texts` gives both to templates in the visitor's language.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape

from pipeline.model.texts import LANG_NAMES, LANGS, direction  # noqa: F401  (LANG_NAMES: the plugins' language menu)
from pipeline.portal import words

DEFAULT_LANG = "ar"
LANG_PARAM = "_lang"
LANG_COOKIE = "remacto_lang"


def choose_lang(param: str | None, cookie: str | None) -> str:
    """`?_lang=` wins, then the cookie the last choice left, then Arabic."""
    for candidate in (param, cookie):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def url_with_lang(path: str, query_string: str, lang: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != LANG_PARAM]
    return path + "?" + urlencode(pairs + [(LANG_PARAM, lang)])


class Texts:
    """The texts of one release in one language, as templates use them."""

    def __init__(self, config: dict, lang: str):
        self.config = config
        self.lang = lang
        self.dir = direction(lang)

    def pick(self, texts: dict | None) -> str:
        texts = texts or {}
        return texts.get(self.lang) or texts.get("en") or ""

    def ui(self, key: str) -> str:
        """A word of the portal, from the language's catalog (its key if the catalog lacks it)."""
        return words.word(self.lang, key)

    def count(self, key: str, n: int, emphasis: bool = False) -> str | Markup:
        """`n` things, in the plural form the language gives `n` ("29 عضوًا", "1 ligne", "2 rows");
        with `emphasis`, the number in <strong> (Markup for templates)."""
        if not emphasis:
            return words.count(self.lang, key, n)
        text = words.translations(self.lang).ngettext(key, key, n)
        return Markup(escape(text).replace("%(num)s", Markup("<strong>{}</strong>").format(words.number(self.lang, n))))

    def number(self, value) -> str:
        """A number with the language's separators (CLDR): 1.000,5 · 1 000,5 · 1,000.5."""
        return words.number(self.lang, value)

    def change(self, pct: float) -> str:
        """A signed change in per cent (CLDR): +11,0 % · +11.0%."""
        return words.change(self.lang, pct)

    def day(self, iso) -> str:
        """A date with the month's name as the language writes it (CLDR): 22 ماي 2025, 22 mai 2025."""
        return words.day(self.lang, iso)

    def table_title(self, table: str) -> str:
        return self.pick(self.config["tables"].get(table, {}).get("title")) or table

    def table_description(self, table: str) -> str:
        return self.pick(self.config["tables"].get(table, {}).get("description"))

    def column(self, table: str, column: str) -> dict:
        return self.config["tables"].get(table, {}).get("columns", {}).get(column, {})

    def column_title(self, table: str, column: str) -> str:
        return self.pick(self.column(table, column).get("title")) or column

    def column_description(self, table: str, column: str) -> str:
        return self.pick(self.column(table, column).get("description"))

    def code_label(self, table: str, column: str, code) -> str:
        return self.pick((self.column(table, column).get("codes") or {}).get(code)) or str(code)

    def query_title(self, name: str) -> str:
        return self.pick(self.config["queries"].get(name, {}).get("title")) or name

    def query_description(self, name: str) -> str:
        return self.pick(self.config["queries"].get(name, {}).get("description"))

    def package(self, key: str) -> str:
        return self.pick(self.config["package"].get(key))

    def dataset(self, key: str, what: str) -> str:
        return self.pick(self.config["datasets"].get(key, {}).get(what))

    def name(self, row: dict, ar: str = "name_ar", latin: str = "name_latin") -> str:
        """A place or body's name: Arabic on Arabic pages, the checked Latin form elsewhere if any."""
        if self.lang != "ar" and row.get(latin):
            return row[latin]
        return row.get(ar) or row.get(latin) or ""
