"""`make bench`: validation and publishing at national scale, on SYNTHETIC data (pipeline/synth.py).

Each step runs as its own process under /usr/bin/time (wall time and peak resident memory of
that process), one after the other, and prints one table:
  frictionless   `frictionless validate` of the synthetic data package, no error cap (the reference)
  duckdb-read    DuckDB's bare typed read of the ballots CSV (count only): the floor
  ours           `python -m pipeline validate` (the fast path for the large table)
  sqlite         the SQLite build of the validated tables, streamed
  parquet        the Parquet build (DuckDB COPY) of every table
  publish        the whole `python -m pipeline publish` (validate, SQLite, CSV/JSON, Parquet, checksums)
Validation steps read the project with injected errors and the error sets of frictionless and ours
are compared; build steps read the clean project. No figure is asserted: they are printed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import ROOT
from .model import load_model
from .synth import generate, parse_size

PY = sys.executable
FRICTIONLESS = str(Path(sys.executable).parent / "frictionless")
TYPED_READ = """
import sys, duckdb
from pipeline import bench
print(duckdb.connect().execute(bench.typed_read_sql(sys.argv[1], sys.argv[2])).fetchone()[0])
"""


def typed_read_sql(root: str, table: str) -> str:
    from .build import DUCKDB_TYPES
    model = load_model(Path(root) / "schemas", Path(root) / "metadata")
    t = model.tables[table]
    columns = "{" + ", ".join(f"'{f.name}': '{DUCKDB_TYPES[f.type]}'" for f in t.fields) + "}"
    path = Path(root) / "raw" / f"{table}.csv"
    return (f"SELECT count(*) FROM read_csv('{path}', header = true, auto_detect = false, columns = {columns}, "
            f"timestampformat = '%Y-%m-%dT%H:%M:%S', ignore_errors = true)")


def _project(size: str, errors: bool, seed: int) -> Path:
    """The synthetic project of that size, generated once and reused while its files stand."""
    folder = ROOT / "build" / "synth" / (size + ("-errors" if errors else ""))
    stamp = folder / "bench-stamp.json"
    want = {"rows": parse_size(size), "seed": seed, "errors": errors}
    if not (stamp.exists() and json.loads(stamp.read_text()) == want and (folder / "raw" / "synthetic_ballots.csv").exists()):
        print(f"  generating {folder.relative_to(ROOT)} ...", flush=True)
        generate(folder, want["rows"], seed, errors)
        stamp.write_text(json.dumps(want))
    return folder


def _datapackage(root: Path) -> Path:
    """A plain Frictionless data package over raw/, so `frictionless validate` checks every
    table, type, constraint and key the pipeline checks."""
    model = load_model(root / "schemas", root / "metadata")
    resources = [{"name": n, "path": f"raw/{n}.csv", "profile": "tabular-data-resource", "schema": t.frictionless_schema()}
                 for n, t in model.tables.items()]
    path = root / "frictionless-datapackage.json"
    path.write_text(json.dumps({"name": "synthetic", "resources": resources}, ensure_ascii=False))
    return path


def _timed(cmd: list[str], cwd: Path, stdout=None) -> tuple[float, float, int]:
    """(wall seconds, peak MiB, exit code) of one process, measured by /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *cmd], cwd=cwd,
                              stdout=stdout or subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
        wall, kib = out.read().split()[-2:]
    return float(wall), int(kib) / 1024, proc.returncode


def _env() -> dict:
    import os
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _frictionless_errors(report: dict, table: str, primary_key: str) -> list[tuple]:
    out = []
    for task in report.get("tasks", []):
        if task["name"] != table:
            continue
        for e in task["errors"]:
            field = ",".join(e["fieldNames"]) if "fieldNames" in e else e.get("fieldName")
            if e["type"] == "primary-key":
                field = primary_key
            out.append((e.get("rowNumber"), field, e["type"]))
    return sorted(out, key=str)


def _our_errors(report: dict, table: str) -> list[tuple]:
    return sorted(((p["row"], p["field"], p["code"]) for p in report["errors"] if p["file"] == f"raw/{table}.csv"), key=str)


def stage(name: str, root: Path) -> None:
    """One build step alone, on an already valid project (for timing)."""
    from . import build, load, normalise
    from .fastcheck import LargeCsv, min_bytes
    model = load_model(root / "schemas", root / "metadata")
    out = Path(tempfile.mkdtemp(prefix=f"bench-{name}-", dir=root))
    try:
        if name == "sqlite":
            tables = {}
            for n, t in model.tables.items():
                path = root / "raw" / f"{n}.csv"
                if path.stat().st_size >= min_bytes():
                    tables[n] = LargeCsv(path, 0, t)
                else:
                    raw, _ = load.read_csv(path, n)
                    tables[n] = normalise.normalise_rows(raw.rows, [f.type for f in t.fields])
            build.build_sqlite(model, tables, out / "remacto.db")
        elif name == "parquet":
            build.build_parquet(model, root / "raw", out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


STEPS = ["frictionless", "duckdb-read", "ours", "sqlite", "parquet", "publish"]


def run(sizes: list[str], seed: int, steps: list[str] = STEPS) -> list[dict]:
    results = []
    for size in sizes:
        rows = parse_size(size)
        bad, clean = _project(size, True, seed), _project(size, False, seed)
        pkg = _datapackage(bad)
        report_path = bad / "build" / "validation-report.json"
        fl_out = bad / "build" / "frictionless-report.json"
        fl_out.parent.mkdir(parents=True, exist_ok=True)
        line = {"size": size, "rows": rows, "same_errors": None}
        if "frictionless" in steps:
            print(f"  {size}: frictionless validate (no error cap) ...", flush=True)
            with fl_out.open("w") as fh:
                line["frictionless"] = _timed([FRICTIONLESS, "validate", pkg.name, "--limit-errors", str(10**9), "--json"], bad, fh)
        if "duckdb-read" in steps:
            print(f"  {size}: DuckDB bare typed read ...", flush=True)
            line["duckdb-read"] = _timed([PY, "-c", TYPED_READ, str(bad), "synthetic_ballots"], bad)
        if "ours" in steps:
            print(f"  {size}: our validation ...", flush=True)
            line["ours"] = _timed([PY, "-m", "pipeline", "--root", str(bad), "validate", "--report-json", str(report_path)], bad)
        if "ours" in steps and "frictionless" in steps:
            ours = _our_errors(json.loads(report_path.read_text()), "synthetic_ballots")
            theirs = _frictionless_errors(json.loads(fl_out.read_text()), "synthetic_ballots", "ballot_id")
            line["same_errors"] = ours == theirs
            line["errors"] = (len(ours), len(theirs))
        for step in [s for s in ("sqlite", "parquet") if s in steps]:
            print(f"  {size}: {step} build ...", flush=True)
            line[step] = _timed([PY, "-m", "pipeline.bench", "--stage", step, "--root", str(clean)], clean)
        for leftover in ("releases", "published"):
            p = clean / leftover
            if p.is_symlink():
                p.unlink()
            elif p.exists():
                shutil.rmtree(p)
        if "publish" in steps:
            print(f"  {size}: whole publish ...", flush=True)
            line["publish"] = _timed([PY, "-m", "pipeline", "--root", str(clean), "publish"], clean)
        results.append(line)
    return results


def table(results: list[dict]) -> str:
    lines = ["| rows | step | wall s | rows/s | peak MiB | exit |", "|---|---|---|---|---|---|"]
    for r in results:
        for s in [s for s in STEPS if s in r]:
            wall, mib, rc = r[s]
            lines.append(f"| {r['size']} | {s} | {wall:.2f} | {r['rows'] / max(wall, 0.01):,.0f} | {mib:,.0f} | {rc} |")
    lines += ["", "| rows | ours ÷ frictionless (time) | frictionless ÷ ours | ours ÷ DuckDB typed read | publish vs frictionless alone | same error set (ours, frictionless) |",
              "|---|---|---|---|---|---|"]
    for r in results:
        if not all(s in r for s in STEPS):
            continue
        ours, fl, dk, pub = r["ours"][0], r["frictionless"][0], r["duckdb-read"][0], r["publish"][0]
        lines.append(f"| {r['size']} | {ours / fl:.3f} | {fl / ours:.1f}× faster | {ours / dk:.1f} | {fl / pub:.1f}× faster | "
                     f"{'yes' if r['same_errors'] else 'NO'} {r['errors']} |")
    if len(results) > 1:
        peaks = {r["size"]: max(r[s][1] for s in ("ours", "sqlite", "parquet", "publish") if s in r) for r in results}
        lines += ["", "Peak memory of our steps by size (MiB): " + ", ".join(f"{k}: {v:,.0f}" for k, v in peaks.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", default=",".join(STEPS), help="a subset of: " + ",".join(STEPS))
    parser.add_argument("--stage", choices=["sqlite", "parquet"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        stage(args.stage, args.root)
        return 0
    results = run(args.sizes.split(","), args.seed, args.steps.split(","))
    print(table(results))
    return 0 if all(r["same_errors"] in (True, None) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
