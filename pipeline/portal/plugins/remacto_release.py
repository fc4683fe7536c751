"""Portal plugin: the served release's version, changelog, citations and schema.org JSON-LD,
read from the release folder beside the database (all written by publish)."""
import functools
import json
from pathlib import Path

from datasette import hookimpl

from pipeline.settings import DB_NAME


@functools.lru_cache(maxsize=8)
def _release_files(folder: str) -> dict:
    """The release is immutable: read its files once per process."""
    def load(name):
        path = Path(folder) / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    return {name: load(name) for name in ("release.json", "changelog.json", "citation.json", "schema-org.json")}


def _script_json(doc) -> str:
    """JSON safe inside <script>: no "</" can close the element."""
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")


@hookimpl
def extra_template_vars(table, request, datasette):
    db = datasette.databases.get(DB_NAME)
    if db is None or not db.path:
        return {}
    files = _release_files(str(Path(db.path).resolve().parent))
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
        "remacto_datasets": schema_org["datasets"],
        "remacto_dataset_tables": schema_org["tables"],
        "schema_org_jsonld": [_script_json(schema_org["datasets"][k]) for k in keys],
        # One JSON-LD block a page, whether base.html or a page includes _schema_org.html.
        "schema_org_state": {"done": False},
    }
