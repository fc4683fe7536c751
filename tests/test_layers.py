"""The package layout as a checked contract: the layers and forbidden imports of pyproject.toml
([tool.importlinter]) hold, the portal's processes never load DuckDB, frictionless, checking or
building, no module reaches into another's private names, and no import leads back to itself."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import grimp

from pipeline.settings import ROOT

PLUGINS = ROOT / "pipeline" / "portal" / "plugins"


def test_the_import_contracts_of_pyproject_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout, result.stdout


def test_a_portal_process_loads_neither_duckdb_nor_frictionless_nor_checking_nor_building():
    """What a portal worker imports (its server, its command line and every plugin, loaded as
    Datasette loads them) leaves those out of sys.modules: import-linter cannot see the plugins,
    which are files Datasette loads by path, not modules of the package."""
    script = f"""
import glob, json, sys
from datasette.utils import module_from_path
import pipeline.portal.server, pipeline.portal.serve
for path in sorted(glob.glob({str(PLUGINS / "*.py")!r})):
    module_from_path(path, name=path.rsplit("/", 1)[1])
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] in ("duckdb", "frictionless") or m.startswith(("pipeline.check", "pipeline.build")))))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def _own_modules_bound(tree: ast.Module) -> set[str]:
    """Names a module binds to one of the project's modules (`from pipeline.check import fast`,
    `import pipeline.build as build`, `from tests import helpers`)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("pipeline", "tests"):
            bound |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            bound |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in ("pipeline", "tests")}
    return bound


def private_crossings(path: Path) -> list[tuple[str, int, str]]:
    """(file, line, name) of each private name of another of our modules that `path` uses: imported
    (`from pipeline.build import _typed`) or read through a module (`build._typed`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    shown = path.relative_to(ROOT).as_posix()
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            out += [(shown, node.lineno, a.name) for a in node.names if a.name.startswith("_")]
    modules = _own_modules_bound(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            out.append((shown, node.lineno, f"{node.value.id}.{node.attr}"))
    return out


def test_no_module_uses_a_private_name_of_another():
    files = sorted([*(ROOT / "pipeline").rglob("*.py"), *(p for p in (ROOT / "tests").rglob("*.py") if "data" not in p.parts)])
    assert [c for f in files for c in private_crossings(f)] == []


def test_a_private_name_read_through_another_module_is_caught():
    """The check above can fail: the two ways a private name crossed modules before the packages."""
    offender = ROOT / "tests" / "data" / "imports-a-private-name.py"
    assert private_crossings(offender) == [
        ("tests/data/imports-a-private-name.py", 3, "_typed"),
        ("tests/data/imports-a-private-name.py", 7, "conventions._pair_rules"),
    ]


def import_circles(package: str) -> list[tuple[str, str]]:
    """Each direct import (importer, imported) between modules of `package` from which a chain of
    imports leads back to the importer."""
    graph = grimp.build_graph(package, cache_dir=None)
    edges = [(a, b) for a in sorted(graph.modules) for b in sorted(graph.find_modules_directly_imported_by(a))]
    return [(a, b) for a, b in edges if graph.find_shortest_chain(importer=b, imported=a)]


def test_no_module_of_pipeline_is_in_an_import_circle():
    assert import_circles("pipeline") == []


def test_an_import_circle_is_found(tmp_path, monkeypatch):
    """The check above can fail: two modules that import each other, as validate and fastcheck did."""
    package = tmp_path / "circular_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "validate.py").write_text("from circular_probe import fast\n")
    (package / "fast.py").write_text("def check():\n    from circular_probe import validate\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_circles("circular_probe") == [
        ("circular_probe.fast", "circular_probe.validate"),
        ("circular_probe.validate", "circular_probe.fast"),
    ]
