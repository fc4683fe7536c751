"""The portal as N stateless replicas of one release behind Debian's nginx, on loopback:
`python -m pipeline serve-prod` (`make serve-prod`). Each replica is the portal `make serve` runs
(one process, on a port of its own) and follows the `published` symlink on its own; nginx
(deploy/nginx/nginx.conf, written into a run folder with this checkout's ports and folders) spreads
requests over them, retries a request on another replica when one dies, compresses, adds the
security headers, serves the release's files and assets itself and caches by release.

A replica that dies is started again here (under systemd or compose, by them: docs/deploying.md);
nginx takes it back into rotation when it answers again.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import Model
from pipeline.portal.serve import datasette_args, datasette_env, require_free_ports
from pipeline.settings import ROOT, Paths

DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# The files nginx.conf includes, copied beside it in the run folder.
INCLUDES = ("security-headers.conf", "proxy.conf")
WORKERS_ENV = "REMACTO_PORTAL_WORKERS"


def nginx_config(shipped: str, listen: str, replicas: list[str], published: Path, releases: Path, static: Path) -> str:
    """deploy/nginx/nginx.conf with its `# remacto:` lines set to this run's addresses and folders."""
    lines = []
    for line in shipped.splitlines():
        marker = re.search(r"# remacto:(\w+)$", line)
        indent = line[: len(line) - len(line.lstrip())]
        if not marker:
            lines.append(line)
        elif marker[1] == "replicas":
            if not any("# remacto:replicas" in done for done in lines):
                lines += [f"{indent}server {r} max_fails=1 fail_timeout=2s; # remacto:replicas" for r in replicas]
        elif marker[1] == "listen":
            lines.append(f"{indent}listen {listen}; # remacto:listen")
        elif marker[1] == "root":
            lines.append(f"{indent}root {published}; # remacto:root")
        elif marker[1] == "release":
            lines.append(f"{indent}alias {published}/; # remacto:release")
        elif marker[1] == "releases":
            lines.append(f"{indent}alias {releases}/$release_id/$release_file; # remacto:releases")
        elif marker[1] == "assets":
            lines.append(f"{indent}alias {static}/; # remacto:assets")
        else:
            raise ValueError(f"deploy/nginx/nginx.conf: unknown marker remacto:{marker[1]}")
    if os.geteuid() == 0:
        # Run as root, nginx's workers would become `nobody` and could not read the checkout:
        # they stay the user who runs it (run serve-prod as an unprivileged user: docs/deploying.md).
        lines.insert(0, "user root;")
    return "\n".join(lines) + "\n"


def write_run_dir(run: Path, listen: str, replicas: list[str], paths: Paths) -> Path:
    """The run folder nginx works in (-p): its configuration, logs, temporary files and cache."""
    run.mkdir(parents=True, exist_ok=True)
    for name in INCLUDES:
        shutil.copyfile(DEPLOY / name, run / name)
    conf = run / "nginx.conf"
    conf.write_text(
        nginx_config(
            (DEPLOY / "nginx.conf").read_text(encoding="utf-8"),
            listen,
            replicas,
            paths.published.absolute(),
            paths.releases.absolute(),
            paths.portal / "static",
        ),
        encoding="utf-8",
    )
    return conf


def nginx_command(run: Path, conf: Path, *, test: bool = False) -> list[str]:
    return [NGINX, "-p", str(run), "-c", str(conf), "-e", "stderr"] + (["-t"] if test else ["-g", "daemon off;"])


@dataclass
class Replica:
    """One portal process on its own loopback port."""

    port: int
    args: list[str]
    env: dict
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def replicas_for(paths: Paths, model: Model, ports: list[int], run: Path) -> list[Replica]:
    """One-process portals of the release `published` points to, each following the symlink."""
    release = paths.published.resolve()
    env = {**datasette_env(paths, follow=paths.published), WORKERS_ENV: "1"}
    # Replicas sign cookies alike, as workers of one server do.
    env.setdefault("DATASETTE_SECRET", os.urandom(32).hex())
    return [
        Replica(port, datasette_args(release, paths, model, "127.0.0.1", port, follow=paths.published), env, run / f"replica-{port}.log")
        for port in ports
    ]


def serve_prod(paths: Paths, model: Model, port: int, replica_ports: list[int], run: Path) -> int:
    """nginx on 127.0.0.1:`port` before one replica on each of `replica_ports`, until SIGTERM or Ctrl-C;
    a replica that dies is started again."""
    if not (paths.published.resolve() / "datapackage.json").exists():
        raise SystemExit(f"No release in {paths.published}: run `make publish` first.")
    require_free_ports(
        "127.0.0.1",
        {
            port: f"make serve-prod PROD_PORT={port + 1}",
            **{p: f"make serve-prod REPLICA_PORTS={','.join(str(q + 100) for q in replica_ports)}" for p in replica_ports},
        },
    )
    conf = write_run_dir(run, f"127.0.0.1:{port}", [f"127.0.0.1:{p}" for p in replica_ports], paths)
    subprocess.run(nginx_command(run, conf, test=True), check=True)
    replicas = replicas_for(paths, model, replica_ports, run)
    for r in replicas:
        r.start()
    nginx = subprocess.Popen(nginx_command(run, conf))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    print(
        f"Portal on http://127.0.0.1:{port}/ : nginx before {len(replicas)} replicas on ports "
        f"{', '.join(map(str, replica_ports))} (logs in {run})",
        file=sys.stderr,
        flush=True,
    )
    try:
        while not stopping and nginx.poll() is None:
            for r in replicas:
                if not r.alive():
                    print(f"Replica on port {r.port} stopped ({r.process.returncode}); starting it again.", file=sys.stderr, flush=True)
                    r.start()
            time.sleep(0.5)
    finally:
        if nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: answers in flight are finished
            nginx.wait(timeout=15)
        for r in replicas:
            r.stop()
    return 0 if stopping else 1
