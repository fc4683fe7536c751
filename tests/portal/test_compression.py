"""Compression: HTML, JSON and CSV answers go out gzipped to a browser that takes it, with
`Vary: Accept-Encoding`, the same bytes once decoded; files already compressed go out as they are;
the response cache keeps the plain answer and serves either."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest

from pipeline.portal.server import WORKERS_ENV
from tests.helpers import serving

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


def raw(portal, path: str, headers: dict) -> httpx.Response:
    """The answer as sent: body not decoded."""
    with httpx.Client(timeout=60) as client:
        with client.stream("GET", portal + path, headers=headers) as response:
            response.raw_body = b"".join(response.iter_raw())
    return response


@pytest.mark.parametrize(
    "path,kind",
    [
        ("/remacto/collectivities?_lang=ar", "text/html"),
        ("/remacto/collectivities.json?_lang=fr", "application/json"),
        ("/remacto/collectivities.csv?_lang=en", "text/plain"),
        ("/release/csv/collectivities.csv", "text/csv"),
        ("/remacto/collectivities.csv?_stream=on&_size=max", "text/plain"),
    ],
)
def test_html_json_and_csv_are_gzipped_with_vary_and_decode_to_the_same_bytes(portal, path, kind):
    zipped, plain = raw(portal, path, GZIP), raw(portal, path, PLAIN)
    assert (zipped.status_code, plain.status_code) == (200, 200)
    assert zipped.headers["content-type"].startswith(kind)
    assert zipped.headers.get("content-encoding") == "gzip" and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in zipped.headers["vary"] and "Accept-Encoding" in plain.headers["vary"]
    unzipped = gzip.decompress(zipped.raw_body)
    if kind == "application/json":  # the one part that differs between two answers: how long the query took
        unzipped, plain.raw_body = (re.sub(rb'"query_ms": [0-9.e-]+', b"", b) for b in (unzipped, plain.raw_body))
    assert unzipped == plain.raw_body
    assert len(zipped.raw_body) < len(plain.raw_body) / 2


@pytest.mark.parametrize(
    "path", ["/-/release.zip", "/remacto/collectivities.xlsx?_size=max", "/remacto.db", "/release/parquet/collectivities.parquet"]
)
def test_files_already_compressed_go_out_as_they_are(portal, path):
    response = raw(portal, path, GZIP)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.raw_body[:2] != b"\x1f\x8b"


def test_the_response_cache_serves_a_kept_page_gzipped_or_plain_as_asked(released, model, tmp_path):
    _, release = released
    # One process: each keeps its own cache.
    with serving(release.path, model, tmp_path / "datasette.log", env={WORKERS_ENV: "1"}) as base:
        path = "/remacto/territories?_lang=fr"
        first = raw(base, path, PLAIN)
        zipped, plain = raw(base, path, GZIP), raw(base, path, PLAIN)
        # A browser revalidating its gzipped copy is told the answer still varies with the encoding.
        again = raw(base, path, {**GZIP, "If-None-Match": zipped.headers["etag"]})
    assert [r.headers["x-remacto-cache"] for r in (first, zipped, plain)] == ["miss", "hit", "hit"]
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert gzip.decompress(zipped.raw_body) == plain.raw_body == first.raw_body
    assert (again.status_code, again.raw_body) == (304, b"")
    assert "Accept-Encoding" in again.headers["vary"] and "content-encoding" not in again.headers
