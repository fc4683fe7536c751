"""Portal plugin: whole responses kept in the process, keyed by release and request (pipeline/portal/cache.py).

A release is immutable, so a GET page is a pure function of the release it is served from, the path,
the raw query string, the host and scheme (Datasette writes absolute links) and the visitor's
language (`?_lang=`, else the `remacto_lang` cookie). Kept: 200 answers up to `max_entry_kb`, within
`max_mb` in all (metadata/portal.yaml `response_cache:`). Never kept: a page whose facet or count
timed out (response_cache.page_incomplete), an answer that sets a cookie other than the language
one (which the query string alone decides: a page showing a CSRF token to a visitor without one sets
`ds_csrftoken`), non-200s, streams and files (`_stream`, /-/release.zip, /release/, the .db file).
Requests with Datasette's own cookies (an actor, messages, a CSRF token the page would print) or an
`Authorization` header are answered without the cache. Whether the request has cookies at all is in
the key: Datasette then answers `Cache-Control: private, no-store` instead of its `max-age`.

Outermost wrapper (`trylast`): the key is made from the request as the visitor sent it, before the
search folding (a pure function of the query string) and before remacto_public follows `published`.
So the release in the key is the one `published` points to, and an answer is kept only if it was
computed on that same release: a page of the old release is never served after a switch.
Answers carry `x-remacto-cache: hit|miss|pass` (pass: computed and not kept), and kept ones a weak
ETag (release + key), so `If-None-Match` gets a 304 without computing the page.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from asgi_gzip import GZipMiddleware
from asgi_gzip.headers import MutableHeaders
from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import cache as response_cache, i18n
from pipeline.portal.headers import NAMES as SECURITY_HEADER_NAMES
from pipeline.settings import DB_NAME

HEADER = b"x-remacto-cache"
STATS_PATH = "/-/response-cache.json"
# Files and streams go through as they come: large, or files the OS already caches.
PASS_PREFIXES = ("/release/", "/assets/", "/-/static/", "/-/static-plugins/")
PASS_PATHS = {"/health", STATS_PATH, "/-/release.zip"}
# A streamed CSV; a trace describes the queries of the very request that asks for it.
PASS_ARGS = {"_stream", "_trace"}
# Cookies that change what Datasette shows: a signed-in actor, flash messages, the CSRF token a form prints.
PRIVATE_COOKIES = {"ds_actor", "ds_messages", "ds_csrftoken"}
# Headers a 304 repeats from the answer it stands for (RFC 9110 15.4.5), and the security headers.
NOT_MODIFIED_HEADERS = {b"etag", b"cache-control", b"vary", b"expires", b"content-location", HEADER} | SECURITY_HEADER_NAMES

# Compression: level 6 is gzip's default, a third of level 9's CPU for nearly the same bytes; answers
# under a network packet are not worth it. The release archive, the XLSX and Parquet files and the
# SQLite database are compressed already (zip, zip, zstd) or served whole as a file.
GZIP_LEVEL = 6
GZIP_MIN_BYTES = 1400
COMPRESSED_SUFFIXES = (".zip", ".xlsx", ".parquet", ".db", ".gz")

_cache: response_cache.ResponseCache | None = None


def _headers(scope) -> dict[str, str]:
    """As Datasette's Request.headers reads them (the last of a repeated header wins)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    """As Datasette's Request.cookies reads them."""
    cookies = SimpleCookie()
    cookies.load(headers.get("cookie", ""))
    return {key: morsel.value for key, morsel in cookies.items()}


def _passes(scope, query: list[tuple[str, str]], headers: dict, cookies: dict) -> bool:
    """Requests answered without the cache."""
    path = scope["path"]
    return (
        scope["method"] not in ("GET", "HEAD")
        or path in PASS_PATHS
        or path.startswith(PASS_PREFIXES)
        or path.endswith(".db")
        or any(k in PASS_ARGS for k, _ in query)
        or "authorization" in headers
        or not PRIVATE_COOKIES.isdisjoint(cookies)
    )


@functools.lru_cache(maxsize=64)
def _real_dir(db_path: str) -> str:
    return os.path.realpath(os.path.dirname(db_path))


def _served_release(datasette) -> str:
    """The folder of the release Datasette serves now."""
    db = datasette.databases.get(DB_NAME)
    return _real_dir(db.path) if db is not None and db.path else ""


def _release_for_request(datasette, published: str | None) -> str:
    """The folder of the release this request will be served from: the one `published` points to
    (remacto_public switches to it before the request goes on), else the one served now."""
    return os.path.realpath(published) if published else _served_release(datasette)


def _key(scope, release: str, query: list[tuple[str, str]], headers: dict, cookies: dict) -> tuple:
    # The language as context.texts_for picks it: the first ?_lang=, else the cookie.
    param = next((v for k, v in query if k == i18n.LANG_PARAM), None)
    lang = i18n.choose_lang(param, cookies.get(i18n.LANG_COOKIE))
    path = scope.get("raw_path") or scope["path"].encode("utf-8")
    return (
        release,
        scope.get("scheme", "http"),
        headers.get("host", ""),
        path,
        scope.get("query_string") or b"",
        lang,
        "cookie" in headers,
    )


def _refusal(start: dict) -> str | None:
    """Why an answer must not be kept, seen from its status and headers (None: it may be)."""
    if start["status"] != 200:
        return f"status {start['status']}"
    for name, value in start.get("headers") or []:
        name = bytes(name).lower()
        if name == b"set-cookie" and not bytes(value).startswith(f"{i18n.LANG_COOKIE}=".encode()):
            return "sets a cookie"  # the language cookie is set from ?_lang= alone: the key decides it
    return None


def _entry(start: dict, body: bytes, key: tuple) -> response_cache.Entry:
    """The answer as kept: its headers (Datasette's `Vary: Cookie, Authorization` among them) with an
    exact length and a weak ETag."""
    etag = f'W/"{os.path.basename(key[0])}-{hashlib.sha1(repr(key).encode()).hexdigest()[:20]}"'.encode()
    headers = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers") or [] if bytes(k).lower() not in (b"content-length", b"etag")]
    headers += [(b"content-length", str(len(body)).encode()), (b"etag", etag)]
    return response_cache.Entry(start["status"], headers, body, etag)


def _not_modified(entry: response_cache.Entry, headers: dict) -> bool:
    wanted = headers.get("if-none-match")
    if not wanted:
        return False
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}  # weak comparison: GET and HEAD
    return "*" in tags or entry.etag.decode().removeprefix("W/") in tags


async def _replay(entry: response_cache.Entry, scope, headers: dict, send, state: bytes) -> None:
    if _not_modified(entry, headers):
        kept = [(k, v) for k, v in entry.headers if k in NOT_MODIFIED_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": kept + [(HEADER, state)]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers + [(HEADER, state)]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else entry.body})


def _with_state(start: dict, state: bytes) -> dict:
    return dict(start, headers=[tuple(h) for h in start.get("headers") or []] + [(HEADER, state)])


def _make_cached(app, datasette, cache: response_cache.ResponseCache, published: str | None):
    async def compute(scope, receive, send, key: tuple, headers: dict) -> None:
        """Run the page once for everyone waiting on `key`; keep it if it may be kept."""
        flight = asyncio.get_running_loop().create_future()
        cache.flights[key] = flight
        start, chunks, size, passing = None, [], 0, False

        def settle(entry):
            if not flight.done():
                flight.set_result(entry)
                cache.flights.pop(key, None)

        async def pass_on(event, body: bytes | None = None) -> None:
            """Give up keeping this answer: waiters compute their own, this one goes out as it comes."""
            nonlocal passing
            passing = True
            settle(None)
            cache.counts["pass"] += 1
            await send(_with_state(start, b"pass"))
            if body is not None:
                await send({"type": "http.response.body", "body": body, "more_body": event.get("more_body", False)})

        async def capture(event) -> None:
            nonlocal start, size
            if passing or event["type"] not in ("http.response.start", "http.response.body"):
                await send(event)
            elif event["type"] == "http.response.start":
                start = event
                if _refusal(event):
                    await pass_on(event)
            else:
                chunks.append(event.get("body", b""))
                size += len(chunks[-1])
                if size > cache.limits.max_entry_bytes:
                    await pass_on(event, b"".join(chunks))
                elif not event.get("more_body"):
                    entry = _entry(start, b"".join(chunks), key)
                    # The release is checked again: a switch while the page ran may have given it the new one.
                    kept = not verdict.reasons and _served_release(datasette) == key[0] and cache.put(key, entry)
                    if kept:
                        settle(entry)
                        cache.counts["miss"] += 1
                        await _replay(entry, scope, headers, send, b"miss")
                    else:
                        await pass_on(event, entry.body)

        verdict, token = response_cache.watch_page()
        try:
            await app(scope, receive, capture)
        finally:
            response_cache.stop_watching(token)
            settle(None)

    async def cached(scope, receive, send):
        if scope.get("type") != "http":
            return await app(scope, receive, send)
        query = parse_qsl((scope.get("query_string") or b"").decode("latin-1"), keep_blank_values=True)
        headers = _headers(scope)
        cookies = _cookies(headers)
        if _passes(scope, query, headers, cookies):
            return await app(scope, receive, send)
        key = _key(scope, _release_for_request(datasette, published), query, headers, cookies)
        entry = cache.get(key)
        if entry is None and key in cache.flights:
            entry = await asyncio.shield(cache.flights[key])
            if entry is None:  # the first answer could not be kept: this one is computed on its own
                cache.counts["pass"] += 1
                return await app(scope, receive, send)
        if entry is not None:
            cache.counts["hit"] += 1
            return await _replay(entry, scope, headers, send, b"hit")
        if scope["method"] == "HEAD":  # no body to keep
            return await app(scope, receive, send)
        await compute(scope, receive, send, key, headers)

    return cached


def _compressed(app):
    """gzip for a visitor whose browser takes it (`Vary: Accept-Encoding`), around the cache so a kept
    answer is the plain one, whatever the next visitor accepts. Files already compressed go out as they
    are: gzip would cost CPU and save nothing."""
    gzipped = GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)

    async def compress(scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith(COMPRESSED_SUFFIXES):
            return await app(scope, receive, send)

        async def send_vary_on_304(event):
            # A 304 has no body for gzip to see, but stands for an answer that varies with Accept-Encoding.
            if event["type"] == "http.response.start" and event["status"] == 304:
                headers = list(event.get("headers", []))
                MutableHeaders(raw=headers).add_vary_header("Accept-Encoding")
                event = dict(event, headers=headers)
            await send(event)

        return await gzipped(scope, receive, send_vary_on_304)

    return compress


@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    """Outermost: see the module's docstring for why; compression outside it."""
    global _cache
    limits = response_cache.limits_from_env()
    if not limits.max_bytes:
        return _compressed
    _cache = response_cache.ResponseCache(limits)
    published = os.environ.get("REMACTO_PUBLISHED")  # set by `python -m pipeline serve`
    return lambda app: _compressed(_make_cached(app, datasette, _cache, published))


@hookimpl
def register_routes():
    def stats():
        """What this process's cache holds and how often it answered: for operators and portalbench's
        hit ratio (each worker process keeps its own; `process` says which answered)."""
        return Response.json({**(_cache.stats() if _cache else {"entries": 0, "max_bytes": 0}), "process": os.getpid()})

    return [(r"^/-/response-cache\.json$", stats)]
