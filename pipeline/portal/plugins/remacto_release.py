"""Portal plugin: the served release's version, changelog, citations and schema.org JSON-LD,
read from the release folder beside the database (all written by publish); releases by version
and their archives; the Atom feeds of releases.

- /release/<version>/<file> redirects (301: a version is one release forever) to the file's
  permanent address by release id, /release/<id>/<file>, while releases/ keeps that release.
- /-/release/<id>.zip is the whole release, the same bytes every time, cached a year;
  /-/release/<version>.zip redirects to it. /-/release.zip follows the current release, short-lived.
- /-/feed.atom (every release) and /-/feed/<dataset>.atom (the releases that changed it, what changed),
  advertised in every page's <head> and linked from the footer and dataset pages.
"""

import functools
import json
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from pipeline.portal import downloads, i18n
from pipeline.portal.headers import IMMUTABLE
from pipeline.release import feeds
from pipeline.settings import DB_NAME

SEMVER = r"(?P<version>\d+\.\d+\.\d+)"


@functools.lru_cache(maxsize=8)
def _release_files(folder: str) -> dict:
    """The release is immutable: read its files once per process."""

    def load(name):
        path = Path(folder) / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    return {
        **{name: load(name) for name in ("release.json", "changelog.json", "citation.json", "schema-org.json")},
        # The source documents the rows were read from, which publish ships in documents/.
        "documents": sorted(p.name for p in (Path(folder) / "documents").glob("*")),
    }


def _release_folder(datasette) -> Path | None:
    db = datasette.databases.get(DB_NAME)
    return Path(db.path).resolve().parent if db is not None and db.path else None


def _script_json(doc) -> str:
    """JSON safe inside <script>: no "</" can close the element."""
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")


@functools.lru_cache(maxsize=16)
def _texts(folder: str, lang: str) -> i18n.Texts:
    metadata = json.loads((Path(folder) / "portal" / "metadata.json").read_text(encoding="utf-8"))
    return i18n.Texts(metadata["plugins"]["remacto-portal"], lang)


def texts(datasette, request) -> i18n.Texts:
    lang = i18n.choose_lang(
        request.args.get(i18n.LANG_PARAM) if request else None, request.cookies.get(i18n.LANG_COOKIE) if request else None
    )
    return _texts(str(_release_folder(datasette)), lang)


def _feeds(tx: i18n.Texts, dataset: str | None) -> list[dict]:
    """The feeds a page advertises: the portal's, and its dataset's when it belongs to one."""
    out = [{"title": f"{tx.package('title')} — {tx.ui('feed_title')}", "href": "/-/feed.atom"}]
    if dataset:
        out.append({"title": f"{tx.dataset(dataset, 'title')} — {tx.ui('feed_title')}", "href": f"/-/feed/{dataset}.atom"})
    return out


@hookimpl
def extra_template_vars(table, request, datasette):
    folder = _release_folder(datasette)
    if folder is None:
        return {}
    files = _release_files(str(folder))
    schema_org = files["schema-org.json"] or {"tables": {}, "datasets": {}}
    path = request.path if request is not None else ""
    if table and table in schema_org["tables"]:
        keys = [schema_org["tables"][table]]
    elif path.startswith("/datasets/"):
        keys = [k for k in schema_org["datasets"] if path == f"/datasets/{k}"]
    else:
        keys = list(schema_org["datasets"])
    dataset = schema_org["tables"].get(table) or (path.split("/")[2] if path.startswith("/datasets/") else None)
    return {
        "remacto_feeds": _feeds(texts(datasette, request), dataset if dataset in schema_org["datasets"] else None),
        "remacto_release": files["release.json"],
        "remacto_changelog": files["changelog.json"],
        "remacto_citations": files["citation.json"],
        "remacto_documents": files["documents"],
        "remacto_datasets": schema_org["datasets"],
        "remacto_dataset_tables": schema_org["tables"],
        "schema_org_jsonld": [_script_json(schema_org["datasets"][k]) for k in keys],
        # One JSON-LD block a page, whether base.html or a page includes _schema_org.html.
        "schema_org_state": {"done": False},
    }


@hookimpl
def register_routes():
    async def document(datasette, request):
        """/-/documents/<name>: a source document of the served release, as UTF-8 text (the
        /release/ files go out as bare text/plain, which a phone may read as Latin-1)."""
        folder = _release_folder(datasette)
        name = request.url_vars["name"]
        if folder is None or name not in _release_files(str(folder))["documents"]:
            # Not NotFound: Datasette answers that with a redirect when the path holds a "%" (..%2F).
            return Response.text("Not found", status=404)
        return Response((folder / "documents" / name).read_bytes(), content_type="text/plain; charset=utf-8")

    async def file_by_version(datasette, request):
        release = _kept(datasette, request.url_vars["version"])
        return Response.redirect(f"/release/{release.id}/{request.url_vars['file']}", status=301)

    async def zip_by_version(datasette, request):
        release = _kept(datasette, request.url_vars["version"])
        return Response.redirect(f"/-/release/{release.id}.zip", status=301)

    async def zip_by_id(datasette, request):
        release_id = request.url_vars["id"]
        folder = _release_folder(datasette).parent / release_id
        if not (folder / "SHA256SUMS").is_file():
            raise NotFound(f"release {release_id} is not kept here")
        version = (
            json.loads((folder / "release.json").read_text(encoding="utf-8")).get("version") if (folder / "release.json").exists() else None
        )
        name = f"remacto-{version}-{release_id}.zip" if version else f"remacto-{release_id}.zip"
        return Response(
            downloads.release_zip(folder),
            content_type="application/zip",
            headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": IMMUTABLE},
        )

    async def feed(datasette, request):
        return _feed(datasette, request, request.url_vars.get("dataset"))

    return [
        (r"^/-/documents/(?P<name>[^/]+)$", document),
        (rf"^/release/{SEMVER}/(?P<file>.+)$", file_by_version),
        (rf"^/-/release/{SEMVER}\.zip$", zip_by_version),
        (r"^/-/release/(?P<id>[0-9a-f]{16})\.zip$", zip_by_id),
        (r"^/-/feed\.atom$", feed),
        (r"^/-/feed/(?P<dataset>[a-z0-9_]+)\.atom$", feed),
    ]


def _kept(datasette, version: str) -> feeds.Release:
    release = feeds.release_of_version(_release_folder(datasette).parent, version)
    if release is None:
        raise NotFound(f"release {version} is not kept here")
    return release


def _feed(datasette, request, dataset: str | None) -> Response:
    """An Atom feed of the releases kept here, newest first; for a dataset, what changed in its tables."""
    folder = _release_folder(datasette)
    tx = texts(datasette, request)
    schema_org = _release_files(str(folder))["schema-org.json"] or {"tables": {}, "datasets": {}}
    if dataset is not None and dataset not in schema_org["datasets"]:
        raise NotFound(f"no dataset named {dataset}")
    tables = {t for t, k in schema_org["tables"].items() if k == dataset} if dataset else None
    title = tx.dataset(dataset, "title") if dataset else tx.package("title")
    words = {
        "first": tx.ui("first_release"),
        "added": tx.ui("rows_added"),
        "removed": tx.ui("rows_removed"),
        "changed": tx.ui("rows_changed"),
        "none": tx.ui("no_change"),
        "table": tx.table_title,
    }
    url = lambda path: datasette.absolute_url(request, path)  # noqa: E731
    entries = []
    for release in feeds.kept_releases(folder.parent):
        links = [
            (tx.ui("changelog"), url(f"/release/{release.id}/CHANGELOG.md")),
            (tx.ui("release_zip"), url(f"/-/release/{release.id}.zip")),
        ]
        links += [
            (tx.table_title(t), url(f"/release/{release.id}/csv/{t}.csv"))
            for t in sorted(tables or [])
            if (release.folder / "csv" / f"{t}.csv").is_file()
        ]
        entries.append(
            {
                "id": url(f"/release/{release.id}/CHANGELOG.md"),
                "title": f"{title} {release.version}",
                "updated": release.date,
                "summary": feeds.changes(release.changelog(), tables, words),
                "links": links,
            }
        )
    page = f"/datasets/{dataset}" if dataset else "/"
    body = feeds.atom(url(request.path), url(page), f"{title} — {tx.ui('feed_title')}", entries, tx.lang)
    return Response(body, content_type=feeds.ATOM_TYPE)
