"""The container files, linted offline (images cannot be pulled or built on these machines): the
Dockerfile passes hadolint and keeps its promises (a pinned base, a non-root user, a health check on
/health, the runtime lock only); the compose file is nginx before two read-only replicas, the
topology tests/portal/test_replicas.py runs without containers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.settings import ROOT

DEPLOY = ROOT / "deploy"
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run([HADOLINT, "--failure-threshold", "info", str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "")


def test_hadolint_finds_what_it_should_in_a_careless_dockerfile(tmp_path):
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install datasette\n", encoding="utf-8")
    found = set(re.findall(r"DL\d{4}", subprocess.run([HADOLINT, str(careless)], capture_output=True, text=True).stdout))
    assert {"DL3007", "DL3013"} <= found  # `latest`, unpinned pip install


def test_the_image_is_pinned_runs_as_a_user_and_checks_health():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["python:3.11.14-slim-bookworm"]
    assert re.findall(r"^USER (\S+)", text, re.M) == ["10001"]
    assert "/health" in re.search(r"^HEALTHCHECK .*(?:\n    .*)*", text, re.M).group(0)
    assert "--require-hashes" in text and "requirements/runtime.txt" in text


def test_compose_is_nginx_before_two_read_only_replicas_of_the_mounted_release():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert sorted(services) == ["nginx", "replica-1", "replica-2"]
    replicas = [services["replica-1"], services["replica-2"]]
    assert [r["environment"]["PORTAL_PORT"] for r in replicas] == ["8101", "8102"]
    assert [(r["read_only"], r["volumes"], r["build"]["dockerfile"]) for r in replicas] == [
        (True, ["..:/data:ro"], "deploy/Dockerfile")
    ] * 2
    nginx = services["nginx"]
    assert (nginx["read_only"], nginx["command"][4]) == (True, "/srv/remacto/deploy/nginx/nginx.conf")
    shipped = (DEPLOY / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"server (127\.0\.0\.1:\d+)", shipped) == ["127.0.0.1:8101", "127.0.0.1:8102"]
