"""The security headers of every portal answer, in one place: the headers plugin sets them,
the response cache repeats them on a 304, and deploy/nginx/security-headers.conf repeats them for
the files nginx serves itself (a test holds the two equal)."""
from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join([
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
])
# Header names in lower case, as ASGI carries them.
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
}
ENCODED = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
NAMES = {k for k, _ in ENCODED}


def with_security_headers(headers) -> list:
    """An answer's headers with the portal's security headers in place of any of the same name."""
    return [(k, v) for k, v in headers or [] if k.lower() not in NAMES] + ENCODED
