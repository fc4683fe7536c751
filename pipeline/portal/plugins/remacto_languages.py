"""Portal plugin: the visitor's language and the words every template reads in it.

The language is `?_lang=ar|fr|en` (remembered in a cookie) and Arabic by default; titles and
descriptions come from the release's metadata (`plugins.remacto-portal`, pipeline/portal/context.py).
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils.asgi import Request

from pipeline.portal import context, i18n, words
from pipeline.settings import DB_NAME


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """Jinja's i18n extension on the portal's catalogs: `{{ _('<key>') }}`, `ngettext` and `{% trans %}`
    in templates read the page's language (set per request by the wrapper below), like `tx.ui`."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(
        lambda key: words.word(context.page_lang.get(), key),
        lambda singular, plural, n: words.translations(context.page_lang.get()).ngettext(singular, plural, n),
        newstyle=False,
    )


@hookimpl
def asgi_wrapper(datasette):
    """Remember a language chosen with ?_lang= in a cookie, so the next pages keep it."""

    def wrap(app):
        async def remember_lang(scope, receive, send):
            chosen = None
            if scope.get("type") == "http" and scope.get("query_string"):
                chosen = dict(parse_qsl(scope["query_string"].decode("utf-8", "replace"))).get(i18n.LANG_PARAM)
            if scope.get("type") == "http":
                context.page_lang.set(i18n.choose_lang(chosen, Request(scope, receive).cookies.get(i18n.LANG_COOKIE)))
                context.page_name.set(context.name_in_path(scope.get("path", "")))
            if chosen not in i18n.LANGS:
                return await app(scope, receive, send)

            async def send_with_cookie(event):
                if event["type"] == "http.response.start":
                    cookie = f"{i18n.LANG_COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax"
                    event = dict(event, headers=list(event.get("headers", [])) + [(b"set-cookie", cookie.encode())])
                await send(event)

            await app(scope, receive, send_with_cookie)

        return remember_lang

    return wrap


def _localised_metadata(tx: i18n.Texts, view_name: str, request, datasette) -> dict | None:
    """What Datasette's templates read as `metadata`, in the visitor's language."""
    pkg = context.config(datasette)["package"]
    common = {
        "license": pkg["licence"]["title"],
        "license_url": pkg["licence"]["path"],
        "source": tx.pick(pkg["attribution"]),
        "source_url": f"/{DB_NAME}/sources",
    }
    name = (request.url_vars or {}).get("table") if request else None
    if view_name in ("table", "row") and name in tx.config["tables"]:
        return {
            **common,
            "title": tx.table_title(name),
            "description_html": f"<p>{escape(tx.table_description(name))}</p>",
            "columns": {c: tx.column_description(name, c) for c in tx.config["tables"][name]["columns"]},
        }
    # A canned query is served through the table view: its name decides, not the view.
    if view_name in ("query", "table") and name in tx.config["queries"]:
        return {**common, "title": tx.query_title(name), "description_html": f"<p>{escape(tx.query_description(name))}</p>"}
    if view_name in ("index", "database", None):
        return {**common, "title": tx.package("title"), "description_html": f"<p>{escape(tx.package('description'))}</p>"}
    return None


@hookimpl
def extra_template_vars(template, view_name, request, datasette):
    tx = context.texts_for(datasette, request)
    path = request.path if request else "/"
    qs = request.query_string if request else ""
    out = {
        "lang": tx.lang,
        "dir": tx.dir,
        "tx": tx,
        "lang_links": [(code, i18n.LANG_NAMES[code], i18n.url_with_lang(path, qs, code), code == tx.lang) for code in i18n.LANGS],
    }
    meta = _localised_metadata(tx, view_name, request, datasette)
    if meta is not None:
        out["metadata"] = meta
    return out
