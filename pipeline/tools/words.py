"""Move the portal's words from metadata/portal.yaml `ui:` into the gettext catalogs, and keep the
catalogs in step with each other.

`python -m pipeline.tools.words` (re-runnable; nothing changes when there is nothing to do):
1. every `ui:` entry of metadata/portal.yaml goes into pipeline/portal/locale/<lang>/LC_MESSAGES/portal.po
   (its text in each language replaces the catalog's), and the `ui:` block is emptied (`--keep-yaml`
   leaves it);
2. pipeline/portal/locale/portal.pot is written from the English catalog (the source language) and the
   keys templates and code print literally, each with its English text as a comment for translators;
3. each catalog is updated from it as `pybabel update` does: a new word arrives with an empty
   translation, which the suite refuses until it is translated.
Keys listed in RETIRED are words Babel now writes (numbers, months) or that became plural entries:
they are not moved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from pipeline.model import LANGS
from pipeline.portal import words
from pipeline.settings import Paths

RETIRED = frozenset({"number_pattern", "rows", "members_total", *(f"month_{m}" for m in range(1, 13))})
SOURCE_LANG = "en"
# Fixed, so that the catalogs are the same bytes each time they are written from the same words.
CREATED = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
HEADER = "# The REMACTO portal's words{}.\n# How to add or change one: docs/portal.md, \"The portal's words\"."
TEAM = "REMACTO portal maintainers (docs/portal.md)"
_UI_BLOCK = re.compile(r"^ui:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*", re.MULTILINE)


def yaml_words(portal_yaml: Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(portal_yaml.read_text(encoding="utf-8")) or {}
    return {str(k): v for k, v in (data.get("ui") or {}).items() if str(k) not in RETIRED}


def emptied_ui_block(text: str) -> str:
    return _UI_BLOCK.sub("ui: {}  # the portal's words are in pipeline/portal/locale/ (docs/portal.md)\n", text, count=1)


def _empty_catalog(lang: str | None) -> Catalog:
    where = f" in {lang}" if lang else " (the template every catalog is updated from)"
    return Catalog(
        locale=lang,
        domain=words.DOMAIN,
        project="REMACTO portal",
        version="1",
        header_comment=HEADER.format(where),
        creation_date=CREATED,
        revision_date=CREATED,
        charset="utf-8",
        fuzzy=False,
        msgid_bugs_address=TEAM,
        last_translator=TEAM,
        language_team=TEAM,
    )


def _catalog(lang: str, locale_dir: Path) -> Catalog:
    return words.read_catalog(lang, locale_dir) if words.catalog_path(lang, locale_dir).exists() else _empty_catalog(lang)


def used_keys(roots: list[Path]) -> set[str]:
    found = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in (".html", ".py") and path.is_file():
                found |= words.used_keys(path.read_text(encoding="utf-8"))
    return found


def template_from(source: Catalog, keys: set[str]) -> Catalog:
    pot = _empty_catalog(None)
    for message in source:
        if message.id and _translated(message):  # an untranslated English entry is a word no one wrote
            english = message.string if isinstance(message.string, str) else " | ".join(message.string)
            pot.add(message.id, auto_comments=[f"en: {english}"])
    for key in sorted(keys - {_key(m) for m in source if m.id}):
        pot.add(key)
    return pot


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=76, sort_output=True, ignore_obsolete=True, include_previous=False)


def migrate(paths: Paths, keep_yaml: bool = False, locale_dir: Path = words.LOCALE_DIR) -> list[str]:
    """Do steps 1 to 3; returns what is left to translate, as `lang: key` lines."""
    portal_yaml = paths.metadata / "portal.yaml"
    moved = yaml_words(portal_yaml)
    catalogs = {lang: _catalog(lang, locale_dir) for lang in LANGS}
    for lang, catalog in catalogs.items():
        for key, texts in moved.items():
            if (texts or {}).get(lang):
                _set(catalog, key, str(texts[lang]))
    pot = template_from(catalogs[SOURCE_LANG], used_keys([words.LOCALE_DIR.parent]))
    _write(locale_dir / words.TEMPLATE_NAME, pot)
    untranslated = []
    for lang, catalog in catalogs.items():
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.creation_date = catalog.revision_date = CREATED
        _write(words.catalog_path(lang, locale_dir), catalog)
        untranslated += [f"{lang}: {m.id}" for m in catalog if m.id and (m.fuzzy or not _translated(m))]
    if moved and not keep_yaml:
        portal_yaml.write_text(emptied_ui_block(portal_yaml.read_text(encoding="utf-8")), encoding="utf-8")
    words.translations.cache_clear()
    return untranslated


def _set(catalog: Catalog, key: str, text: str) -> None:
    message = catalog.get(key)
    if message is None:
        catalog.add(key, text)
    else:
        message.string = text
        message.flags.discard("fuzzy")


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(s and s.strip() for s in strings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.words", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-yaml", action="store_true", help="leave metadata/portal.yaml's ui: entries where they are")
    args = parser.parse_args(argv)
    left = migrate(Paths(), keep_yaml=args.keep_yaml)
    for line in left:
        print(f"untranslated: {line}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
