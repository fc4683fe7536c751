"""A long run says what it does (pipeline/progress.py): every stage of a publish announces itself
as it starts, a large table with its rows, and a long stage reports rows done, rows/s and the
time left in plain lines when the output is a file (REMACTO_PROGRESS_SECONDS=0: a line a batch,
so the stream is seen whole without waiting; no timing is asserted). A short run stays short."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from pipeline.model import load_model
from pipeline.settings import ROOT
from pipeline.tools import synth
from tests.helpers import copy_project

BALLOTS = 60_000
# A small network: the national tables' rows are the ballots; the other tables stay small.
NETWORK = 120


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    synth.generate(root, BALLOTS, seed=3, collectivities=NETWORK)
    return root


@pytest.fixture(scope="module")
def synthetic_publish(synthetic_root):
    root = synthetic_root
    env = {**os.environ, "REMACTO_PROGRESS_SECONDS": "0", "REMACTO_PARALLEL_MIN_ROWS": str(BALLOTS)}
    with (root / "stderr.txt").open("w") as err:
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", "--root", str(root), "publish"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert result.returncode == 0, (root / "stderr.txt").read_text()
    return (root / "stderr.txt").read_text(encoding="utf-8").splitlines()


def test_each_stage_of_a_publish_says_what_it_does_as_it_starts(synthetic_root, synthetic_publish):
    model = load_model(synthetic_root / "schemas", synthetic_root / "metadata")
    starts = [line for line in synthetic_publish if not line.startswith((" ", "..."))]
    assert [re.sub(r"\(.*?\)", "(…)", line) for line in starts] == [
        f"Checking {len(model.tables)} tables of raw/ (…) against schemas/",
        f"Loading {len(model.tables)} tables (…) into SQLite, 2 of them in worker processes",
        f"Checking the {len(model.rules)} rules of metadata/rules.yaml (…)",
        "Writing the release: exports, Parquet, data package, dictionary, catalogs, checksums",
    ]
    assert f"... loading pb_ballots into SQLite (worker) ({BALLOTS:,} rows)" in synthetic_publish
    assert any(re.fullmatch(r"\.\.\. checking pb_ballots in DuckDB \([\d.,]+ MB\)", line) for line in synthetic_publish)


def test_a_long_stage_reports_rows_done_rows_per_second_and_time_left(synthetic_publish):
    prefix = "    loading pb_ballots into SQLite (worker): "
    lines = [line[len(prefix) :] for line in synthetic_publish if line.startswith(prefix)]
    progress = [re.fullmatch(r"([\d,]+) of ([\d,]+) rows \((\d+)%\), [\d,]+ rows/s, about \d+ s left", line) for line in lines[:-1]]
    assert all(progress), lines
    assert [(m.group(1), m.group(2), m.group(3)) for m in progress] == [("50,000", "60,000", "83"), ("60,000", "60,000", "100")]
    assert re.fullmatch(rf"done, {BALLOTS:,} rows in \d+ s \([\d,]+ rows/s\)", lines[-1])
    # The exports written beside the load, in the other worker, report theirs too (DuckDB writes
    # each file in one statement: their rows are counted when the CSV is written; a national table has no JSON).
    assert any(line.startswith("    exporting pb_ballots to CSV (worker): 60,000 of 60,000 rows (100%)") for line in synthetic_publish)


def test_a_short_publish_prints_a_few_lines(tmp_path, model):
    paths = copy_project(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(paths.root), "publish"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "REMACTO_PROGRESS_SECONDS": "5"},
    )
    assert result.returncode == 0, result.stderr
    assert [re.sub(r"\(.*?\)", "(…)", line) for line in result.stderr.splitlines()] == [
        f"Checking {len(model.tables)} tables of raw/ (…) against schemas/",
        f"Loading {len(model.tables)} tables (…) into SQLite",
        f"Checking the {len(model.rules)} rules of metadata/rules.yaml (…)",
        "Writing the release: exports, Parquet, data package, dictionary, catalogs, checksums",
    ]


def test_on_a_terminal_a_long_stage_draws_a_live_bar_instead_of_lines(synthetic_root):
    """stderr a terminal (a pseudo-terminal here), the table loaded in this process (validate loads
    the database its rules run on): a bar, then the done line; no plain progress line."""
    root = synthetic_root
    env = {
        **os.environ,
        "REMACTO_PROGRESS_SECONDS": "0",
        "REMACTO_PARALLEL_MIN_ROWS": str(10 * BALLOTS),
        "TERM": "xterm-256color",
        "COLUMNS": "160",
    }
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--root", str(root), "validate"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=follower
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed: the run has ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.wait() == 0
    text = seen.decode("utf-8", "replace")
    assert "\x1b[" in text  # drawn with the terminal's control sequences
    assert re.search(r"loading pb_ballots into SQLite .*━.*\d+/60000\S* [\d,]+ rows/s", text)
    assert "    loading pb_ballots into SQLite: 50,000 of" not in text
    assert re.search(rf"    loading pb_ballots into SQLite: done, {BALLOTS:,} rows in \d+ s", text)
