"""Shared fixtures: a temporary copy of the project, a real release built from raw/, and a real
Datasette process serving it (the helpers they use are in tests/helpers.py)."""

from __future__ import annotations

import shutil

import pytest

from pipeline.model import load_model
from pipeline.release.publish import publish
from pipeline.settings import ROOT, Paths
from pipeline.tools import synth
from tests.helpers import chromium, copy_project, serving


@pytest.fixture
def project(tmp_path):
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


@pytest.fixture(scope="session")
def portal(released, model):
    """Base URL of a real Datasette serving the real release, read-only."""
    paths, release = released
    with serving(release.path, model, paths.root / "datasette.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium for one test module. Not for the session: while Playwright's sync API
    drives a browser it keeps an event loop running in the main thread, so a later asyncio.run (a
    publish's inspect, a test rendering a template) would fail in any module after the first that
    opened it; a launch costs about a second."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """A small SYNTHETIC national project (400 ballots, 200 collectivities) published once for the
    session, read-only: (paths, release, model). Its pb_ballots has four facet fields."""
    root = tmp_path_factory.mktemp("synthetic")
    synth.generate(root, 400, collectivities=200)
    paths = Paths(root)
    report, release = publish(paths)
    assert report.valid, report.to_text()
    return paths, release, load_model(paths.schemas, paths.metadata)


@pytest.fixture
def published_project(released, tmp_path):
    """A project with a good release already published, to be broken."""
    paths, _ = released
    shutil.copytree(paths.root, tmp_path / "p", symlinks=True)
    return Paths(tmp_path / "p")
