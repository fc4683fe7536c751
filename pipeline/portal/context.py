"""What every page of the portal shares: the release served now, its texts in the visitor's language,
and the language of the page being rendered. The portal's plugins import this one module (Datasette
loads each plugin file as its own module, so shared state lives here, not in a plugin)."""

from __future__ import annotations

import contextvars
import functools
import json
from pathlib import Path

from pipeline.portal import i18n
from pipeline.release.versions import read_release_json
from pipeline.settings import DB_NAME

PLUGIN = "remacto-portal"

# The language of the page being rendered. Datasette 0.65's render_cell hook is not given the request,
# so remacto_languages' ASGI wrapper sets it for the request's task and the cells read it.
page_lang: contextvars.ContextVar[str] = contextvars.ContextVar("remacto_page_lang", default=i18n.DEFAULT_LANG)
# The table or canned query a page is about (`/remacto/<name>`), for the same reason: a query's cells
# take their codes' labels from the columns its `columns:` names.
page_name: contextvars.ContextVar[str | None] = contextvars.ContextVar("remacto_page_name", default=None)


def name_in_path(path: str) -> str | None:
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) >= 2 and parts[0] == DB_NAME else None


@functools.lru_cache(maxsize=4)
def _release_texts(folder: Path) -> dict:
    """The texts of one release (its metadata's `plugins.remacto-portal`), read once per process.
    Datasette's own copy of the metadata does not hold them (remacto_public drops them): it
    deep-copies its metadata on every permission check, twice a page."""
    metadata = json.loads((folder / "portal" / "metadata.json").read_text(encoding="utf-8"))
    return metadata["plugins"][PLUGIN]


def config(datasette) -> dict:
    return _release_texts(release_dir(datasette))


@functools.lru_cache(maxsize=16)
def texts(folder: Path, lang: str) -> i18n.Texts:
    return i18n.Texts(_release_texts(folder), lang)


def texts_for(datasette, request) -> i18n.Texts:
    lang = i18n.choose_lang(
        request.args.get(i18n.LANG_PARAM) if request else None, request.cookies.get(i18n.LANG_COOKIE) if request else None
    )
    return texts(release_dir(datasette), lang)


@functools.lru_cache(maxsize=64)
def _folder_of(db_path: str) -> Path:
    return Path(db_path).resolve().parent


def release_dir(datasette) -> Path:
    """The folder of the release served now. Asked for every cell of a page (render_cell), so the
    path is resolved once per database file, not each time (two realpath walks a cell were half a
    cold page's time): a release switch serves a new file path (remacto_public), so it is seen."""
    return _folder_of(datasette.get_database(DB_NAME).path)


def release_info(datasette) -> dict:
    """The release id is its folder's name; version and date are the ones it records (release.json)."""
    folder = release_dir(datasette)
    recorded = read_release_json(folder) or {}
    return {
        "id": folder.name,
        "version": recorded.get("version"),
        "date": recorded.get("release_date"),
        "archive": f"remacto-release-{folder.name}.zip",
    }


@functools.lru_cache(maxsize=4)
def datapackage(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
