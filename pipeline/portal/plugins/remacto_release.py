"""Portal plugin: the served release's version, changelog, citations and schema.org JSON-LD,
read from the release folder beside the database (all written by publish)."""
import functools
import json
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.settings import DB_NAME


@functools.lru_cache(maxsize=8)
def _release_files(folder: str) -> dict:
    """The release is immutable: read its files once per process."""
    def load(name):
        path = Path(folder) / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    return {**{name: load(name) for name in ("release.json", "changelog.json", "citation.json", "schema-org.json")},
            # The source documents the rows were read from, which publish ships in documents/.
            "documents": sorted(p.name for p in (Path(folder) / "documents").glob("*"))}


def _release_folder(datasette) -> Path | None:
    db = datasette.databases.get(DB_NAME)
    return Path(db.path).resolve().parent if db is not None and db.path else None


def _script_json(doc) -> str:
    """JSON safe inside <script>: no "</" can close the element."""
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")


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
    return {
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
            return Response.text("Not found", status=404)
        return Response((folder / "documents" / name).read_bytes(), content_type="text/plain; charset=utf-8")

    return [(r"^/-/documents/(?P<name>[^/]+)$", document)]
