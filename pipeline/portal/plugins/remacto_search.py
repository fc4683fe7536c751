"""Portal plugin: Arabic-aware search.

The build indexes `search_key(text)`; this folds the visitor's query with the same
function before Datasette runs it, and offers `search_key()` to SQL (canned queries).
"""

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from pipeline.read.text import search_key


@hookimpl
def prepare_connection(conn):
    conn.create_function("search_key", 1, search_key, deterministic=True)


def _fold_search_params(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    if not any(k == "_search" or k.startswith("_search_") for k, _ in pairs):
        return query_string
    folded = [(k, search_key(v) if k == "_search" or k.startswith("_search_") else v) for k, v in pairs]
    return urlencode(folded).encode("ascii")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def folded_search(scope, receive, send):
            if scope.get("type") == "http" and scope.get("query_string"):
                scope = dict(scope, query_string=_fold_search_params(scope["query_string"]))
            await app(scope, receive, send)

        return folded_search

    return wrap
