"""The documentation keeps up with the code (as Datasette and sqlite-utils test theirs): every make
target, `python -m pipeline` subcommand, REMACTO_* environment variable and validation problem code is
named in README.md or docs/; the README stays short; local links lead somewhere; the figures of
docs/national-scale.md are written by `make bench` between markers that are there."""

import re
import subprocess
import sys
import unicodedata

import pytest

from pipeline.model.problems import REGISTRY
from pipeline.settings import ROOT
from pipeline.tools import bench

DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Folders that are not the project: environments, generated releases and outputs.
NOT_PROJECT = {".git", ".venv", "node_modules", "build", "releases", "published", "__pycache__", ".pytest_cache"}


def documentation() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in DOC_FILES)


def in_code_span(name: str, text: str) -> bool:
    """Named in `code` (a command, a file, a variable), not merely a word of a sentence."""
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(name)}(?![\w-])[^`\n]*`", text) is not None


def make_targets() -> list[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = [t for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.M) for t in line.split()]
    return [t for t in phony if re.search(rf"^{re.escape(t)}:", makefile, re.M)]


def cli_subcommands() -> list[str]:
    usage = subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return re.search(r"\{([a-z,-]+)\}", usage).group(1).split(",")


def environment_variables() -> set[str]:
    return {
        name for path in (ROOT / "pipeline").rglob("*.py") for name in re.findall(r"REMACTO_[A-Z0-9_]+", path.read_text(encoding="utf-8"))
    }


def problem_codes() -> set[str]:
    """Every code of the problem registry (pipeline/model/problems.py)."""
    return set(REGISTRY)


def test_the_collectors_find_what_the_code_has():
    """Each collector finds names known to be there, so an empty list cannot pass for a documented one."""
    assert {"serve", "test", "publish", "bench", "lock"} <= set(make_targets())
    assert {"validate", "publish", "serve", "pb-import"} <= set(cli_subcommands())
    assert {"REMACTO_TIMINGS", "REMACTO_PORTAL_WORKERS"} <= environment_variables()
    assert {"encoding-error", "formula-injection", "foreign-key", "import-error", "cell-too-long"} <= problem_codes()


@pytest.mark.parametrize(
    "kind, names",
    [
        ("make target", [f"make {t}" for t in make_targets()]),
        ("subcommand of python -m pipeline", cli_subcommands()),
        ("environment variable", sorted(environment_variables())),
        ("problem code", sorted(problem_codes())),
    ],
)
def test_every_make_target_subcommand_variable_and_problem_code_is_documented(kind, names):
    text = documentation()
    assert [name for name in names if not in_code_span(name, text)] == [], f"undocumented {kind}s"


def test_the_readme_is_read_in_five_minutes():
    assert (ROOT / "README.md").stat().st_size <= 12 * 1024


def github_anchor(heading: str) -> str:
    text = heading.strip().lower().replace("`", "")
    return re.sub(r" ", "-", "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN"))


def test_every_local_link_of_the_documentation_leads_somewhere():
    broken = []
    for doc in DOC_FILES:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append((doc.name, target))
            elif anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", file.read_text(encoding="utf-8"), re.M)
                if anchor not in {github_anchor(h) for h in headings}:
                    broken.append((doc.name, target))
    assert broken == []


def test_the_national_scale_page_has_the_markers_make_bench_writes_between():
    text = bench.DOCS.read_text(encoding="utf-8")
    for name in ("bench", "portalbench"):
        assert text.count(f"<!-- {name}:start -->") == 1 and text.count(f"<!-- {name}:end -->") == 1, name
        assert text.index(f"<!-- {name}:start -->") < text.index(f"<!-- {name}:end -->"), name


def test_make_bench_replaces_only_what_is_between_its_markers(tmp_path):
    page = tmp_path / "national-scale.md"
    page.write_text(
        "intro\n<!-- bench:start -->\nold figures\n<!-- bench:end -->\nafter\n"
        "<!-- portalbench:start -->\nold portal\n<!-- portalbench:end -->\n",
        encoding="utf-8",
    )
    bench.write_docs({"bench": "| size | step |\n|---|---|"}, "Measured now.", page)
    assert page.read_text(encoding="utf-8") == (
        "intro\n<!-- bench:start -->\nMeasured now.\n\n| size | step |\n|---|---|\n<!-- bench:end -->\nafter\n"
        "<!-- portalbench:start -->\nold portal\n<!-- portalbench:end -->\n"
    )
    page.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="the markers <!-- bench:start --> and <!-- bench:end --> are missing"):
        bench.write_docs({"bench": "x"}, "Measured now.", page)


def test_no_file_of_the_project_refers_to_a_folder_beside_the_repository():
    beside = "../" + "shared"
    referring = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*")
        if path.is_file() and not NOT_PROJECT & set(path.relative_to(ROOT).parts) and beside.encode() in path.read_bytes()
    ]
    assert referring == []


def test_every_module_the_documentation_names_exists():
    """A path `pipeline/….py` or a module `python -m pipeline.…` named in the README or docs/ is in the
    tree, so the docs follow when a module moves."""
    text = documentation()
    paths = set(re.findall(r"\bpipeline/[\w/]+\.py\b", text))
    modules = set(re.findall(r"python -m (pipeline(?:\.\w+)+)", text))
    assert paths and modules
    missing = sorted(p for p in paths if not (ROOT / p).is_file())
    missing += sorted(
        m
        for m in modules
        if not (ROOT / (m.replace(".", "/") + ".py")).is_file() and not (ROOT / m.replace(".", "/") / "__main__.py").is_file()
    )
    assert missing == []
