"""How to cite a dataset or the whole release, in Arabic, French and English:
CITATION.md and CITATION.cff in the release, the same texts in the portal."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pipeline.model.texts import direction

# Where a citation gives the address, when the release has no public address yet (metadata/release.yaml base_url).
NOT_YET_PUBLIC = {
    "ar": "هذا الإصدار غير منشور بعد على عنوان عام.",
    "fr": "Cette version n'est pas encore publiée à une adresse publique.",
    "en": "This release is not yet published at a public address.",
}


def cite(ctx: dict, key: str | None, lang: str) -> str:
    """One citation from metadata/release.yaml's template; key None cites the whole release."""
    pkg, info, urls = ctx["package"], ctx["info"], ctx["urls"]
    title = (pkg["datasets"][key]["title"][lang] + " — " if key else "") + pkg["title"][lang]
    template = info["citation"].get(lang)
    if not template:
        raise ValueError(f"metadata/release.yaml: citation has no template for {lang!r}")
    if urls.public:
        url = urls.dataset(key) if key else urls.portal
    else:  # no address the release does not have: say it has none yet
        url = NOT_YET_PUBLIC[lang]
    return template.format(
        publisher=ctx["publisher"][lang], title=" ".join(title.split()), version=info["version"], date=info["release_date"], url=url
    )


def citations(ctx: dict) -> dict:
    """{"release": {lang: text}, "datasets": {key: {lang: text}}}: what the portal shows."""
    return {
        "release": {lang: cite(ctx, None, lang) for lang in ctx["langs"]},
        "datasets": {key: {lang: cite(ctx, key, lang) for lang in ctx["langs"]} for key in ctx["datasets"]},
    }


def markdown(ctx: dict) -> str:
    c = citations(ctx)
    lines = [f"# How to cite / Comment citer / كيفية الاستشهاد — {ctx['info']['version']} ({ctx['info']['release_date']})", ""]
    for heading, texts in [("The whole release", c["release"])] + [
        (ctx["package"]["datasets"][k]["title"]["en"], v) for k, v in c["datasets"].items()
    ]:
        lines += [f"## {heading}", ""]
        for lang in ctx["langs"]:
            lines += [f'<p lang="{lang}" dir="{direction(lang)}">{texts[lang]}</p>', ""]
    return "\n".join(lines)


def cff(ctx: dict) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the whole release."""
    pkg, info = ctx["package"], ctx["info"]
    doc = {
        "cff-version": "1.2.0",
        "message": "If you use these data, please cite them as below." + ("" if ctx["urls"].public else " " + NOT_YET_PUBLIC["en"]),
        "type": "dataset",
        "title": " ".join(pkg["title"]["en"].split()),
        "abstract": " ".join(pkg["description"]["en"].split()),
        "authors": [{"name": ctx["publisher"]["en"]}],
        "version": info["version"],
        "date-released": info["release_date"],
        "license": pkg["licenses"][0]["name"],
        "keywords": list(pkg["keywords"]),
    }
    if ctx["urls"].public:  # CFF's url is optional: none rather than an address the release does not have
        doc["url"] = ctx["urls"].portal
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def write(ctx: dict, release: Path) -> None:
    (release / "CITATION.md").write_text(markdown(ctx), encoding="utf-8")
    (release / "CITATION.cff").write_text(cff(ctx), encoding="utf-8")
    (release / "citation.json").write_text(json.dumps(citations(ctx), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
