"""The systemd units (deploy/systemd/): `systemd-analyze verify` (Debian's systemd) finds nothing to say
about them, set to this checkout's folder as a sysadmin sets them to theirs; a replica runs the command
`make serve-prod` starts each replica with; both run unprivileged and hardened. systemd itself cannot
start them here (no systemd as PID 1 in these containers): tests/portal/test_replicas.py runs the same
topology without it."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess

from pipeline.portal.proxy import WORKERS_ENV
from pipeline.settings import ROOT

UNITS = ROOT / "deploy" / "systemd"
SHIPPED_ROOT = "/srv/remacto"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
HARDENING = {
    "ProtectSystem": "strict",
    "NoNewPrivileges": "yes",
    "ReadOnlyPaths": SHIPPED_ROOT,
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "CapabilityBoundingSet": "",
    "Restart": "on-failure",
    "User": "remacto",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text(encoding="utf-8"))
    return parser


def verify(folder, *names) -> subprocess.CompletedProcess:
    return subprocess.run([SYSTEMD_ANALYZE, "verify", *(str(folder / n) for n in names)], capture_output=True, text=True)


def test_systemd_analyze_verify_finds_nothing_in_the_units_set_to_this_checkout(tmp_path):
    names = sorted(p.name for p in UNITS.glob("*.service"))
    assert names == ["remacto-portal@.service", "remacto-proxy.service"]
    for name in names:
        (tmp_path / name).write_text((UNITS / name).read_text(encoding="utf-8").replace(SHIPPED_ROOT, str(ROOT)), encoding="utf-8")
    result = verify(tmp_path, *names)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_verify_reports_a_mistyped_key_and_a_missing_program(tmp_path):
    text = (UNITS / "remacto-portal@.service").read_text(encoding="utf-8")
    (tmp_path / "remacto-portal@.service").write_text(text.replace("NoNewPrivileges=", "NoNewPrivilege="), encoding="utf-8")
    said = verify(tmp_path, "remacto-portal@.service").stderr  # as shipped: /srv/remacto/.venv is not on this machine
    assert ("Unknown key 'NoNewPrivilege'" in said, "/srv/remacto/.venv/bin/python is not executable" in said) == (True, True)


def test_a_replica_runs_the_command_serve_prod_starts_each_replica_with():
    service = unit("remacto-portal@.service")["Service"]
    assert shlex.split(service["ExecStart"]) == [
        f"{SHIPPED_ROOT}/.venv/bin/python",
        "-m",
        "pipeline",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "%i",
    ]
    assert f"{WORKERS_ENV}=1" in shlex.split(service["Environment"])
    assert service["WorkingDirectory"] == SHIPPED_ROOT


def test_nginx_runs_the_shipped_configuration_checked_first():
    service = unit("remacto-proxy.service")["Service"]
    conf = f"{SHIPPED_ROOT}/deploy/nginx/nginx.conf"
    assert shlex.split(service["ExecStartPre"])[:2] == ["/usr/sbin/nginx", "-t"] and conf in service["ExecStartPre"]
    assert shlex.split(service["ExecStart"])[-2:] == ["-g", "daemon off;"] and conf in service["ExecStart"]


def test_both_units_run_unprivileged_read_only_and_restart_on_failure():
    for name in ("remacto-portal@.service", "remacto-proxy.service"):
        service = unit(name)["Service"]
        assert {key: service.get(key) for key in HARDENING} == HARDENING, name
