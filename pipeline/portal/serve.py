"""Serving a release: the portal's command line (Datasette's options, run by portal/server.py) and
`serve`, which runs it. The Datasette metadata it reads is written by release/portal_metadata.py."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from pathlib import Path

from pipeline.model import Model
from pipeline.settings import DB_NAME, Paths


def datasette_args(release: Path, paths: Paths, model: Model, host: str, port: int, follow: Path | None = None) -> list[str]:
    """The portal's command line for one release directory (a concrete folder, not the symlink):
    `datasette serve`'s options, run in `workers:` processes (metadata/portal.yaml) by
    pipeline/portal/server.py. With `follow` (the `published` symlink) the release's files are
    served through it, so they switch with the database when a new release is published."""
    args = [
        sys.executable,
        "-m",
        "pipeline.portal.server",
        "--workers",
        str(model.portal.workers),
        "--response-cache",
        json.dumps(model.portal.response_cache),
        "-i",
        str(release / f"{DB_NAME}.db"),
        "--inspect-file",
        str(release / "portal" / "inspect.json"),
        "-m",
        str(release / "portal" / "metadata.json"),
        "--plugins-dir",
        str(paths.portal / "plugins"),
        "--template-dir",
        str(paths.portal / "templates"),
        "--static",
        f"assets:{paths.portal / 'static'}",
        # The release's files (CSV, Parquet, catalogs, changelog, citations) at /release/.
        "--static",
        f"release:{follow or release}",
        "-h",
        host,
        "-p",
        str(port),
    ]
    for key, value in model.portal.settings.items():
        args += ["--setting", key, str(value)]
    return args


def datasette_env(paths: Paths, follow: Path | None = None) -> dict:
    """The portal plugins import pipeline: put the project on the path. With `follow`
    (the `published` symlink), the portal switches to each new release as it is published."""
    env = dict(os.environ)
    if follow:
        env["REMACTO_PUBLISHED"] = str(follow)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    return env


def port_in_use(host: str, port: int) -> bool:
    """Whether another program (another portal, say) already listens on host:port. The portal's
    socket has no SO_REUSEPORT, so it could not share the port; asked first to say so plainly."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def require_free_ports(host: str, ports: dict[int, str]) -> None:
    """Stop with a message naming each port already in use and the make variable that chooses another."""
    taken = [(port, how) for port, how in ports.items() if port_in_use(host, port)]
    if taken:
        raise SystemExit(
            "\n".join(
                f"Port {port} on {host} is already in use (another `make serve`, or another program, listens on it).\n"
                f"Stop that program, or choose another port: {how}"
                for port, how in taken
            )
        )


def serve(paths: Paths, model: Model, host: str | None = None, port: int | None = None) -> None:
    """Replace this process with Datasette serving the current release, read-only."""
    release = paths.published.resolve()
    if not (release / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `make publish` first.")
    host, port = host or model.portal.host, port or model.portal.port
    require_free_ports(host, {port: f"make serve PORT={port + 1}"})
    args = datasette_args(release, paths, model, host, port, follow=paths.published)
    print(f"Serving release {release.name} on http://{args[args.index('-h') + 1]}:{args[args.index('-p') + 1]}/", flush=True)
    os.execve(sys.executable, args, datasette_env(paths, follow=paths.published))
