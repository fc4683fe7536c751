"""What tests share besides fixtures: the fixture folder, a temporary copy of the project, and a
real Datasette process serving a release on a free localhost port, as `make serve` starts it."""
from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

from pipeline.portal.serve import datasette_args, datasette_env
from pipeline.settings import ROOT, Paths
from pipeline.tools.loadtest import free_port, wait_ready
from pipeline.tools.pages import CHROMIUM, CHROMIUM_ARGS


TESTS = Path(__file__).parent
DATA = TESTS / "data"  # fixtures named after their defect
__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "DATA", "TESTS", "chromium", "copy_project", "free_port", "serving",
           "serving_process", "wait_ready"]


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
def serving_process(release: Path, model, log_path: Path, *, env: dict | None = None, follow: Path | None = None,
                    **settings):
    """serving(), also giving the server's process: (base URL, subprocess.Popen)."""
    port = free_port()
    args = datasette_args(release, Paths(), model, "127.0.0.1", port, follow=follow)
    for key, value in settings.items():
        args += ["--setting", key, str(value)]
    log = log_path.open("w")
    proc = subprocess.Popen(args, env={**datasette_env(Paths(), follow=follow), **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, "/health", seconds=15, log=log_path)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
