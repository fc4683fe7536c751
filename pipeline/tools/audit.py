"""`make audit`: Lighthouse (npm 12.2.3, mobile: its default form factor and throttling) on the home page,
a table and a search, and axe-core (npm 4.14) on every page type in Arabic, French and English at 360 and
1280 px, in Debian's chromium against the published release served on a free loopback port (started here,
stopped here). Prints the figures and writes them into docs/portal-audit.md between its markers.
Scores are figures to read, never asserted by a test."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path


from pipeline.settings import ROOT, Paths
from pipeline.model import load_model
from pipeline.portal.serve import datasette_args, datasette_env
from pipeline.tools.loadtest import free_port, wait_ready
from pipeline.tools.pages import AXE, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, LANGS, PAGES, WIDTHS

# Installed by `make audit` alone (tools/audit/package.json): the tests never run it.
LIGHTHOUSE = ROOT / "tools" / "audit" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["accessibility", "best-practices", "seo", "performance"]
GOALS = {"accessibility": 100, "best-practices": 95, "seo": 95, "performance": 90}
LIGHTHOUSE_PAGES = {"home": "/", "table": "/remacto/collectivities", "search": "/-/search?q=tetouan"}
# axe at a phone's and a desktop's width, on every page type of pipeline/tools/pages.py.
AXE_WIDTHS = (WIDTHS[0], DESKTOP)
DOC = ROOT / "docs" / "portal-audit.md"
START, END = "<!-- make audit: start -->", "<!-- make audit: end -->"


def start_portal(log: Path) -> tuple[subprocess.Popen, str]:
    paths = Paths()
    release = paths.published.resolve()
    if not (release / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `make publish` first.")
    port = free_port()
    model = load_model(paths.schemas, paths.metadata)
    proc = subprocess.Popen(
        datasette_args(release, paths, model, "127.0.0.1", port, follow=paths.published),
        env=datasette_env(paths, follow=paths.published),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log=log)
    except RuntimeError as exc:
        proc.terminate()
        raise SystemExit(str(exc)) from None
    return proc, base


def lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run: the four category scores (0-100) and the main timings (ms)."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={' '.join(CHROMIUM_ARGS)}",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = report["audits"]
    timings = {k: round(audits[k]["numericValue"]) for k in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")}
    failed = sorted(
        a["id"]
        for c in CATEGORIES
        for ref in report["categories"][c]["auditRefs"]
        if ref["weight"] and (a := audits[ref["id"]])["score"] is not None and a["score"] < 1
    )
    return {"scores": scores, "timings": timings, "cls": audits["cumulative-layout-shift"]["numericValue"], "failed": failed}


def axe_pages(base: str) -> list[dict]:
    """axe-core and the sideways scroll of each page type, language and width."""
    from playwright.sync_api import sync_playwright

    script = AXE.read_text(encoding="utf-8")
    found = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for page_type in PAGES:
                name, path = page_type.name, page_type.path
                for lang in LANGS:
                    for width in AXE_WIDTHS:
                        # axe-core goes in as an inline script, which the portal's CSP rightly blocks.
                        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
                        page = context.new_page()
                        status = page.goto(base + page_type.url(lang)).status
                        page.add_script_tag(content=script)
                        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
                        overflow = page.evaluate("Math.max(0, document.documentElement.scrollWidth - innerWidth)")
                        found.append(
                            {
                                "page": name,
                                "path": path,
                                "lang": lang,
                                "width": width,
                                "status": status,
                                "expected": page_type.status,
                                "rules": sorted(v["id"] for v in result["violations"]),
                                "nodes": sum(len(v["nodes"]) for v in result["violations"]),
                                "overflow": overflow,
                            }
                        )
                        context.close()
        finally:
            browser.close()
    return found


def report_text(lighthouse_runs: dict, axe_runs: list[dict]) -> str:
    lines = [
        "Lighthouse 12.2.3, mobile (default form factor and simulated throttling), Debian chromium, headless:",
        "",
        "| page | URL | accessibility | best practices | SEO | performance | FCP ms | LCP ms | TBT ms | CLS | audits not passed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, run in lighthouse_runs.items():
        s, t = run["scores"], run["timings"]
        lines.append(
            f"| {name} | `{LIGHTHOUSE_PAGES[name]}` | {s['accessibility']} | {s['best-practices']} | {s['seo']} | "
            f"{s['performance']} | {t['first-contentful-paint']} | {t['largest-contentful-paint']} | "
            f"{t['total-blocking-time']} | {run['cls']:.3f} | {', '.join(run['failed']) or '-'} |"
        )
    lines += [
        "",
        "Goals: " + ", ".join(f"{c} {'=' if v == 100 else '>='} {v}" for c, v in GOALS.items()) + ".",
        "",
        "axe-core 4.14.1 (tags " + ", ".join(AXE_TAGS) + ") and sideways scroll, per page type (each in ar, fr, en at 360 and 1280 px):",
        "",
        "| page | URL | runs | runs with violations | rules broken | nodes | widest sideways scroll px |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, path in ((p.name, p.path) for p in PAGES):
        runs = [r for r in axe_runs if r["page"] == name]
        bad = [r for r in runs if r["rules"] or r["status"] != r["expected"]]
        rules = sorted({rule for r in runs for rule in r["rules"]})
        lines.append(
            f"| {name} | `{path}` | {len(runs)} | {len(bad)} | {', '.join(rules) or '-'} | "
            f"{sum(r['nodes'] for r in runs)} | {max(r['overflow'] for r in runs)} |"
        )
    clean = sum(1 for r in axe_runs if not r["rules"] and not r["overflow"] and r["status"] == r["expected"])
    lines += ["", f"{clean} of {len(axe_runs)} page views with zero axe violations and no sideways scroll."]
    return "\n".join(lines)


def write_doc(text: str, doc: Path = DOC) -> None:
    body = doc.read_text(encoding="utf-8")
    head, rest = body.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-doc", action="store_true", help="print the figures without writing docs/portal-audit.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="remacto-audit-") as tmp:
        proc, base = start_portal(Path(tmp) / "portal.log")
        try:
            runs = {}
            for name, path in LIGHTHOUSE_PAGES.items():
                print(f"lighthouse {path}", flush=True)
                runs[name] = lighthouse(base + path, Path(tmp) / f"lighthouse-{name}.json")
            print(f"axe on {len(PAGES)} page types x {len(LANGS)} languages x {len(AXE_WIDTHS)} widths", flush=True)
            axe_runs = axe_pages(base)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    text = report_text(runs, axe_runs)
    print(text)
    if not args.no_doc:
        write_doc(text)
        print(f"written into {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
