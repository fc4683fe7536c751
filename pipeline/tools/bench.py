"""`make bench`: validation and publishing at national scale, on SYNTHETIC data (pipeline/tools/synth.py).

The synthetic project of size N has N ballots and N ballot selections (the two national tables)
beside some 80,000 rows of collectivities, cycles, phases, proposals, votes, results and events.
Each step runs as its own process under /usr/bin/time (wall time; CPU time of the whole process tree;
peak resident memory of the largest process: worker processes are measured apart, not summed), one
after the other (on a shared machine, compare CPU time as well as wall time):
  frictionless   `frictionless validate` of the synthetic data package, no error cap (the reference)
  duckdb-read    DuckDB's bare typed read of the two national CSVs (count only; a process that
                 imports DuckDB and nothing else): the floor
  ours           `python -m pipeline validate --schema-only`: what frictionless checks (types,
                 constraints, keys), the same error set, on the fast path
  ours+rules     `python -m pipeline validate`: also loads the release database and runs the
                 row rules of metadata/rules.yaml (frictionless has no equivalent)
  sqlite         the SQLite build of the validated tables (national ones in worker processes)
  parquet        the Parquet build (DuckDB COPY) of every table
  publish        the whole `python -m pipeline publish` (validate, SQLite, rules, CSV/JSON,
                 Parquet, Pabulib, catalogs, checksums), with its stage times
  incremental    the publish again after a one-row correction of a small table (and a patch bump),
                 the national tables unchanged: their products come from the build cache
                 (pipeline/build/cache.py); the ratio table's `full ÷ incremental`
  portal         pipeline/tools/portalbench.py: our portal and bare `datasette -i` on the same release
                 under wrk, page by page, on its largest table (for the largest size of the run)
  memory         the fast check of the project's largest table (pb_ballots: 7 MB at 100k) from
                 its rows already read into memory, then from its CSV on disk, in one process
                 (the rows handed to DuckDB must cost no more than DuckDB reading the file)
  servers        pipeline/tools/serverbench.py: `make serve`'s one server beside `make serve-prod`'s
                 nginx + replicas on the same pages, warm and cold (for the largest size of the run);
                 its table goes into docs/deploying.md
Validation steps read the project with injected errors and the error sets of frictionless and ours
are compared, table by table; build steps read the clean project. No figure is asserted.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.settings import ROOT
from pipeline.model import load_model
from pipeline.tools.synth import generate, parse_size

PY = sys.executable
FRICTIONLESS = str(Path(sys.executable).parent / "frictionless")
# The bare read imports DuckDB alone (the SQL comes on the command line): importing the pipeline
# would add frictionless's and pandas's import time (~0.7 s) to the floor our validation is compared with.
TYPED_READ = """
import sys, duckdb
con = duckdb.connect()
print(sum(con.execute(sql).fetchone()[0] for sql in sys.argv[1:]))
"""
LARGE_TABLES = ["pb_ballots", "pb_ballot_selections"]
# The documentation's figures: each run writes its tables between this page's markers.
DOCS = ROOT / "docs" / "national-scale.md"
# The server comparison's figures (step `servers`) go to the page on deploying.
DEPLOYING_DOCS = ROOT / "docs" / "deploying.md"


def typed_read_sql(root: str, table: str) -> str:
    from pipeline.model.types import PARQUET_TYPES

    model = load_model(Path(root) / "schemas", Path(root) / "metadata")
    t = model.tables[table]
    columns = "{" + ", ".join(f"'{f.name}': '{PARQUET_TYPES[f.type]}'" for f in t.fields) + "}"
    path = Path(root) / "raw" / f"{table}.csv"
    return (
        f"SELECT count(*) FROM read_csv('{path}', header = true, auto_detect = false, columns = {columns}, "
        f"timestampformat = '%Y-%m-%dT%H:%M:%S', ignore_errors = true)"
    )


def _inputs_digest() -> str:
    """What a synthetic project is made from besides its size and seed: the project's schemas/ and
    metadata/ (copied into it) and the generator. A change to any makes the bench generate again, so
    it never measures a stale copy (an old portal.yaml, say)."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "schemas").rglob("*"), *(ROOT / "metadata").rglob("*"), ROOT / "pipeline" / "tools" / "synth.py"]):
        if path.is_file():
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _project(size: str, errors: bool, seed: int) -> Path:
    """The synthetic project of that size, generated once and reused while its files and inputs stand."""
    folder = ROOT / "build" / "synth" / (size + ("-errors" if errors else ""))
    stamp = folder / "bench-stamp.json"
    want = {"rows": parse_size(size), "seed": seed, "errors": errors, "inputs": _inputs_digest()}
    if not (stamp.exists() and json.loads(stamp.read_text()) == want and (folder / "raw" / "pb_ballots.csv").exists()):
        print(f"  generating {folder.relative_to(ROOT)} ...", flush=True)
        generate(folder, want["rows"], seed, errors)
        stamp.write_text(json.dumps(want))
    return folder


def _datapackage(root: Path) -> Path:
    """A plain Frictionless data package over raw/, so `frictionless validate` checks every
    table, type, constraint and key the pipeline checks."""
    model = load_model(root / "schemas", root / "metadata")
    resources = [
        {"name": n, "path": f"raw/{n}.csv", "profile": "tabular-data-resource", "schema": t.frictionless_schema()}
        for n, t in model.tables.items()
    ]
    path = root / "frictionless-datapackage.json"
    path.write_text(json.dumps({"name": "synthetic", "resources": resources}, ensure_ascii=False))
    return path


def _timed(cmd: list[str], cwd: Path, stdout=None, stderr=None, env: dict | None = None) -> tuple[float, float, int, float, float]:
    """(wall seconds, peak MiB of the largest process, exit code, CPU seconds of the whole process
    tree: user + system, worker processes included, the 1-minute load average at its start: the
    machine may be shared) of one command, measured by /usr/bin/time."""
    load = os.getloadavg()[0]
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M %U %S", "-o", out.name, *cmd],
            cwd=cwd,
            stdout=stdout or subprocess.DEVNULL,
            stderr=stderr or subprocess.DEVNULL,
            env={**_env(), **(env or {})},
        )
        wall, kib, user, system = out.read().split()[-4:]
    return float(wall), int(kib) / 1024, proc.returncode, float(user) + float(system), load


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _frictionless_errors(report: dict, model) -> list[tuple]:
    """(file, row, field, type) of every error frictionless reports, named as our report names them."""
    out = []
    for task in report.get("tasks", []):
        for e in task["errors"]:
            field = ",".join(e["fieldNames"]) if "fieldNames" in e else e.get("fieldName")
            if e["type"] == "primary-key":
                field = ",".join(model.tables[task["name"]].primary_key)
            out.append((f"raw/{task['name']}.csv", e.get("rowNumber"), field, e["type"]))
    return sorted(out, key=str)


def _our_errors(report: dict) -> list[tuple]:
    return sorted(((p["file"], p["row"], p["field"], p["code"]) for p in report["errors"]), key=str)


def stage(name: str, root: Path) -> None:
    """One build step alone, on an already valid project (for timing)."""
    from pipeline import build
    from pipeline.check.validate import read_valid

    model = load_model(root / "schemas", root / "metadata")
    out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=root))
    try:
        if name == "sqlite":
            build.load_release_db(model, read_valid(root / "raw", model), out / "remacto.db")
        elif name == "parquet":
            build.build_parquet(list(model.tables.values()), root / "raw", out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


STEPS = ["frictionless", "duckdb-read", "ours", "ours+rules", "sqlite", "parquet", "publish", "incremental", "memory", "portal", "servers"]


def memory_vs_disk(root: Path, name: str = LARGE_TABLES[0]) -> dict:
    """Seconds of the fast check of one table from its rows in memory and from its CSV on disk (the
    same Checker calls validation makes; the tables it refers to given read into memory, as validation
    gives its small ones), best of three each, and the CSV's size."""
    import time

    from pipeline.check import fast
    from pipeline.read import csv as strict_csv

    model = load_model(root / "schemas", root / "metadata")
    table, path = model.tables[name], root / "raw" / f"{name}.csv"
    rows = strict_csv.read_csv(path, name)[0].rows
    referred = {fk.table for fk in table.foreign_keys} - {name}
    small = {}
    for n in referred:
        raw = strict_csv.read_csv(root / "raw" / f"{n}.csv", n)[0]
        small[n] = (model.tables[n], raw.header, raw.rows)
    limit = strict_csv.MAX_CELL_CHARS
    runs = {"memory": lambda c: c.check_rows(table, rows, name, small, limit), "disk": lambda c: c.check(table, path, name, small, limit)}
    seconds, found = {}, {}
    for where, check in runs.items():
        times = []
        for _ in range(3):
            with fast.Checker(in_memory=True) as checker:
                start = time.perf_counter()
                result = check(checker)
                times.append(time.perf_counter() - start)
        seconds[where], found[where] = min(times), (result.rows, len(result.errors), len(result.problems))
    return {"table": name, "mib": path.stat().st_size / 2**20, **seconds, "same": found["memory"] == found["disk"]}


# the publish after a one-row edit of a small table, the national tables unchanged
EDITED_TABLE, EDITED_FIELD = "events", "name_ar"


def _one_row_edit(root: Path) -> tuple[dict[Path, bytes], str]:
    """Correct one cell of a small table and bump the patch version, as a maintainer does; returns
    the files' bytes before (to put back) and the table edited."""
    before = {p: p.read_bytes() for p in (root / "raw" / f"{EDITED_TABLE}.csv", root / "metadata" / "release.yaml")}
    csv_path, release = before
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index(EDITED_FIELD)] += " (corrected)"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    text = release.read_text(encoding="utf-8")
    release.write_text(
        re.sub(r"^version: (\d+)\.(\d+)\.(\d+)", lambda m: f"version: {m[1]}.{m[2]}.{int(m[3]) + 1}", text, count=1, flags=re.M),
        encoding="utf-8",
    )
    return before, EDITED_TABLE


def _incremental(clean: Path) -> tuple:
    """The timed publish after a one-row edit (the release before built by this run's publish)."""
    if not (clean / "published").exists():
        subprocess.run(
            [PY, "-m", "pipeline", "--root", str(clean), "publish"], cwd=clean, env=_env(), check=True, stdout=subprocess.DEVNULL
        )
    before, _ = _one_row_edit(clean)
    try:
        return _timed([PY, "-m", "pipeline", "--root", str(clean), "publish"], clean)
    finally:
        for path, data in before.items():
            path.write_bytes(data)


def run(sizes: list[str], seed: int, steps: list[str] = STEPS) -> list[dict]:
    results = []
    for size in sizes:
        clean = _project(size, False, seed)
        if {"frictionless", "duckdb-read", "ours"} & set(steps):  # the steps that read the project with errors
            bad = _project(size, True, seed)
            pkg = _datapackage(bad)
            report_path = bad / "build" / "validation-report.json"
            fl_out = bad / "build" / "frictionless-report.json"
            fl_out.parent.mkdir(parents=True, exist_ok=True)
        # Rows of every table (the synthetic CSVs hold no line breaks inside cells).
        rows = sum(sum(1 for _ in f.open("rb")) - 1 for f in (clean / "raw").glob("*.csv"))
        line = {"size": size, "rows": rows, "same_errors": None}
        if "frictionless" in steps:
            print(f"  {size}: frictionless validate (no error cap) ...", flush=True)
            with fl_out.open("w") as fh:
                line["frictionless"] = _timed([FRICTIONLESS, "validate", pkg.name, "--limit-errors", str(10**9), "--json"], bad, fh)
        if "duckdb-read" in steps:
            print(f"  {size}: DuckDB bare typed read ...", flush=True)
            line["duckdb-read"] = _timed([PY, "-c", TYPED_READ, *(typed_read_sql(str(bad), t) for t in LARGE_TABLES)], bad)
        if "ours" in steps:
            print(f"  {size}: our validation (what frictionless checks) ...", flush=True)
            line["ours"] = _timed(
                [PY, "-m", "pipeline", "--root", str(bad), "validate", "--schema-only", "--report-json", str(report_path)], bad
            )
        if "ours" in steps and "frictionless" in steps:
            model = load_model(bad / "schemas", bad / "metadata")
            ours = _our_errors(json.loads(report_path.read_text()))
            theirs = _frictionless_errors(json.loads(fl_out.read_text()), model)
            line["same_errors"] = ours == theirs
            line["errors"] = (len(ours), len(theirs))
            if ours != theirs:
                line["differences"] = {
                    "only ours": sorted(set(ours) - set(theirs), key=str)[:20],
                    "only frictionless": sorted(set(theirs) - set(ours), key=str)[:20],
                }
        if "ours+rules" in steps:
            print(f"  {size}: our validation with the row rules (clean data) ...", flush=True)
            line["ours+rules"] = _timed([PY, "-m", "pipeline", "--root", str(clean), "validate"], clean)
        for step in [s for s in ("sqlite", "parquet") if s in steps]:
            print(f"  {size}: {step} build ...", flush=True)
            line[step] = _timed([PY, "-m", "pipeline.tools.bench", "--stage", step, "--root", str(clean)], clean)
        for leftover in ("releases", "published"):
            p = clean / leftover
            if p.is_symlink():
                p.unlink()
            elif p.exists():
                shutil.rmtree(p)
        if "publish" in steps:
            print(f"  {size}: whole publish ...", flush=True)
            with tempfile.NamedTemporaryFile("w+", suffix=".stages") as stages:
                line["publish"] = _timed(
                    [PY, "-m", "pipeline", "--root", str(clean), "publish"], clean, stderr=stages, env={"REMACTO_TIMINGS": "1"}
                )
                stages.seek(0)
                line["stages"] = [ln.rstrip() for ln in stages if ln.startswith("  ")]
        if "memory" in steps:
            print(f"  {size}: the largest table checked from memory, then from disk ...", flush=True)
            line["memory"] = memory_vs_disk(clean)
        if "incremental" in steps:
            print(f"  {size}: publish after a one-row edit of {EDITED_TABLE} ...", flush=True)
            line["incremental"] = _incremental(clean)
        if "portal" in steps and size == sizes[-1]:  # the portal on the largest table of the run
            from pipeline.tools import portalbench

            print(f"  {size}: portal under load (ours, then bare datasette -i) ...", flush=True)
            from pipeline.settings import Paths

            if "publish" not in steps:  # a release by this code, not one left by an earlier run
                subprocess.run(
                    [PY, "-m", "pipeline", "--root", str(clean), "publish"], cwd=clean, env=_env(), check=True, stdout=subprocess.DEVNULL
                )
            line["portal"] = portalbench.table(
                portalbench.run(Paths(clean)), portalbench.SECONDS, portalbench.CONNECTIONS, portalbench.THREADS
            )
        if "servers" in steps and size == sizes[-1]:  # one server against nginx + replicas, same release
            from pipeline.settings import Paths
            from pipeline.tools import serverbench

            print(f"  {size}: one server, then nginx + replicas, under load ...", flush=True)
            if not (clean / "published").exists():
                subprocess.run(
                    [PY, "-m", "pipeline", "--root", str(clean), "publish"], cwd=clean, env=_env(), check=True, stdout=subprocess.DEVNULL
                )
            line["servers"] = serverbench.table(*serverbench.run(Paths(clean)))
        results.append(line)
    return results


def table(results: list[dict]) -> str:
    lines = ["| size | step | wall s | CPU s | rows/s | peak MiB | exit | load |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for s in [s for s in STEPS if s in r and s not in ("portal", "servers", "memory")]:
            wall, mib, rc, cpu, *load = r[s]
            lines.append(
                f"| {r['size']} | {s} | {wall:.2f} | {cpu:.1f} | {r['rows'] / max(wall, 0.01):,.0f} | {mib:,.0f} | {rc} | "
                f"{load[0] if load else float('nan'):.1f} |"
            )
    lines += [
        "",
        "| size | rows (all tables) | frictionless ÷ ours | ours ÷ DuckDB typed read | frictionless ÷ publish | same error set (ours, frictionless) |",
        "|---|---|---|---|---|---|",
    ]

    def ratio(r: dict, a: str, b: str) -> str:  # a step left out of the run leaves its ratios out
        return f"{r[a][0] / r[b][0]:.1f}×" if a in r and b in r else "—"

    for r in results:
        if not {"ours", "frictionless"} <= set(r):
            continue
        lines.append(
            f"| {r['size']} | {r['rows']:,} | {ratio(r, 'frictionless', 'ours')} | {ratio(r, 'ours', 'duckdb-read')} | "
            f"{ratio(r, 'frictionless', 'publish')} | {'yes' if r['same_errors'] else 'NO'} {r['errors']} |"
        )
    incremental = [r for r in results if {"publish", "incremental"} <= set(r)]
    if incremental:
        lines += [
            "",
            f"| size | full publish s | publish after a one-row edit of {EDITED_TABLE} s | full ÷ incremental |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['size']} | {r['publish'][0]:.2f} | {r['incremental'][0]:.2f} | {ratio(r, 'publish', 'incremental')} |"
            for r in incremental
        ]
    for r in results:
        if r.get("differences"):
            lines += ["", f"Differences at {r['size']}: {json.dumps(r['differences'], ensure_ascii=False)}"]
        if r.get("stages"):
            lines += ["", f"Publish stages at {r['size']} (REMACTO_TIMINGS=1):", "```", *r["stages"], "```"]
        if r.get("portal"):
            lines += ["", f"Portal at {r['size']}:", r["portal"]]
        if r.get("servers"):
            lines += ["", f"Servers at {r['size']}:", r["servers"]]
    if len(results) > 1:
        peaks = {r["size"]: max(r[s][1] for s in ("ours", "ours+rules", "sqlite", "parquet", "publish") if s in r) for r in results}
        lines += ["", "Peak memory of our steps by size (MiB, largest process): " + ", ".join(f"{k}: {v:,.0f}" for k, v in peaks.items())]
    return "\n".join(lines)


def memory_lines(results: list[dict]) -> str:
    """The `memory` step's figures, a line a size."""
    lines = []
    for r in results:
        if m := r.get("memory"):
            lines.append(
                f"- {r['size']}: the fast check of {m['table']} ({m['mib']:.1f} MiB) from its rows in memory "
                f"{m['memory']:.2f} s, from its CSV on disk {m['disk']:.2f} s (memory ÷ disk "
                f"{m['memory'] / m['disk']:.2f}×; same rows and verdicts: {'yes' if m['same'] else 'NO'})"
            )
    return "\n".join(lines)


def write_docs(blocks: dict[str, str], heading: str, path: Path = DOCS) -> None:
    """Each block between its markers (<!-- name:start --> ... <!-- name:end -->) of the page, headed by
    how it was measured: the documentation's figures are a run's, never copied by hand."""
    doc = path.read_text(encoding="utf-8")
    for name, text in blocks.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, found, rest = doc.partition(start)
        if not found or end not in rest:
            raise SystemExit(f"{path}: the markers {start} and {end} are missing; the figures were not written")
        doc = f"{head}{start}\n{heading}\n\n{text}\n{end}{rest.split(end, 1)[1]}"
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", default=",".join(STEPS), help="a subset of: " + ",".join(STEPS))
    parser.add_argument("--stage", choices=["sqlite", "parquet"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        stage(args.stage, args.root)
        return 0
    load = os.getloadavg()[0]
    steps = args.steps.split(",")
    results = run(args.sizes.split(","), args.seed, steps)
    print(table(results))
    print(memory_lines(results))
    blocks = {}
    if set(steps) - {"portal", "servers", "memory"}:
        blocks["bench"] = table([{k: v for k, v in r.items() if k not in ("portal", "servers")} for r in results])
    if "memory" in steps:
        blocks["memorybench"] = memory_lines(results)
    if any(r.get("portal") for r in results):
        blocks["portalbench"] = "\n\n".join(f"Portal at {r['size']}:\n{r['portal']}" for r in results if r.get("portal"))
    heading = (
        f"Measured on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by "
        f"`python -m pipeline.tools.bench --sizes {args.sizes} --steps {args.steps}` ({os.cpu_count()} cores, "
        f"1-minute load average {load:.1f} at the start); sizes are ballots."
    )
    if blocks:
        write_docs(blocks, heading)
    servers = {"servers": "\n\n".join(f"Servers at {r['size']}:\n{r['servers']}" for r in results if r.get("servers"))}
    if servers["servers"]:
        write_docs(servers, heading, DEPLOYING_DOCS)
    return 0 if all(r["same_errors"] in (True, None) and r.get("memory", {}).get("same", True) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
