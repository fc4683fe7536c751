"""Whole responses of the portal's pages, kept in the serving process (plugin remacto_cache).

A release is immutable, so a page is a pure function of the release it is served from and the
request (path, query string, host, language). This holds those responses: bounded by total bytes,
least recently used evicted first, with one computation at a time per key (single flight).

A page that was computed incomplete (a facet or a count that did not finish in time) must not be
kept: whatever code knows it calls `page_incomplete(reason)` while the request runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field

ENV = "REMACTO_RESPONSE_CACHE"  # the `response_cache:` block of metadata/portal.yaml, as JSON (portal_server --response-cache)
DEFAULT_MAX_MB = 64
DEFAULT_MAX_ENTRY_KB = 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # all entries together; 0 turns the cache off
    max_entry_bytes: int  # a larger response is served, not kept


def limits_from_env(environ=os.environ) -> Limits:
    """The limits the server was started with (metadata/portal.yaml `response_cache:`)."""
    try:
        config = json.loads(environ.get(ENV) or "{}")
        max_bytes = int(float(config.get("max_mb", DEFAULT_MAX_MB)) * 1024 * 1024)
        max_entry = int(float(config.get("max_entry_kb", DEFAULT_MAX_ENTRY_KB)) * 1024)
    except (ValueError, TypeError, AttributeError) as exc:
        raise SystemExit(
            f'{ENV}={environ.get(ENV)!r}: expected JSON like {{"max_mb": 64, "max_entry_kb": 1024}} '
            f"(metadata/portal.yaml, response_cache:): {exc}"
        ) from None
    return Limits(max(0, max_bytes), max(0, min(max_entry, max_bytes)))


@dataclass
class Verdict:
    """Why the page being computed must not be kept (empty: it may be)."""

    reasons: list[str] = field(default_factory=list)


_verdict: contextvars.ContextVar[Verdict | None] = contextvars.ContextVar("remacto_page_verdict", default=None)


def page_incomplete(reason: str) -> None:
    """The page of the running request lacks something it should show (a timed-out facet or count):
    never keep it. A no-op outside a cached request."""
    verdict = _verdict.get()
    if verdict is not None:
        verdict.reasons.append(reason)


def watch_page() -> tuple[Verdict, contextvars.Token]:
    """Start collecting page_incomplete() calls for the running request (reset with the token)."""
    verdict = Verdict()
    return verdict, _verdict.set(verdict)


def stop_watching(token: contextvars.Token) -> None:
    _verdict.reset(token)


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200  # + the key and bookkeeping


class ResponseCache:
    """Entries by key, least recently used first, bounded by `limits.max_bytes`; `flights` holds the
    future of each key being computed, so identical requests wait for it instead of computing it too."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.bytes = 0
        self.flights: dict[tuple, asyncio.Future] = {}
        self.counts = {"hit": 0, "miss": 0, "pass": 0, "evicted": 0}

    def get(self, key: tuple) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        """Keep `entry` (False when it is over the per-entry cap), evicting the least recently used."""
        if entry.size > self.limits.max_entry_bytes:
            return False
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self.entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.limits.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.bytes -= evicted.size
            self.counts["evicted"] += 1
        return True

    def stats(self) -> dict:
        return {
            "entries": len(self.entries),
            "bytes": self.bytes,
            "max_bytes": self.limits.max_bytes,
            "max_entry_bytes": self.limits.max_entry_bytes,
            "in_flight": len(self.flights),
            **self.counts,
        }
