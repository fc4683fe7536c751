"""What tests share besides fixtures: the fixture folder, a temporary copy of the project, and a
real Datasette process serving a release on a free localhost port, as `make serve` starts it."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from pipeline.portal.serve import datasette_args, datasette_env
from pipeline.settings import ROOT, Paths
from pipeline.tools.loadtest import free_port, wait_ready
from pipeline.tools.pages import CHROMIUM, CHROMIUM_ARGS


TESTS = Path(__file__).parent
DATA = TESTS / "data"  # fixtures named after their defect
__all__ = [
    "BAD_INPUT_CASES",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DATA",
    "TESTS",
    "chromium",
    "copy_project",
    "edit_source_ref",
    "free_port",
    "linked_files",
    "published_rows",
    "raw_rows",
    "serving",
    "serving_process",
    "serving_published",
    "strip_where",
    "tree_digest",
    "wait_ready",
]
LINKED = re.compile(r'<(?:link|script)\b[^>]*?(?:href|src)="([^"]+)"')

# fixture file -> (raw table it replaces, exact (file, row, field, code) problems)
BAD_INPUT_CASES = {
    "wrong-type.csv": ("network_growth", {("network_growth.csv", 2, "members_joined", "type-error")}),
    "out-of-enum.csv": ("network_composition", {("network_composition.csv", 3, "kind", "constraint-error")}),
    "missing-required.csv": ("network_growth", {("network_growth.csv", 2, "source_id", "constraint-error")}),
    "duplicate-id.csv": (
        "network_growth",
        {("network_growth.csv", 4, "cohort_id", "primary-key"), ("network_growth.csv", 4, "cohort_id", "unique-error")},
    ),
    "dangling-foreign-key.csv": ("network_growth", {("network_growth.csv", 2, "source_id", "foreign-key")}),
    "missing-column.csv": ("network_growth", {("network_growth.csv", 1, "month", "missing-label")}),
    "extra-column.csv": ("network_growth", {("network_growth.csv", 1, "notes", "extra-label")}),
    "not-utf8.csv": ("territories", {("territories.csv", 2, None, "encoding-error")}),
    "empty-file.csv": ("network_composition", {("network_composition.csv", None, None, "empty-file")}),
    "end-before-start.csv": ("event_sessions", {("event_sessions.csv", 3, "end_time", "range-error")}),
    "latin-name-without-source.csv": ("collectivities", {("collectivities.csv", 12, "name_latin_source_id", "provenance-error")}),
    "totals-disagree.csv": ("network_growth", {("network_growth.csv", None, "members_joined", "cross-check-error")}),
}


@contextlib.contextmanager
def chromium():
    """Debian's chromium driven by Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def copy_project(dest: Path) -> Paths:
    """raw/, schemas/ and metadata/ copied beside nothing else: publishes go to dest."""
    for part in ("raw", "schemas", "metadata"):
        shutil.copytree(ROOT / part, dest / part)
    return Paths(dest)


@contextlib.contextmanager
def serving(release: Path, model, log_path: Path, *, env: dict | None = None, follow: Path | None = None, **settings):
    """Base URL of a real Datasette serving `release` as `make serve` does, read-only, with any extra
    --setting (test-only, e.g. a tiny facet_time_limit_ms), environment, and the `published` symlink
    to follow as `make serve` does."""
    with serving_process(release, model, log_path, env=env, follow=follow, **settings) as (base, _):
        yield base


@contextlib.contextmanager
def serving_process(release: Path, model, log_path: Path, *, env: dict | None = None, follow: Path | None = None, **settings):
    """serving(), also giving the server's process: (base URL, subprocess.Popen)."""
    port = free_port()
    args = datasette_args(release, Paths(), model, "127.0.0.1", port, follow=follow)
    for key, value in settings.items():
        args += ["--setting", key, str(value)]
    log = log_path.open("w")
    proc = subprocess.Popen(args, env={**datasette_env(Paths(), follow=follow), **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, "/health", seconds=15, log=log_path)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def serving_published(paths: Paths, release, model, **settings):
    """serving() of a project's release, its log in the project's folder named after the settings."""
    return serving(release.path, model, paths.root / f"datasette-{'-'.join(settings) or 'default'}.log", **settings)


def strip_where(url: str) -> str:
    """A page's URL without its `_where` parameters."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "_where"])
    return parts.path + ("?" + query if query else "")


def raw_rows(name: str) -> list[list[str]]:
    with (ROOT / "raw" / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def published_rows(paths, name: str) -> list[list[str]]:
    with (paths.published / "csv" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def tree_digest(path) -> dict:
    root = path.resolve()
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


_edits = itertools.count(1)


def edit_source_ref(paths: Paths, text: str) -> None:
    """A valid change to raw/ that gives a new release, with the patch version bump it needs."""
    release_yaml = paths.metadata / "release.yaml"
    text_now = release_yaml.read_text(encoding="utf-8")
    major, minor, patch = re.search(r"(?m)^version: (\d+)\.(\d+)\.(\d+)", text_now).groups()
    # Past the project's own patch number, whatever it is: the same number would be refused as unchanged.
    release_yaml.write_text(
        re.sub(r"(?m)^version: .*$", f"version: {major}.{minor}.{int(patch) + next(_edits)}", text_now), encoding="utf-8"
    )
    path = paths.raw / "network_composition.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][-1] = f"{text}: {rows[1][-1]}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def linked_files(html: str) -> list[str]:
    """The stylesheets and scripts a page links (not its JSON-LD, nor links to pages)."""
    return sorted({url for url in LINKED.findall(html) if not url.startswith(("data:", "http")) and re.search(r"\.(css|js)$", url)})
