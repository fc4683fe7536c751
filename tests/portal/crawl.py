"""Crawl a running portal as a visitor who clicks everything: from the home page in one language,
every same-site link, one page per shape of URL; and the careless requests a visitor can send.

    python -m tests.portal.crawl http://127.0.0.1:8201      # prints pages, answers by status, failures

tests/portal/test_crawl.py runs it against a real Datasette serving the real release.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

LANGS = ("ar", "fr", "en")
# Files whose body is not a page to read links from.
NOT_HTML = re.compile(r"\.(csv|excelcsv|xlsx|json|zip|parquet|db|ttl|jsonld|cff|md|txt|sql|png|svg|css|js|woff2?|xml|atom)$|SHA256SUMS$")
ROW_PAGE = re.compile(r"^(/remacto/[^/.]+)/[^/]+$")
# The search index's and facet counts' tables, which the database page lists as hidden: one stands for all.
INTERNAL_TABLE = re.compile(r"^/remacto/[a-z0-9_]+_(fts|fts_[a-z]+|facet_counts)(?=[/.]|$)")
TABLE = re.compile(r"^/remacto/([^/.]+)(.*)$")
# The query parameters that change what a download holds or how it is laid out.
LAYOUT_KEYS = {"_labels", "_shape", "_nl", "_size", "_stream", "sql", "_blob_column"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "link" and attrs.get("rel") in ("alternate", "stylesheet") and attrs.get("href"):
            self.links.append(attrs["href"])


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def shape(url: str, every_table: bool = True) -> tuple:
    """Pages of one shape: the same path (a row page stands for every row of its table; without
    `every_table`, a table stands for every table) and the same kinds of query parameters, whatever
    their values. A download's shape is its format and the parameters that change its layout."""
    parts = urlsplit(url)
    path = ROW_PAGE.sub(r"\1/<row>", parts.path)
    path = INTERNAL_TABLE.sub("/remacto/<internal>", path)
    # A filter on any column is one shape (`?kind=x`, `?region__exact=y`), a sort either way another.
    keys = {k if k.startswith("_") else "<filter>" for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    keys = {"_sort" if k == "_sort_desc" else k for k in keys} - {"_lang"}
    if NOT_HTML.search(path):
        keys &= LAYOUT_KEYS
    # Every table's page, row page and downloads; its sorted, filtered and faceted pages for one table.
    if not every_table or (keys and not NOT_HTML.search(path)):
        path = TABLE.sub(r"/remacto/<table>\2", path)
    return path, tuple(sorted(keys))


@dataclass
class Crawl:
    lang: str
    statuses: Counter = field(default_factory=Counter)
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (status, url, linked from)
    pages: int = 0


def crawl(base: str, lang: str, every_table: bool = True, limit: int = 2000, timeout: float = 60) -> Crawl:
    """Follow every same-site link from /?_lang=<lang>, one URL a shape, with the language cookie
    the portal sets, as a browser would."""
    result = Crawl(lang)
    host = urlsplit(base).netloc
    start = f"/?_lang={lang}"
    queue, seen = [(start, "")], {shape(start, every_table)}
    with httpx.Client(base_url=base, timeout=timeout, follow_redirects=True) as client:
        while queue and result.pages < limit:
            url, source = queue.pop(0)
            response = client.get(url)
            result.pages += 1
            result.statuses[response.status_code] += 1
            if response.status_code >= 500 or response.status_code == 404:
                result.failures.append((response.status_code, url, source))
                continue
            if NOT_HTML.search(urlsplit(url).path) or "text/html" not in response.headers.get("content-type", ""):
                continue
            for href in links_of(response.text):
                absolute = urlsplit(urljoin(base + url, href))
                if absolute.scheme not in ("http", "https") or absolute.netloc != host:
                    continue
                link = absolute.path + (f"?{absolute.query}" if absolute.query else "")
                if shape(link, every_table) not in seen:
                    seen.add(shape(link, every_table))
                    queue.append((link, url))
    return result


# (method, path, what a visitor did): each must answer 400, 404 or 405, never 5xx.
MALFORMED = [
    ("GET", "/remacto/collectivities?_sort=no_such_column", "sort by an unknown column"),
    ("GET", "/remacto/collectivities?_sort_desc=zzz", "sort down by an unknown column"),
    ("GET", "/remacto/collectivities?_facet=no_such_column", "facet by an unknown column"),
    ("GET", "/remacto/collectivities/no_such_row", "an unknown row"),
    ("GET", "/remacto/no_such_table", "an unknown table"),
    ("GET", "/-/dictionary/no_such_table", "an unknown table's dictionary"),
    ("GET", "/release/9.9.9/csv/collectivities.csv", "a release version that does not exist"),
    ("GET", "/remacto/collectivities?_size=lots", "a page size that is not a number"),
    ("GET", "/remacto/collectivities?_size=99999999", "a page size past the limit"),
    ("GET", "/remacto/collectivities?_next=%00garbage", "a bad _next token"),
    ("GET", "/remacto/collectivities.json?_shape=wrong", "a JSON shape that does not exist"),
    ("POST", "/remacto/collectivities", "a POST to a table"),
    ("PUT", "/remacto/collectivities", "a PUT to a table"),
    ("DELETE", "/remacto/collectivities", "a DELETE of a table"),
    ("GET", "/remacto/collectivities?_search=" + "بحث " * 150, "an absurdly long search"),
    ("GET", "/-/search?q=" + "x" * 3000, "an absurdly long search across tables"),
]


def send_malformed(base: str, lang: str, timeout: float = 60) -> list[tuple[str, str, int, httpx.Response]]:
    """Each careless request, in the page language `lang`: (method, path, status, response)."""
    out = []
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for method, path, _ in MALFORMED:
            sep = "&" if "?" in path else "?"
            response = client.request(method, f"{path}{sep}_lang={lang}")
            out.append((method, path, response.status_code, response))
    return out


def main(argv: list[str]) -> int:
    base = argv[1].rstrip("/") if len(argv) > 1 else "http://127.0.0.1:8001"
    total, errors = 0, 0
    for lang in LANGS:
        result = crawl(base, lang, every_table=lang == LANGS[0])
        total += result.pages
        errors += sum(1 for s, *_ in result.failures if s >= 500)
        print(f"{lang}: {result.pages} pages, answers {dict(sorted(result.statuses.items()))}")
        for status, url, source in result.failures:
            print(f"  {status} {url[:140]}  (linked from {source[:80]})")
    bad = 0
    for method, path, status, _ in send_malformed(base, "ar"):
        bad += status >= 500
        print(f"  {status} {method} {path[:90]}")
    print(f"crawl: {total} pages, {errors} server errors; malformed requests: {bad} of {len(MALFORMED)} answered 5xx")
    return 1 if errors or bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
