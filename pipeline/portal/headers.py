"""The security headers of every portal answer, in one place: the headers plugin sets them,
the response cache repeats them on a 304, and deploy/nginx/security-headers.conf repeats them for
the files nginx serves itself (a test holds the two equal)."""

from __future__ import annotations

import re

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Header names in lower case, as ASGI carries them.
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",  # Datasette's own choice for its pages, kept on every answer
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
ENCODED = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
NAMES = {k for k, _ in ENCODED}


def with_security_headers(headers) -> list:
    """An answer's headers with the portal's security headers in place of any of the same name."""
    return [(k, v) for k, v in headers or [] if k.lower() not in NAMES] + ENCODED


# Caching that follows what can change. A release never changes: its files under the release's id
# (/release/<id>/...) are kept a year, `immutable` (no revalidation even on reload). The same
# files at /release/... follow `published` and change at a publish, as pages do: short-lived
# (pages keep Datasette's `default_cache_ttl` and the response cache's ETag, and revalidate).
IMMUTABLE = "public, max-age=31536000, immutable"
FOLLOWS_PUBLISHED = "public, max-age=60"
RELEASE_ID = re.compile(r"^/release/([0-9a-f]{16})/(.+)$")


def with_cache_control(headers, value: str) -> list:
    return [(k, v) for k, v in headers or [] if k.lower() != b"cache-control"] + [(b"cache-control", value.encode())]
