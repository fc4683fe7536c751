"""Portal plugin: the security headers on every answer the portal gives (pages, JSON, CSV, files,
errors, health), whichever server or proxy is in front of it.

Datasette 0.65.5 sets none. The Content-Security-Policy allows scripts from the portal itself only
(no `unsafe-inline`: Datasette's inline scripts are moved into static/ files; JSON-LD blocks are
data, which `script-src` does not block). Styles keep `unsafe-inline`: Datasette's pages colour
headers with `style=` attributes and size table labels in a `<style>` block, which run nothing.
No page may be framed (`frame-ancestors 'none'`, and X-Frame-Options for older browsers). HSTS is
the proxy's: only it knows the portal is reached over HTTPS (deploy/nginx/).

Whichever of this wrapper and the response cache's is outermost (Datasette loads plugin files in
directory order), a cached answer keeps the headers and its 304 repeats them (remacto_cache).
"""
from __future__ import annotations

from datasette import hookimpl

from pipeline.portal.headers import with_security_headers


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def secured(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return

            async def send_secured(event):
                if event["type"] == "http.response.start":
                    event = {**event, "headers": with_security_headers(event.get("headers"))}
                await send(event)

            await app(scope, receive, send_secured)

        return secured

    return wrap
