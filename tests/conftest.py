"""Shared fixtures: a temporary copy of the project, a real release built from raw/, and a real
Datasette process serving it (the helpers they use are in tests/helpers.py)."""
from __future__ import annotations

import pytest

from pipeline.model import load_model
from pipeline.release.publish import publish
from pipeline.settings import ROOT
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
    """Debian's chromium for one test module."""
    with chromium() as b:
        yield b
