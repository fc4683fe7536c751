"""The portal's server: Datasette's own `serve` command line, run by uvicorn in several worker
processes. Datasette serves from one process, and rendering a table page costs 30-40 ms of one
core: a worker a core multiplies the pages a second the portal can compute. Each worker builds
its Datasette from the same arguments (and so follows the `published` symlink on its own) and
listens on the same port with SO_REUSEPORT, so the kernel spreads connections evenly over them (a
shared listening socket let one worker take every keep-alive connection of a burst); they share
the secret that signs Datasette's cookies. This process starts them, stops them on SIGTERM or
Ctrl-C, and stops them all if one dies.

    python -m pipeline.portal.server [--workers N] <the options of `datasette serve`>

`make serve` runs it through serve.datasette_args; the number of workers is `workers:` in
metadata/portal.yaml (REMACTO_PORTAL_WORKERS overrides it), the response cache's limits
`response_cache:` (REMACTO_RESPONSE_CACHE overrides them).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import signal
import socket
import sys

from pipeline.portal.cache import ENV as RESPONSE_CACHE_ENV

ARGS_ENV = "REMACTO_DATASETTE_ARGS"
WORKERS_ENV = "REMACTO_PORTAL_WORKERS"


def _datasette(args: list[str]):
    """Datasette as `datasette serve <args>` builds it, without serving it."""
    from datasette.cli import serve

    with serve.make_context("serve", list(args)) as ctx:
        return serve.callback(**ctx.params, return_instance=True)


def app():
    """One worker's ASGI app (a uvicorn factory); Datasette runs its startup hooks on the first request."""
    return _datasette(json.loads(os.environ[ARGS_ENV])).app()


def _config(host: str, port: int):
    import uvicorn

    return uvicorn.Config("pipeline.portal.server:app", factory=True, host=host, port=port, lifespan="on", log_level="info")


def listening_socket(host: str, port: int) -> socket.socket:
    """A worker's own socket on the shared port (SO_REUSEPORT: the kernel spreads connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it a small answer waits 40 ms for a delayed ACK on a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, parent: int) -> None:
    """One worker process: its own socket on the shared port, served by uvicorn until SIGTERM (or
    until the process that started it ends)."""
    import uvicorn

    from pipeline.workers import die_with_parent

    die_with_parent(parent)
    uvicorn.Server(_config(host, port)).run(sockets=[listening_socket(host, port)])


def _supervise(workers: list) -> int:
    """Wait for the workers; on SIGTERM/SIGINT, or when one dies, stop the others. 0 when asked to stop."""
    asked = []

    def stop(*_):
        asked.append(True)
        for w in workers:
            if w.is_alive():
                w.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from multiprocessing.connection import wait

    wait([w.sentinel for w in workers])  # the first to end: the signal's work, or a crash
    died = not asked
    if died:
        print("A portal worker stopped on its own; stopping the others.", file=sys.stderr, flush=True)
        stop()
    for w in workers:
        w.join()
    return 1 if died else 0


def main(argv: list[str] | None = None) -> int:
    # No -h/--help here: -h is `datasette serve`'s host.
    parser = argparse.ArgumentParser(prog="python -m pipeline.portal.server", description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--response-cache", default="{}",
                        help="the response cache's limits as JSON (metadata/portal.yaml `response_cache:`)")
    known, args = parser.parse_known_args(argv)
    workers = int(os.environ.get(WORKERS_ENV, known.workers))
    # The workers' cache plugin reads its limits from the environment; one already set there wins (tests, benchmarks).
    os.environ.setdefault(RESPONSE_CACHE_ENV, known.response_cache)
    if workers < 1:
        parser.error(f"--workers (or {WORKERS_ENV}) must be at least 1, not {workers}")
    from datasette.cli import serve

    with serve.make_context("serve", list(args)) as ctx:  # bad options fail here, once, with click's message
        host, port = ctx.params["host"], ctx.params["port"]
    if workers > 1 and port == 0:
        parser.error("with several workers the port must be given (0 would give each worker a port of its own)")
    os.environ[ARGS_ENV] = json.dumps(args)
    # Every worker must sign and check cookies with the same secret (Datasette reads this variable).
    os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))
    if workers == 1:
        import uvicorn

        uvicorn.Server(_config(host, port)).run()
        return 0
    print(f"Portal on http://{host}:{port}/ in {workers} worker processes", file=sys.stderr, flush=True)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(host, port, os.getpid()), name=f"portal-worker-{i}") for i in range(workers)]
    for p in processes:
        p.start()
    return _supervise(processes)


if __name__ == "__main__":
    raise SystemExit(main())
