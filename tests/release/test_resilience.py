"""The last good release is never damaged: killed publishes, concurrent publishes, a full
disk, a read-only disk, and a portal that keeps answering while a release is swapped in."""

import fcntl
import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from pipeline.settings import ROOT, Paths
from pipeline.model import load_model
from pipeline.release.publish import PublishError, publish
from tests.helpers import copy_project, edit_source_ref, serving

# Kills aimed where a release could be torn: a few over the stages before the swap (validation,
# the build, the staging folder), most around the swap itself, from AIM_BEFORE to AIM_AFTER of a
# timed publish's duration on either side of the moment its swap was seen (one timed run only
# guesses the next: a publish after a kill clears the leftover staging first, and a shared machine
# varies by 30 % or more; a window ending too soon once missed the swap in every trial).
EARLY_TRIALS = 6
AIMED_TRIALS = 14
AIM_BEFORE, AIM_AFTER = 0.3, 0.6


def release_is_whole(published: Path) -> str:
    """The release `published` points to, after checking every file against its SHA256SUMS."""
    root = published.resolve()
    listed = dict(reversed(line.split("  ", 1)) for line in (root / "SHA256SUMS").read_text().splitlines())
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == on_disk, f"{root.name}: files differ from SHA256SUMS"
    for name, digest in listed.items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, f"{root.name}/{name} damaged"
    return root.name


def _publish_quietly(root: str) -> None:
    sys.stdout = sys.stderr = open(os.devnull, "w")
    report, release = publish(Paths(Path(root)))
    os._exit(0 if release else 1)


def forked_publish(paths: Paths) -> multiprocessing.Process:
    """A publish in a forked child: the same code as `make publish` minus the interpreter's
    start-up, so the kills land in the work itself and the trials stay quick."""
    proc = multiprocessing.get_context("fork").Process(target=_publish_quietly, args=(str(paths.root),))
    proc.start()
    return proc


def timed_publish(paths: Paths) -> tuple[float, float]:
    """(seconds to the swap, seconds to the end) of one forked publish, seen from outside: the swap
    is the moment `published` names another release."""
    before = os.readlink(paths.published)
    started, swapped = time.monotonic(), None
    proc = forked_publish(paths)
    while proc.is_alive():
        if swapped is None and os.readlink(paths.published) != before:
            swapped = time.monotonic() - started
        time.sleep(0.002)
    proc.join()
    assert proc.exitcode == 0
    duration = time.monotonic() - started
    return (duration if swapped is None else swapped), duration


def kill_moments(swap: float, duration: float) -> list[float]:
    """When each trial's SIGKILL lands, in seconds after its publish starts."""
    early = [swap * (i + 0.5) / EARLY_TRIALS for i in range(EARLY_TRIALS)]
    first, last = swap - AIM_BEFORE * duration, swap + AIM_AFTER * duration
    return early + [first + (last - first) * (i + 0.5) / AIMED_TRIALS for i in range(AIMED_TRIALS)]


def test_a_publish_killed_at_any_moment_leaves_the_old_or_the_new_release_whole(tmp_path):
    paths = copy_project(tmp_path)
    report, first = publish(paths)
    assert report.valid
    edit_source_ref(paths, "timing run")
    swap, duration = timed_publish(paths)
    outcomes = {"old": 0, "new": 0}
    for trial, moment in enumerate(kill_moments(swap, duration)):
        before = release_is_whole(paths.published)
        edit_source_ref(paths, f"trial {trial}")
        proc = forked_publish(paths)
        time.sleep(max(0.0, moment))
        proc.kill()  # SIGKILL
        proc.join()
        # Killed, or finished before the kill: a publish that failed on its own is a defect.
        assert proc.exitcode in (-signal.SIGKILL, 0), f"trial {trial}: the publish exited with {proc.exitcode}"
        after = release_is_whole(paths.published)
        outcomes["old" if after == before else "new"] += 1
    # The trials hit both sides of the swap; a final publish cleans up what the kills left.
    assert outcomes["old"] > 0 and outcomes["new"] > 0, (outcomes, f"one publish took {duration:.2f} s, its swap at {swap:.2f} s")
    final = forked_publish(paths)
    final.join()
    assert final.exitcode == 0
    release_is_whole(paths.published)
    assert not list(paths.releases.glob(".staging-*"))


def test_a_second_publish_while_one_runs_is_refused_and_changes_nothing(tmp_path):
    paths = copy_project(tmp_path)
    publish(paths)
    before = release_is_whole(paths.published)
    edit_source_ref(paths, "while locked")
    with open(paths.releases / ".publish.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a running publish holds
        with pytest.raises(PublishError, match="another publish is running"):
            publish(paths)
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", "--root", str(paths.root), "publish"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 1 and "another publish is running" in result.stderr
    assert release_is_whole(paths.published) == before


@pytest.fixture
def small_disk(released, tmp_path):
    """A project whose releases/ is a file system with room for one release, not two."""
    used_kib = int(subprocess.run(["du", "-sk", str(released[1].path)], capture_output=True, text=True, check=True).stdout.split()[0])
    paths = copy_project(tmp_path)
    paths.releases.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used_kib * 3 // 2}k", "tmpfs", str(paths.releases)], check=True)
    try:
        yield paths
    finally:
        subprocess.run(["umount", "-l", str(paths.releases)], check=True)


def test_a_full_disk_gives_a_clear_error_and_keeps_the_release(small_disk):
    report, first = publish(small_disk)
    assert report.valid
    edit_source_ref(small_disk, "no room")
    with pytest.raises(PublishError, match="is full.*previous release is unchanged"):
        publish(small_disk)
    assert release_is_whole(small_disk.published) == first.id
    assert not list(small_disk.releases.glob(".staging-*"))


def test_a_read_only_disk_gives_a_clear_error_and_keeps_the_release(small_disk):
    report, first = publish(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk.releases)], check=True)
    edit_source_ref(small_disk, "read only")
    with pytest.raises(PublishError, match="read-only file system.*previous release is unchanged"):
        publish(small_disk)
    assert release_is_whole(small_disk.published) == first.id


def test_the_portal_serves_the_old_release_during_a_publish_and_the_new_one_after(tmp_path):
    paths = copy_project(tmp_path)
    publish(paths)
    old = release_is_whole(paths.published)
    model = load_model(paths.schemas, paths.metadata)
    failures, served, stop = [], [], threading.Event()

    def hammer(base):
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                for path in (
                    "/remacto/network_composition.json?_shape=array",
                    "/remacto/collectivities",
                    "/",
                    "/release/datapackage.json",
                    "/health",
                ):
                    try:
                        r = client.get(base + path)
                        if r.status_code != 200:
                            failures.append((path, r.status_code))
                        elif path == "/health":
                            served.append(r.json()["release"])
                    except httpx.HTTPError as exc:
                        failures.append((path, repr(exc)))

    with serving(paths.published.resolve(), model, tmp_path / "datasette.log", follow=paths.published) as base:
        threads = [threading.Thread(target=hammer, args=(base,)) for _ in range(3)]
        try:
            for t in threads:
                t.start()
            time.sleep(1)
            edit_source_ref(paths, "swapped in")
            report, new = publish(paths)
            assert report.valid and new.id != old
            time.sleep(1.5)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == []
        assert served[0] == old and served[-1] == new.id
        rows = httpx.get(base + "/remacto/network_composition.json?_shape=array").json()
        assert any("swapped in" in r["source_ref"] for r in rows)
        served_file = httpx.get(base + "/release/csv/network_composition.csv").content
        assert served_file == (paths.published / "csv" / "network_composition.csv").read_bytes()


WORKER_PARENT = """
import os, sys, time
from pipeline import workers
with workers.pool(1) as pool:
    print(pool.submit(os.getpid).result(), flush=True)  # the worker's pid
    pool.submit(time.sleep, 600)
    time.sleep(600)
"""


def test_workers_of_a_killed_process_do_not_outlive_it():
    """A publish killed with SIGKILL (the kill trials do it) must not leave its worker processes
    blocked for ever: they die with the process that started them (pipeline/workers.py)."""
    parent = subprocess.Popen(
        [sys.executable, "-c", WORKER_PARENT], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.kill()
    parent.wait()
    for _ in range(100):  # the kernel signals it at once; give the reaping a moment
        if not _alive(worker):
            break
        time.sleep(0.1)
    else:
        os.kill(worker, 9)
        raise AssertionError(f"worker {worker} outlived its killed parent")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
