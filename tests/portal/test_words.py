"""The portal's words: gettext catalogs per language, complete and not fuzzy; counts in CLDR's plural
forms; numbers and dates from Babel's locale data; none of them in a release."""

import shutil

import pytest
import yaml
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from pipeline.model import LANGS
from pipeline.portal import words
from pipeline.portal.i18n import Texts
from pipeline.release.portal_metadata import portal_texts
from pipeline.settings import ROOT, Paths
from pipeline.tools import words as words_tool


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_of_the_template_has_a_translation_that_is_not_fuzzy(lang):
    with (words.LOCALE_DIR / words.TEMPLATE_NAME).open("rb") as f:
        wanted = {_key(m) for m in read_po(f) if m.id}
    catalog = words.read_catalog(lang)
    assert wanted - {_key(m) for m in catalog if m.id} == set(), f"run python -m pipeline.tools.words: {lang} lacks these words"
    assert [m.id for m in catalog if m.id and m.fuzzy] == []
    assert [m.id for m in catalog if m.id and not all(s and s.strip() for s in _strings(m))] == []
    # Each plural entry has as many forms as CLDR gives the language (Arabic six).
    assert {_key(m): len(_strings(m)) for m in catalog if m.pluralizable} == {
        _key(m): get_plural(lang).num_plurals for m in catalog if m.pluralizable
    }
    assert catalog.plural_forms == get_plural(lang).plural_forms


def test_every_word_the_templates_and_code_print_is_in_every_catalog():
    used = words_tool.used_keys([words.LOCALE_DIR.parent])
    assert len(used) > 100, "the key finder found too few words to prove anything"
    for lang in LANGS:
        assert used - {_key(m) for m in words.read_catalog(lang) if m.id} == set(), lang


COUNTS = (0, 1, 2, 3, 11, 100)


@pytest.mark.parametrize(
    "lang, rows, members",
    [
        (
            "ar",
            ["لا أسطر", "سطر واحد", "سطران", "3 أسطر", "11 سطرًا", "100 سطر"],
            ["لا أعضاء في الشبكة", "عضو واحد في الشبكة", "عضوان في الشبكة", "3 أعضاء في الشبكة", "11 عضوًا في الشبكة", "100 عضو في الشبكة"],
        ),
        (
            "fr",
            ["0 ligne", "1 ligne", "2 lignes", "3 lignes", "11 lignes", "100 lignes"],
            [
                "0 membre du réseau",
                "1 membre du réseau",
                "2 membres du réseau",
                "3 membres du réseau",
                "11 membres du réseau",
                "100 membres du réseau",
            ],
        ),
        (
            "en",
            ["0 rows", "1 row", "2 rows", "3 rows", "11 rows", "100 rows"],
            [
                "0 members of the network",
                "1 member of the network",
                "2 members of the network",
                "3 members of the network",
                "11 members of the network",
                "100 members of the network",
            ],
        ),
    ],
)
def test_a_count_of_0_1_2_3_11_and_100_reads_right_in_each_language(lang, rows, members):
    tx = Texts({}, lang)
    assert [tx.count("rows_n", n) for n in COUNTS] == rows
    assert [tx.count("members_n", n) for n in COUNTS] == members


def test_a_large_count_is_written_with_the_languages_separators():
    assert [Texts({}, lang).count("rows_n", 12345) for lang in LANGS] == ["12.345 سطرًا", "12\u202f345 lignes", "12,345 rows"]


def test_numbers_amounts_and_dates_are_written_as_each_language_writes_them():
    assert [Texts({}, lang).number(1234567.5) for lang in LANGS] == ["1.234.567,5", "1\u202f234\u202f567,5", "1,234,567.5"]
    assert [Texts({}, lang).day("2025-05-22") for lang in LANGS] == ["22 ماي 2025", "22 mai 2025", "22 May 2025"]
    assert [Texts({}, lang).day("2026-08-06") for lang in LANGS] == ["6 غشت 2026", "6 août 2026", "6 August 2026"]


def test_a_release_holds_none_of_the_portals_words(model):
    assert "ui" not in portal_texts(model)


def test_every_word_still_in_portal_yaml_is_in_the_catalogs_with_the_same_text():
    """metadata/portal.yaml `ui:` is how words were added before the catalogs; words added there are
    moved by `python -m pipeline.tools.words` (which then empties `ui:`)."""
    left = words_tool.yaml_words(ROOT / "metadata" / "portal.yaml")
    differing = [(key, lang) for key, texts in left.items() for lang in LANGS if words.word(lang, key) != str((texts or {}).get(lang))]
    assert differing == [], "run python -m pipeline.tools.words"


def test_the_words_tool_moves_a_new_word_from_portal_yaml_into_every_catalog_once(tmp_path):
    locale = shutil.copytree(words.LOCALE_DIR, tmp_path / "locale")
    (tmp_path / "metadata").mkdir()
    portal_yaml = tmp_path / "metadata" / "portal.yaml"
    portal_yaml.write_text(
        "host: 127.0.0.1\nui:\n  # a comment\n  greeting: {ar: أهلاً, fr: Bonjour, en: Hello}\n"
        "  home: {ar: الرئيسية, fr: Accueil, en: Home}\nqueries: {}\n",
        encoding="utf-8",
    )
    assert words_tool.migrate(Paths(tmp_path), locale_dir=locale) == []
    assert yaml.safe_load(portal_yaml.read_text(encoding="utf-8")) == {"host": "127.0.0.1", "ui": {}, "queries": {}}
    for lang, text in (("ar", "أهلاً"), ("fr", "Bonjour"), ("en", "Hello")):
        assert words.read_catalog(lang, locale).get("greeting").string == text
    written = {p: p.read_bytes() for p in locale.rglob("*.po*")}
    assert words_tool.migrate(Paths(tmp_path), locale_dir=locale) == []  # again: nothing changes
    assert {p: p.read_bytes() for p in locale.rglob("*.po*")} == written


def test_the_committed_catalogs_are_as_the_words_tool_writes_them(tmp_path):
    locale = shutil.copytree(words.LOCALE_DIR, tmp_path / "locale")
    shutil.copytree(ROOT / "metadata", tmp_path / "metadata")
    words_tool.migrate(Paths(tmp_path), keep_yaml=True, locale_dir=locale)
    assert {p.relative_to(locale): p.read_bytes() for p in locale.rglob("*.po*")} == {
        p.relative_to(words.LOCALE_DIR): p.read_bytes() for p in words.LOCALE_DIR.rglob("*.po*")
    }


@pytest.mark.parametrize("lang, expected", [("ar", "الرئيسية · 11 سطرًا"), ("fr", "Accueil · 11 lignes"), ("en", "Home · 11 rows")])
def test_templates_can_use_jinjas_gettext_and_ngettext_on_the_same_catalogs(lang, expected):
    from jinja2 import Environment

    from pipeline.portal import context
    from pipeline.portal.plugins import remacto_languages

    env = Environment(autoescape=True)
    remacto_languages.prepare_jinja2_environment(env, None)
    chosen = context.page_lang.set(lang)
    try:
        assert env.from_string("{{ _('home') }} · {{ ngettext('rows_n', 'rows_n', 11) % {'num': 11} }}").render() == expected
    finally:
        context.page_lang.reset(chosen)
