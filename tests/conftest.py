"""Shared fixtures: a temporary copy of the project, a real release built from raw/,
and a real Datasette process serving it on a free localhost port."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from pipeline.settings import ROOT, Paths
from pipeline.model import load_model
from pipeline.release.publish import publish
from pipeline.portal.serve import datasette_args, datasette_env

DATA = Path(__file__).parent / "data"


def copy_project(dest: Path) -> Paths:
    """raw/, schemas/ and metadata/ copied beside nothing else: publishes go to dest."""
    for part in ("raw", "schemas", "metadata"):
        shutil.copytree(ROOT / part, dest / part)
    return Paths(dest)


@pytest.fixture
def project(tmp_path) -> Paths:
    return copy_project(tmp_path)


@pytest.fixture(scope="session")
def model():
    return load_model(ROOT / "schemas", ROOT / "metadata")


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """The real raw/ published once into a temporary project."""
    paths = copy_project(tmp_path_factory.mktemp("release"))
    report, release = publish(paths)
    assert report.valid, report.to_text()
    return paths, release


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        for _ in range(150):
            if proc.poll() is not None:
                raise RuntimeError("Datasette exited:\n" + log_path.read_text())
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("Datasette did not start within 15 s")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def portal(released, model):
    """Base URL of a real Datasette serving the real release, read-only."""
    paths, release = released
    with serving(release.path, model, paths.root / "datasette.log") as base:
        yield base
