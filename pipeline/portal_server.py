"""The portal's server: Datasette's own `serve` command line, run by uvicorn in several worker
processes. Datasette serves from one process, and rendering a table page costs 30-40 ms of one
core: a worker a core multiplies the pages a second the portal can compute. Each worker builds
its Datasette from the same arguments (and so follows the `published` symlink on its own); they
share the listening socket and the secret that signs Datasette's cookies.

    python -m pipeline.portal_server [--workers N] <the options of `datasette serve`>

`make serve` runs it through serve.datasette_args; the number of workers is `workers:` in
metadata/portal.yaml (REMACTO_PORTAL_WORKERS overrides it).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets

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


def main(argv: list[str] | None = None) -> None:
    # No -h/--help here: -h is `datasette serve`'s host.
    parser = argparse.ArgumentParser(prog="python -m pipeline.portal_server", description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    known, args = parser.parse_known_args(argv)
    workers = int(os.environ.get(WORKERS_ENV, known.workers))
    if workers < 1:
        parser.error(f"--workers (or {WORKERS_ENV}) must be at least 1, not {workers}")
    from datasette.cli import serve

    with serve.make_context("serve", list(args)) as ctx:  # bad options fail here, once, with click's message
        host, port = ctx.params["host"], ctx.params["port"]
    os.environ[ARGS_ENV] = json.dumps(args)
    # Every worker must sign and check cookies with the same secret (Datasette reads this variable).
    os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))
    import uvicorn

    uvicorn.run("pipeline.portal_server:app", factory=True, host=host, port=port, workers=workers, lifespan="on", log_level="info")


if __name__ == "__main__":
    main()
