"""Every page text in the three languages: the model is complete, and the served portal shows
each table, column and query in the language asked for, Arabic right to left."""

import html
import re

import httpx
import pytest

from pipeline.portal import i18n
from pipeline.model import LANGS


def test_language_choice_param_then_cookie_then_arabic():
    assert i18n.choose_lang(None, None) == "ar"
    assert i18n.choose_lang("fr", "en") == "fr"
    assert i18n.choose_lang(None, "en") == "en"
    assert i18n.choose_lang("de", "xx") == "ar"


def page(portal, path, lang):
    response = httpx.get(portal + path, params={"_lang": lang}, timeout=10)
    assert response.status_code == 200, (path, lang, response.status_code)
    return html.unescape(response.text)


def texts_missing(page_text, table, lang) -> list[str]:
    wanted = [("table title", table.title), ("table description", table.description)]
    wanted += [(f"{f.name} title", f.title) for f in table.fields]
    wanted += [(f"{f.name} description", f.description) for f in table.fields]
    return [what for what, texts in wanted if not texts.get(lang, "").strip() or texts[lang].strip() not in page_text]


@pytest.mark.parametrize("lang", LANGS)
def test_every_table_page_shows_its_titles_and_descriptions_in_the_language(portal, model, lang):
    gaps = {}
    for name, table in model.tables.items():
        text = page(portal, f"/remacto/{name}", lang)
        assert re.search(rf'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"', text), name
        missing = texts_missing(text, table, lang)
        if not re.search(rf"<h1>{re.escape(table.title[lang])}</h1>", text):
            missing.append("the page title in this language alone")
        if missing:
            gaps[name] = missing
    assert gaps == {}


@pytest.mark.parametrize("lang", LANGS)
def test_every_canned_query_and_dataset_in_the_language(portal, model, lang):
    home = page(portal, "/", lang)
    for key, ds in model.package["datasets"].items():
        assert ds["title"][lang] in home and ds["description"][lang].strip() in home, key
    for name, q in model.portal.queries.items():
        assert q.title[lang] in home, name
        text = page(portal, f"/remacto/{name}", lang)
        assert re.search(rf"<h1[^>]*>{re.escape(q.title[lang])}</h1>", text), name  # this language alone
        assert q.description[lang].strip() in text, name


@pytest.mark.parametrize("lang", LANGS)
def test_data_dictionary_pages_show_the_three_descriptions(portal, model, lang):
    for name, table in model.tables.items():
        text = page(portal, f"/-/dictionary/{name}", lang)
        assert table.title[lang] in text, name
        for f in table.fields:
            for l in LANGS:
                assert f.description[l].strip() in text, (name, f.name, l)
        for fk in table.foreign_keys:
            assert f'href="/-/dictionary/{fk.table}#{fk.ref_fields[0]}"' in text, (name, fk)


@pytest.mark.parametrize("lang", LANGS)
def test_database_page_lists_tables_and_queries_by_their_titles(portal, model, lang):
    text = page(portal, "/remacto", lang)
    for name, table in model.tables.items():
        assert f">{table.title[lang]}</a> <code>{name}</code>" in text, name
    for name, q in model.portal.queries.items():
        assert f">{q.title[lang]}</a>" in text, name


@pytest.mark.parametrize("lang", LANGS)
def test_row_page_titled_in_the_language(portal, model, lang):
    """A row is titled by its name in the page's language, never its id (Tétouan: tta-016)."""
    text = page(portal, "/remacto/collectivities/tta-016", lang)
    name = {"ar": "جماعة تطوان", "fr": "Tétouan", "en": "Tétouan"}[lang]
    assert re.search(rf"<h1[^>]*>{re.escape(model.tables['collectivities'].title[lang])}: <bdi>{name}</bdi>", text)
    assert re.search(rf"<title>{name} · {re.escape(model.tables['collectivities'].title[lang])}", text)


@pytest.mark.parametrize(
    "path, name",
    [
        (
            "/remacto/events/tta-regional-meeting-2025",  # named in Arabic only by its source: shown as published
            "الملتقى الجهوي لأعضاء الشبكة المغربية للجماعات الترابية المفتوحة بجهة طنجة-تطوان-الحسيمة",
        ),
        ("/remacto/pb_initiatives/pb-tta-009", "Larache"),  # no name of its own: its commune's
    ],
)
def test_a_row_without_a_latin_name_is_titled_by_a_name_never_its_id(portal, path, name):
    text = page(portal, path, "fr")
    assert re.search(rf"<h1[^>]*>[^<]*: <bdi>{re.escape(name)}</bdi>", text), path
