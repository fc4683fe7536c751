"""`make serve` on a port already in use says so and stops, naming the port and how to choose
another; the portal's socket has no SO_REUSEPORT, so a second server can never share a port with
the first (and split its requests between two releases)."""

import socket
import subprocess
import sys

from pipeline.portal.serve import datasette_args, datasette_env
from pipeline.settings import ROOT, Paths
from tests.helpers import free_port


def test_serve_on_a_port_in_use_exits_non_zero_naming_the_port_and_the_make_variable(released):
    paths, _ = released
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "--root", str(paths.root), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"Port {port} on 127.0.0.1 is already in use (another `make serve`, or another program, listens on it).",
        f"Stop that program, or choose another port: make serve PORT={port + 1}",
    ]


def test_a_second_portal_cannot_bind_the_port_a_first_one_serves(released, portal, model):
    paths, release = released
    port = int(portal.rsplit(":", 1)[1])
    args = datasette_args(release.path, Paths(), model, "127.0.0.1", port)
    second = subprocess.run(args, env=datasette_env(Paths()), capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "Address already in use" in second.stdout + second.stderr


def test_a_free_port_is_not_reported_in_use():
    from pipeline.portal.serve import port_in_use

    port = free_port()
    assert not port_in_use("127.0.0.1", port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        assert port_in_use("127.0.0.1", port)
