"""`python -m pipeline rollback` points published/ back at the previous release in one switch, and
`prune` removes old releases but never the current one."""

from __future__ import annotations

import subprocess
import sys

from pipeline.release.publish import publish
from pipeline.settings import ROOT
from tests.helpers import copy_project
from tests.helpers import edit_source_ref


def run(root, *args):
    return subprocess.run([sys.executable, "-m", "pipeline", "--root", str(root), *args], cwd=ROOT, capture_output=True, text=True)


def test_rollback_switches_published_back_to_the_previous_release_and_refuses_past_the_oldest(tmp_path):
    paths = copy_project(tmp_path)
    first = publish(paths)[1]
    edit_source_ref(paths, "second")
    second = publish(paths)[1]
    assert paths.published.resolve().name == second.id

    back = run(tmp_path, "rollback")
    assert (back.returncode, paths.published.resolve().name) == (0, first.id), back.stderr
    assert f"-> {first.id}" in back.stdout

    again = run(tmp_path, "rollback")
    assert (again.returncode, paths.published.resolve().name) == (1, first.id)
    assert f"no release older than {first.id}" in again.stderr


def test_prune_keeps_the_newest_and_never_the_current_release(tmp_path):
    paths = copy_project(tmp_path)
    ids = [publish(paths)[1].id]
    for n in range(2):
        edit_source_ref(paths, f"edit {n}")
        ids.append(publish(paths)[1].id)
    assert run(tmp_path, "rollback").returncode == 0
    assert run(tmp_path, "rollback").returncode == 0  # the oldest is current now

    pruned = run(tmp_path, "prune", "--keep", "1")
    kept = sorted(p.name for p in paths.releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert (pruned.returncode, kept) == (0, sorted([ids[0], ids[2]])), pruned.stderr
    assert paths.published.resolve().name == ids[0]
    assert f"Removed 1 old releases: {ids[1]}" in pruned.stdout
