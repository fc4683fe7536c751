"""The portal's server: Datasette's own `serve` command line, run in several worker processes by
gunicorn with its ASGI worker class. Datasette serves from one process, and rendering a table page
costs 30-40 ms of one core: a worker a core multiplies the pages a second the portal can compute.
Each worker builds its Datasette from the same arguments (and so follows the `published` symlink on
its own); they share the secret that signs Datasette's cookies. gunicorn starts them, restarts one
that dies, stops them on SIGTERM or Ctrl-C, and they die with it if it is killed; its listening socket has
TCP_NODELAY, which accepted connections inherit (without it a small answer waits 40 ms for a
delayed ACK on a kept-alive connection). The socket has no SO_REUSEPORT: a second portal on the same
port would silently share its requests (serve.port_in_use refuses to start one), and no gunicorn
control socket: every gunicorn on a machine would share ~/.gunicorn/gunicorn.ctl and the first to
stop would delete it for all.

    python -m pipeline.portal.server [--workers N] <the options of `datasette serve`>

`make serve` runs it through serve.datasette_args; the number of workers is `workers:` in
metadata/portal.yaml (REMACTO_PORTAL_WORKERS overrides it), the response cache's limits
`response_cache:` (REMACTO_RESPONSE_CACHE overrides them).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys

from gunicorn.app.base import BaseApplication

from pipeline.portal.cache import ENV as RESPONSE_CACHE_ENV

ARGS_ENV = "REMACTO_DATASETTE_ARGS"
WORKERS_ENV = "REMACTO_PORTAL_WORKERS"
# A worker stopping (SIGTERM) finishes the answers it is sending for this long, then is killed.
GRACEFUL_SECONDS = 10


def build_datasette(args: list[str]):
    """Datasette as `datasette serve <args>` builds it, without serving it."""
    from datasette.cli import serve

    with serve.make_context("serve", list(args)) as ctx:
        return serve.callback(**ctx.params, return_instance=True)


def app():
    """One worker's ASGI app (a factory gunicorn calls in each worker); Datasette runs its startup
    hooks on the first request."""
    return build_datasette(json.loads(os.environ[ARGS_ENV])).app()


def _post_fork(server, worker) -> None:
    """A worker dies with gunicorn's master even when the master is killed with SIGKILL."""
    from pipeline.workers import die_with_parent

    die_with_parent(server.pid)


class PortalApplication(BaseApplication):
    """gunicorn run from Python (its documented custom application): the portal's app in each worker."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return app()


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    """gunicorn's settings for `workers` ASGI workers on host:port."""
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        # gunicorn's own ASGI worker, not uvicorn's (deprecated in uvicorn 0.54): it sends a response's
        # headers in one write with its first body bytes. Under nginx, a replica killed between two
        # writes left nginx with headers it had already passed on and no body to retry elsewhere:
        # with uvicorn's worker 3 of some 12 SIGKILLs cost a request (tests/portal/test_replicas.py).
        "worker_class": "asgi",
        "workers": workers,
        "reuse_port": False,
        "control_socket_disable": True,
        "backlog": 2048,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "post_fork": _post_fork,
    }


def main(argv: list[str] | None = None) -> int:
    # No -h/--help here: -h is `datasette serve`'s host.
    parser = argparse.ArgumentParser(prog="python -m pipeline.portal.server", description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--response-cache", default="{}", help="the response cache's limits as JSON (metadata/portal.yaml `response_cache:`)"
    )
    known, args = parser.parse_known_args(argv)
    workers = int(os.environ.get(WORKERS_ENV, known.workers))
    # The workers' cache plugin reads its limits from the environment; one already set there wins (tests, benchmarks).
    os.environ.setdefault(RESPONSE_CACHE_ENV, known.response_cache)
    if workers < 1:
        parser.error(f"--workers (or {WORKERS_ENV}) must be at least 1, not {workers}")
    from datasette.cli import serve

    with serve.make_context("serve", list(args)) as ctx:  # bad options fail here, once, with click's message
        host, port = ctx.params["host"], ctx.params["port"]
    if port == 0:
        parser.error("the port must be given (0 would give each worker a port of its own)")
    os.environ[ARGS_ENV] = json.dumps(args)
    # Every worker must sign and check cookies with the same secret (Datasette reads this variable).
    os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))
    print(f"Portal on http://{host}:{port}/ in {workers} worker processes (gunicorn, ASGI workers)", file=sys.stderr, flush=True)
    PortalApplication(gunicorn_options(host, port, workers)).run()  # this process is gunicorn's master
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
