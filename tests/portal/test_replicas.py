"""The portal as two replicas behind Debian's nginx, as `make serve-prod` runs it, on loopback free
ports: the shipped configuration passes `nginx -t`; under a bounded load a replica killed with
SIGKILL costs no request; a publish switches every replica with no answer mixing releases; a
restarted replica comes back into rotation."""

from __future__ import annotations

import concurrent.futures
import contextlib
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from pipeline.portal.headers import IMMUTABLE, SECURITY_HEADERS
from pipeline.portal.proxy import DEPLOY, NGINX, nginx_command, replicas_for, write_run_dir
from pipeline.release.publish import publish
from tests.helpers import copy_project, free_port, wait_ready
from tests.helpers import linked_files
from tests.helpers import edit_source_ref


def test_the_shipped_nginx_configuration_passes_nginx_t(tmp_path):
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(DEPLOY / "nginx.conf"), "-e", "stderr"], capture_output=True, text=True
    )
    assert (result.returncode, "test is successful" in result.stderr) == (0, True), result.stderr


@contextlib.contextmanager
def proxied(paths, model, run):
    """nginx on a free port before two replicas on free ports: (base URL, replicas)."""
    port, ports = free_port(), [free_port(), free_port()]
    conf = write_run_dir(run, f"127.0.0.1:{port}", [f"127.0.0.1:{p}" for p in ports], paths)
    check = subprocess.run(nginx_command(run, conf, test=True), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    replicas = replicas_for(paths, model, ports, run)
    nginx = None
    try:
        for r in replicas:
            r.start()
        for r in replicas:
            wait_ready(f"http://127.0.0.1:{r.port}", r.process, "/health", seconds=30, log=r.log)
        with (run / "nginx.log").open("w") as log:
            nginx = subprocess.Popen(nginx_command(run, conf), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, nginx, "/health", seconds=10, log=run / "nginx.log")
        yield base, replicas
    finally:
        if nginx and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=15)
        for r in replicas:
            r.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    paths = copy_project(tmp_path_factory.mktemp("replicas"))
    report, release = publish(paths)
    assert report.valid, report.to_text()
    return paths


def load(base: str, paths_and_seconds: list[str], seconds: float, clients: int = 4) -> list[tuple[str, int, str]]:
    """Requests from `clients` threads, each cycling through the paths for `seconds` (bounded): every
    answer as (path, status, release of its X-Remacto-Release or /health body)."""
    deadline = time.monotonic() + seconds

    def client(n: int):
        answers = []
        with httpx.Client(base_url=base, timeout=10) as http:
            i = 0
            while time.monotonic() < deadline and i < 2000:
                path = paths_and_seconds[i % len(paths_and_seconds)].format(i=f"{n}-{i}")
                try:
                    r = http.get(path)
                    answers.append((path, r.status_code, r.json().get("release", "") if path == "/health" else ""))
                except httpx.HTTPError as exc:
                    answers.append((path, 0, f"{type(exc).__name__}: {exc} at {i} {time.monotonic() - deadline + seconds:.2f}s"))
                i += 1
        return answers

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return [a for answers in pool.map(client, range(clients)) for a in answers]


def children(pid: int) -> list[int]:
    return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]


def answered(replica) -> int:
    """Requests a replica has answered, from its access log (gunicorn's, one line a request)."""
    return sum(1 for line in replica.log.read_text(encoding="utf-8", errors="replace").splitlines() if '"GET /' in line)


# A page computed by a replica on each request (a new query string: no cache holds it), and /health.
PAGES = ["/remacto/collectivities.json?_shape=array&_size=5&_n={i}", "/health"]


def test_a_replica_killed_under_load_costs_no_request_and_rejoins_when_restarted(project, model, tmp_path):
    with proxied(project, model, tmp_path) as (base, replicas):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(load, base, PAGES, 6.0)
            time.sleep(2)
            workers = children(replicas[0].process.pid)
            replicas[0].process.send_signal(signal.SIGKILL)
            answers = running.result()
        failed = [a for a in answers if a[1] != 200]
        assert (len(answers) > 50, failed) == (True, [])
        # The killed replica's gunicorn worker died with it (no orphan left answering on its port).
        assert (len(workers), [w for w in workers if Path(f"/proc/{w}").exists()]) == (1, [])

        replicas[0].start()
        wait_ready(f"http://127.0.0.1:{replicas[0].port}", replicas[0].process, "/health", seconds=30, log=replicas[0].log)
        served_before = answered(replicas[0])
        rejoined = load(base, PAGES, 4.0, clients=2)  # beyond fail_timeout (2 s): nginx tries it again
        assert (answered(replicas[0]) > served_before, [a for a in rejoined if a[1] != 200]) == (True, [])
        replicas[1].process.send_signal(signal.SIGKILL)  # only the restarted one is left to answer
        after = load(base, PAGES, 3.0, clients=2)
        assert (len(after) > 10, [a for a in after if a[1] != 200]) == (True, [])


def test_a_publish_switches_every_replica_and_no_answer_mixes_releases(project, model, tmp_path):
    old = project.published.resolve().name
    with proxied(project, model, tmp_path) as (base, replicas):
        before = {httpx.get(f"http://127.0.0.1:{r.port}/health").json()["release"] for r in replicas}
        edit_source_ref(project, "replicas")
        report, release = publish(project)
        assert report.valid and release.changed
        answers = load(base, ["/health"], 2.0, clients=2)
        after = {httpx.get(f"http://127.0.0.1:{r.port}/health").json()["release"] for r in replicas}
        assert (before, after, {a[2] for a in answers}) == ({old}, {release.id}, {release.id})


def test_nginx_answers_carry_the_security_headers_and_hsts_and_are_compressed_once(project, model, tmp_path):
    with proxied(project, model, tmp_path) as (base, _):
        for path in ["/", "/remacto/collectivities.json", "/release/datapackage.json", "/assets/portal.css", "/nope"]:
            r = httpx.get(base + path, headers={"Accept-Encoding": "gzip"})
            seen = {name: r.headers.get(name) for name in SECURITY_HEADERS}
            assert (path, seen, r.headers.get("strict-transport-security", "")[:16]) == (path, SECURITY_HEADERS, "max-age=63072000")
            assert r.headers.get("content-security-policy").count("default-src") == 1  # one copy, not the replica's too
        release_id = project.published.resolve().name
        by_id = httpx.get(f"{base}/release/{release_id}/datapackage.json")
        current = httpx.get(f"{base}/release/datapackage.json")
        assert (by_id.headers["cache-control"], current.headers["cache-control"], by_id.content) == (
            "public, max-age=31536000, immutable",
            "public, max-age=60",
            current.content,
        )
        assert httpx.get(f"{base}/release/0123456789abcdef/datapackage.json").status_code == 404
        page = httpx.get(base + "/remacto/collectivities?_lang=en", headers={"Accept-Encoding": "gzip"})
        assert (page.status_code, page.headers["content-encoding"], "<html" in page.text) == (200, "gzip", True)


def test_the_sql_endpoint_is_rate_limited_at_the_proxy(project, model, tmp_path):
    with proxied(project, model, tmp_path) as (base, _):
        with httpx.Client(base_url=base, timeout=10) as http:
            statuses = [http.get(f"/remacto.json?sql=select+{i}").status_code for i in range(30)]
    assert (statuses[:5], 429 in statuses) == ([200] * 5, True)


def test_nginx_serves_the_content_addressed_assets_a_year_immutable_from_its_cache(project, model, tmp_path):
    with proxied(project, model, tmp_path) as (base, _):
        linked = sorted({url for path in ("/", "/remacto/collectivities", "/-/map") for url in linked_files(httpx.get(base + path).text)})
        assert [re.sub(r"-[0-9a-f]{7}\.", ".", u) for u in linked] == ["/-/static/app.css", "/assets/close-menus.js", "/assets/portal.css"]
        for url in linked:
            first, again = httpx.get(base + url), httpx.get(base + url)
            seen = {name: again.headers.get(name) for name in SECURITY_HEADERS}
            assert (url, first.status_code, again.headers["cache-control"], again.headers["x-remacto-proxy-cache"], seen) == (
                url,
                200,
                IMMUTABLE,
                "HIT",
                SECURITY_HEADERS,
            )
            assert again.content == httpx.get(base + re.sub(r"-[0-9a-f]{7}\.", ".", url)).content
        stale = httpx.get(base + "/assets/portal-0000000.css")
        assert (stale.status_code, stale.headers["location"]) == (302, next(u for u in linked if "portal-" in u))
        assert httpx.get(base + "/assets/portal.css").headers["cache-control"] == "public, max-age=60"
