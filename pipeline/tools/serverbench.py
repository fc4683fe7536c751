"""`make bench` step `servers`: the portal as `make serve` runs it (one gunicorn, `workers:`
processes) beside the portal as `make serve-prod` runs it (Debian's nginx before as many one-process
replicas), on the same pages of a release's largest table, warm and cold, under wrk on loopback.

Warm: the same URL over and over (answers from the response caches: each worker's, and nginx's in
front of the replicas). Cold: every request a URL no cache holds (`_cold=N`, portalbench.WRK_COLD),
which is what a first visit costs and where only the processes computing pages count. nginx's
connections to the replicas are kept alive; its answers are not compressed (wrk asks for no gzip).

    python -m pipeline.tools.serverbench --root build/synth/100k [--seconds 10]

No figure is asserted: it prints the comparison (exit 1 on errors).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.portal.proxy import nginx_command, replicas_for, write_run_dir
from pipeline.portal.serve import datasette_args, datasette_env
from pipeline.settings import Paths
from pipeline.tools.loadtest import WRK_REPORT, free_port, wait_ready
from pipeline.tools.portalbench import (
    WRK_COLD,
    Figures,
    cells,
    cold_paths,
    first_values,
    load_page,
    lua_string,
    release_pages,
    stop_process,
)

SECONDS, CONNECTIONS, THREADS = 10, 16, 2
# The pages compared (name prefixes of portalbench.choose_pages): a page of each kind, not all of them.
PAGES = ("table", "filtered (", "faceted", "search", "CSV", "JSON")


@dataclass
class ServerComparison:
    page: str
    path: str
    single: Figures | None = None
    proxied: Figures | None = None
    single_cold: Figures | None = None
    proxied_cold: Figures | None = None


def run(paths: Paths, seconds: int = SECONDS, connections: int = CONNECTIONS, threads: int = THREADS) -> tuple[list[ServerComparison], int]:
    """Both set-ups started side by side, each page loaded on one then right after on the other
    (the idle one takes no CPU); the comparisons and the number of processes each set-up computes with."""
    release, model, db, pages = release_pages(paths)
    workers = model.portal.workers
    pages = {k: v for k, v in pages.items() if k.startswith(PAGES)}
    pages = {k: v for i, (k, v) in enumerate(pages.items()) if not k.startswith("filtered (") or i == 1}
    results = [ServerComparison(page, path) for page, path in pages.items()]
    configured = {t.name: t.facet_fields for t in model.tables.values()}
    with tempfile.TemporaryDirectory(prefix="serverbench-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        port = free_port()
        log = stack.enter_context((work / "single.log").open("w"))
        single = subprocess.Popen(
            datasette_args(release, paths, model, "127.0.0.1", port), env=datasette_env(paths), stdout=log, stderr=subprocess.STDOUT
        )
        stack.callback(stop_process, single)
        single_base = f"http://127.0.0.1:{port}"
        wait_ready(single_base, single, "/health", 120)

        proxy_port, replica_ports = free_port(), [free_port() for _ in range(workers)]
        conf = write_run_dir(work / "proxy", f"127.0.0.1:{proxy_port}", [f"127.0.0.1:{p}" for p in replica_ports], paths)
        replicas = replicas_for(paths, model, replica_ports, work / "proxy")
        for r in replicas:
            r.start()
            stack.callback(r.stop)
        for r in replicas:
            wait_ready(f"http://127.0.0.1:{r.port}", r.process, "/health", 120)
        nginx_log = stack.enter_context((work / "nginx.log").open("w"))
        nginx = subprocess.Popen(nginx_command(work / "proxy", conf), stdout=nginx_log, stderr=subprocess.STDOUT)
        stack.callback(stop_process, nginx, signal.SIGQUIT, 15)
        proxied_base = f"http://127.0.0.1:{proxy_port}"
        wait_ready(proxied_base, nginx, "/health", 30)

        most_values = first_values(db, next((p for n, p in pages.items() if n.startswith("filtered (")), ""))
        for base in (single_base, proxied_base):  # warm: the file in the OS cache, the caches filled
            for path in pages.values():
                with urllib.request.urlopen(base + path, timeout=60) as r:
                    r.read()
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_REPORT)
            script.flush()
            for r in results:
                r.single = load_page(single_base, r.path, script.name, seconds, connections, threads, configured)
                r.proxied = load_page(proxied_base, r.path, script.name, seconds, connections, threads, configured)
                if urlsplit(r.path).path.endswith((".csv", ".json")):
                    continue
                with tempfile.NamedTemporaryFile("w", suffix=".lua") as cold_script:
                    cold_script.write(WRK_REPORT + WRK_COLD % ", ".join(lua_string(p) for p in cold_paths(r.path, *most_values)))
                    cold_script.flush()
                    r.single_cold = load_page(single_base, r.path, cold_script.name, seconds, connections, threads, configured, cold=True)
                    r.proxied_cold = load_page(proxied_base, r.path, cold_script.name, seconds, connections, threads, configured, cold=True)
    return results, workers


def _ratio(a: Figures | None, b: Figures | None) -> str:
    return f"{b.rps / a.rps:,.2f}×" if a and b and a.rps else "–"


def table(
    results: list[ServerComparison], workers: int, seconds: int = SECONDS, connections: int = CONNECTIONS, threads: int = THREADS
) -> str:
    loads = [f.load for r in results for f in (r.single, r.proxied, r.single_cold, r.proxied_cold) if f]
    lines = [
        f"One server: gunicorn with {workers} ASGI workers (`make serve`). nginx + replicas: Debian's nginx "
        f"before {workers} one-process replicas (`make serve-prod`). wrk, {threads} threads, {connections} "
        f"connections, {seconds} s a page, timeout 5 s, loopback; 1-min load average before each page: "
        f"{min(loads, default=0):.2f}–{max(loads, default=0):.2f}",
        "",
        "| page | one server rps | p50 ms | p99 ms | errors | nginx + replicas rps | p50 ms | p99 ms | errors | "
        "proxied ÷ one | cold: one server rps | p50 ms | p99 ms | errors | cold: nginx + replicas rps | p50 ms "
        "| p99 ms | errors | cold: proxied ÷ one |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.page} | {cells(r.single)} | {cells(r.proxied)} | {_ratio(r.single, r.proxied)} "
            f"| {cells(r.single_cold)} | {cells(r.proxied_cold)} | {_ratio(r.single_cold, r.proxied_cold)} |"
        )
    lines += [
        "",
        "rps = good answers per second; warm = the same URL again and again (cache hits); cold = every "
        "request a URL no cache holds; errors = timeouts, socket errors, non-2xx/3xx",
    ]
    if any(urlsplit(r.path).path.endswith(".csv") for r in results):
        lines.append(
            "CSV through nginx: beyond 2 CSV requests a second from one client address (burst 5) nginx answers "
            "429, its rate limit (deploy/nginx/nginx.conf); wrk is one address, so those are counted as errors"
        )
    lines += [f"  {r.page}: {r.path}" for r in results]
    return "\n".join(lines)


def failed(results: list[ServerComparison]) -> bool:
    return any(f and f.errors for r in results for f in (r.single, r.proxied, r.single_cold, r.proxied_cold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.serverbench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="project folder with a published release")
    parser.add_argument("--seconds", type=int, default=SECONDS)
    args = parser.parse_args(argv)
    results, workers = run(Paths(args.root.resolve()), args.seconds)
    print(table(results, workers, args.seconds))
    return 1 if failed(results) else 0


if __name__ == "__main__":
    sys.exit(main())
