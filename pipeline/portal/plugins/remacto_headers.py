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

Whichever of this wrapper and the response cache's is outermost (Datasette loads plugin files in
directory order), a cached answer keeps the headers and its 304 repeats them (remacto_cache).
"""
from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Request, asgi_send_html, asgi_static

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


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def secured(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            path = scope.get("path", "")
            by_id = RELEASE_ID.match(path)
            cache = IMMUTABLE if by_id else FOLLOWS_PUBLISHED if path.startswith("/release/") else None

            async def send_secured(event):
                if event["type"] == "http.response.start":
                    headers = with_security_headers(event.get("headers"))
                    if cache and event["status"] == 200:
                        headers = with_cache_control(headers, cache)
                    event = {**event, "headers": headers}
                await send(event)

            if by_id:
                await _release_file(datasette, scope, receive, send_secured, *by_id.groups())
            else:
                await app(scope, receive, send_secured)

        return secured

    return wrap
