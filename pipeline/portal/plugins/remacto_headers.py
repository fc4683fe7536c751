"""Portal plugin: the security headers on every answer the portal gives (pages, JSON, CSV, files,
errors, health), whichever server or proxy is in front of it, and caching that follows what can
change (pipeline/portal/headers.py).

Datasette 0.65.5 sets none. The Content-Security-Policy allows scripts from the portal itself only
(no `unsafe-inline`: Datasette's inline scripts are moved into static/ files; JSON-LD blocks are
data, which `script-src` does not block). Styles keep `unsafe-inline`: Datasette's pages colour
headers with `style=` attributes and size table labels in a `<style>` block, which run nothing.
No page may be framed (`frame-ancestors 'none'`, and X-Frame-Options for older browsers). HSTS is
the proxy's: only it knows the portal is reached over HTTPS (deploy/nginx/).

Release files by the release's id: /release/<id>/<file> is <file> of that release, served from its
folder beside the one being served while releases/ keeps it (else 404), with a year's `immutable`
caching; /release/<file> follows `published` and is short-lived.

Static files by their content (pipeline/portal/assets.py): pages link /assets/, /-/static/ and
/-/static-plugins/ files as `<name>-<sha256[:7]>.<ext>` (the templates' `asset_url()`), answered with
a year's `immutable` caching; an out-of-date digest is redirected to the current one, as
datasette-hashed-urls does for databases; the plain URL stays, short-lived.

Whichever of this wrapper and the response cache's is outermost (Datasette loads plugin files in
directory order), a cached answer keeps the headers and its 304 repeats them (remacto_cache).
"""

from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Request, asgi_send_html, asgi_static

from pipeline.portal.assets import Assets, static_roots
from pipeline.portal.headers import FOLLOWS_PUBLISHED, IMMUTABLE, RELEASE_ID, with_cache_control, with_security_headers
from pipeline.settings import DB_NAME


def _served_release(datasette) -> Path:
    return Path(datasette.databases[DB_NAME].path).resolve().parent


async def _release_file(datasette, scope, receive, send, release_id: str, file: str) -> None:
    """A file of the release `release_id` kept beside the one served (the served one included)."""
    folder = _served_release(datasette).parent / release_id
    if not (folder / "SHA256SUMS").is_file():
        await asgi_send_html(send, f"404: release {release_id} is not kept here", 404)
        return
    handler = asgi_static(folder)
    await handler(Request({**scope, "url_route": {"kwargs": {"path": file}}}, receive), send)


def _assets(datasette) -> Assets:
    if not hasattr(datasette, "_remacto_assets"):
        datasette._remacto_assets = Assets(static_roots(datasette))
    return datasette._remacto_assets


def _is_page_without_lifetime(headers) -> bool:
    names = {k.lower(): v for k, v in headers}
    return b"cache-control" not in names and names.get(b"content-type", b"").startswith(b"text/html")


async def _redirect(send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [(b"location", location.encode("latin-1")), (b"cache-control", FOLLOWS_PUBLISHED.encode())],
        }
    )
    await send({"type": "http.response.body", "body": b""})


@hookimpl
def prepare_jinja2_environment(env, datasette):
    assets = _assets(datasette)

    # `{{ asset_url('/assets/portal.css') }}`: the file's content-addressed URL under base_url.
    def asset_url(path: str) -> str:
        hashed = assets.url(path)
        return datasette.urls.path(hashed) if hashed != path else path

    env.globals["asset_url"] = asset_url

    def release_url(file: str) -> str | None:
        """`{{ release_url('csv/events.csv') }}`: the file of the served release at its permanent
        address, /release/<id>/<file>; None when the release has no such file."""
        release = _served_release(datasette)
        return datasette.urls.path(f"release/{release.name}/{file}") if (release / file).is_file() else None

    env.globals["release_url"] = release_url
    # A view of more rows than this is refused as one XLSX or CSV for Excel (413): the page offers the
    # release's whole-table file instead of links that cannot work.
    env.globals["max_download_rows"] = int(datasette.setting("max_returned_rows"))


@hookimpl
def asgi_wrapper(datasette):
    assets = _assets(datasette)
    ttl = int(datasette.setting("default_cache_ttl"))
    page_cache = f"max-age={ttl}" if ttl else "no-cache"  # as Datasette words it (views/base.py)

    def wrap(app):
        async def secured(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            path = scope.get("path", "")
            by_id = RELEASE_ID.match(path)
            by_content = assets.plain(path)
            if by_id or by_content:
                cache = IMMUTABLE
            elif path.startswith("/release/") or assets.file(path):
                cache = FOLLOWS_PUBLISHED
            else:
                cache = None

            async def send_secured(event):
                if event["type"] == "http.response.start":
                    headers = with_security_headers(event.get("headers"))
                    if cache and event["status"] == 200:
                        headers = with_cache_control(headers, cache)
                    elif event["status"] == 200 and _is_page_without_lifetime(headers):
                        # The plugins' pages (home, search, map, dictionary, changelog...) get the
                        # lifetime Datasette gives its own, so every page is short-lived alike.
                        headers = with_cache_control(headers, page_cache)
                    event = {**event, "headers": headers}
                await send(event)

            if by_content:
                plain, current = by_content
                if path != current:
                    await _redirect(send_secured, datasette.urls.path(current))
                    return
                scope = {**scope, "path": plain, "raw_path": plain.encode("latin-1")}
            if by_id:
                await _release_file(datasette, scope, receive, send_secured, *by_id.groups())
            else:
                await app(scope, receive, send_secured)

        return secured

    return wrap
