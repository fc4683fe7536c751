"""The data dictionary of a release, generated from the model (Markdown, three languages)."""

from __future__ import annotations

from pipeline.model import Model
from pipeline.model.texts import LANG_NAMES, LANGS


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(model: Model) -> str:
    pkg = model.package
    out = [
        f"# {pkg['title']['en']}",
        "",
        *(f"- {LANG_NAMES[l]}: {pkg['title'][l]}" for l in LANGS),
        "",
        "Generated from `schemas/` and `metadata/`; do not edit by hand.",
        "",
    ]
    for key, tables in model.datasets().items():
        ds = pkg["datasets"][key]
        out += [
            f"## Dataset `{key}`: {ds['title']['en']}",
            "",
            *(f"- {LANG_NAMES[l]}: {ds['title'][l]} — {_cell(ds['description'][l])}" for l in LANGS),
            "",
        ]
        for t in tables:
            out += [f"### Table `{t.name}` (`csv/{t.name}.csv`)", ""]
            out += [f"- {LANG_NAMES[l]}: **{t.title[l]}** — {_cell(t.description[l])}" for l in LANGS]
            out += ["", f"Primary key: `{', '.join(t.primary_key)}`" if t.primary_key else "No primary key.", ""]
            for fk in t.foreign_keys:
                out.append(f"- `{', '.join(fk.fields)}` → [`{fk.table}`](#table-{fk.table.replace('_', '-')}) `{', '.join(fk.ref_fields)}`")
            if t.foreign_keys:
                out.append("")
            out += [
                "| column | type | required | constraints | " + " | ".join(LANG_NAMES[l] for l in LANGS) + " |",
                "|---|---|---|---|" + "---|" * len(LANGS),
            ]
            for f in t.fields:
                cons = {k: v for k, v in f.constraints.items() if k != "required"}
                notes = [f"{k}: `{v}`" for k, v in cons.items()]
                if f.format:
                    notes.append(f"format: `{f.format}`")
                if f.codes:
                    notes.append(
                        "codes: " + "; ".join(f"`{c}` ({labels['en']} / {labels['fr']} / {labels['ar']})" for c, labels in f.codes.items())
                    )
                if f.search:
                    notes.append("full-text search (Arabic folded)")
                texts = " | ".join(f"**{_cell(f.title[l])}**: {_cell(f.description[l])}" for l in LANGS)
                out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | {_cell('; '.join(notes))} | {texts} |")
            out.append("")
    return "\n".join(out)
