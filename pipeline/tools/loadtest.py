"""A bounded load test of the portal on loopback with wrk: the pages people use most.

Starts the portal on a free 127.0.0.1 port serving the published release exactly as
`make serve` does, runs wrk against each page for a fixed time, and reports requests per
second, p50/p95/p99 latency and errors (socket errors and non-2xx/3xx answers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pipeline.settings import Paths
from pipeline.model import load_model
from pipeline.portal.serve import datasette_args, datasette_env

PAGES = {
    "home": "/",
    "table": "/remacto/collectivities",
    "filtered table": "/remacto/collectivities?kind=commune&territory_id=al-hoceima",
    "search (Arabic)": "/remacto/collectivities?_search=" + quote("الحسيمة"),
    "CSV download": "/remacto/event_sessions.csv?_size=max",
    "canned query": "/remacto/regional_meeting_agenda",
    "JSON API": "/remacto/collectivities.json?_shape=array",
}

# wrk prints its own summary without p95; this Lua hook prints the figures as one JSON line.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
    .. '"socket_errors": %d, "bad_status": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, e.connect + e.read + e.write, e.status, e.timeout))
end
"""


@dataclass
class PageResult:
    page: str
    path: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    """A TCP port free on loopback now (for a server started next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc: subprocess.Popen, path: str = "/health", seconds: int = 30, log: Path | None = None) -> None:
    """Return once the server `proc` answers `path` with 200; RuntimeError (with its log, if given)
    when it exits first or does not answer within `seconds`."""
    for _ in range(seconds * 10):
        if proc.poll() is not None:
            raise RuntimeError("the portal exited before answering" + (":\n" + log.read_text() if log else ""))
        try:
            with urllib.request.urlopen(base + path, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the portal did not answer {path} within {seconds} s")


def wrk(url: str, seconds: int, connections: int, threads: int, script: str, timeout_s: int = 5) -> dict:
    """One wrk run; the figures WRK_REPORT prints (requests, seconds, p50/p95/p99 ms, errors by kind)."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout_s}s", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("{")))


def run(paths: Paths, seconds: int = 10, connections: int = 16, threads: int = 2) -> list[PageResult]:
    """Load each page for `seconds` with wrk; the portal runs in a child process, stopped after."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install wrk` (make loadtest does it)")
    release = paths.published.resolve()
    if not (release / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `make publish` first.")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    model = load_model(paths.schemas, paths.metadata)
    proc = subprocess.Popen(
        datasette_args(release, paths, model, "127.0.0.1", port),
        env=datasette_env(paths),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        wait_ready(base, proc)
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_REPORT)
            script.flush()
            for page, path in PAGES.items():
                figures = wrk(base + path, seconds, connections, threads, script.name)
                results.append(
                    PageResult(
                        page,
                        path,
                        figures["requests"],
                        figures["requests"] / figures["seconds"],
                        figures["p50_ms"],
                        figures["p95_ms"],
                        figures["p99_ms"],
                        figures["socket_errors"] + figures["bad_status"] + figures["timeouts"],
                    )
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return results


def table(results: list[PageResult], seconds: int, connections: int, threads: int) -> str:
    lines = [
        f"wrk, {threads} threads, {connections} connections, {seconds} s a page, loopback",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.page} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |" for r in results]
    total = sum(r.errors for r in results)
    lines.append(f"\n{'OK' if total == 0 else 'FAILED'}: {total} errors in {sum(r.requests for r in results):,} requests")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    paths = Paths(args.root.resolve()) if args.root else Paths()
    results = run(paths, args.seconds, args.connections, args.threads)
    print(table(results, args.seconds, args.connections, args.threads))
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
