"""Portal plugin: /-/dictionary and /-/dictionary/<table>, the release's data dictionary."""

from __future__ import annotations


from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from pipeline.portal import context, i18n


def _field_rows(tx: i18n.Texts, resource: dict) -> list[dict]:
    schema = resource["schema"]
    fks = {fk["fields"][0]: fk["reference"] for fk in schema.get("foreignKeys", [])}
    rows = []
    for f in schema["fields"]:
        constraints = {k: v for k, v in f.get("constraints", {}).items() if k not in ("required", "enum")}
        notes = [k if v is True else f"{k}: {v}" for k, v in constraints.items()]
        if f.get("format"):
            notes.append(f"format: {f['format']}")
        ref = fks.get(f["name"])
        rows.append(
            {
                "name": f["name"],
                "type": f["type"],
                "title": tx.pick(f.get("titles")),
                "required": bool(f.get("constraints", {}).get("required")),
                "notes": notes,
                "codes": [(code, tx.pick(labels)) for code, labels in (f.get("codes") or {}).items()],
                "descriptions": [(lang, i18n.LANG_NAMES[lang], f["descriptions"][lang]) for lang in i18n.LANGS],
                "ref": ({"table": ref["resource"] or resource["name"], "field": ref["fields"][0]} if ref else None),
            }
        )
    return rows


async def dictionary(datasette, request):
    """/-/dictionary and /-/dictionary/<table>: the release's data dictionary, from its datapackage.json."""
    tx = context.texts_for(datasette, request)
    package = context.datapackage(context.release_dir(datasette))
    resources = {r["name"]: r for r in package["resources"]}
    name = request.url_vars.get("table")
    if name is not None and name not in resources:
        raise NotFound(f"No table named {name}")  # the portal's error page (remacto_public)
    page = {"resources": [(r["name"], tx.pick(r["titles"])) for r in package["resources"]]}
    if name:
        resource = resources[name]
        page.update(
            {
                "table": name,
                "title": tx.pick(resource["titles"]),
                "descriptions": [(lang, i18n.LANG_NAMES[lang], resource["descriptions"][lang]) for lang in i18n.LANGS],
                "primary_key": resource["schema"].get("primaryKey", []),
                "fields": _field_rows(tx, resource),
            }
        )
    return Response.html(await datasette.render_template("remacto_dictionary.html", page, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/dictionary$", dictionary), (r"^/-/dictionary/(?P<table>[a-z0-9_]+)$", dictionary)]
