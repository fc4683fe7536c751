"""The YAML files of metadata/ are parsed into typed objects (pipeline/model/config.py): a key
misspelt or missing stops every command at once, naming the file and the key."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from pipeline.model import ModelError, load_model
from pipeline.model.config import PortalConfig, ReleaseMeta, Rule
from tests.helpers import DATA


def _load(project):
    return load_model(project.schemas, project.metadata)


def test_the_metadata_files_parse_into_typed_objects(project):
    model = _load(project)
    assert isinstance(model.portal, PortalConfig) and isinstance(model.release, ReleaseMeta)
    assert all(isinstance(r, Rule) for r in model.rules) and model.rules
    rule = next(r for r in model.rules if r.id == "network-has-228-members")
    assert (rule.file, rule.field, rule.actual, rule.expected, rule.violations) == (
        "raw/network_composition.csv",
        "members",
        "SELECT SUM(members) FROM network_composition",
        228,
        None,
    )


@pytest.mark.parametrize(
    "fixture, message",
    [
        (
            "rules-misspelt-key.yaml",
            "metadata/rules.yaml rule 1: unknown key 'feild' "
            "(the keys here are: id, description, file, field, actual, expected, violations)",
        ),
        ("rules-without-description.yaml", "metadata/rules.yaml rule 1: missing key 'description'"),
        ("rules-actual-without-expected.yaml", "metadata/rules.yaml rule 1: give either `violations`, or `actual` and `expected`"),
    ],
)
def test_a_defective_rules_file_is_refused_naming_file_and_key(project, fixture, message):
    shutil.copy(DATA / fixture, project.metadata / "rules.yaml")
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == message


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_unknown_portal_key_is_refused(project):
    _edit(project.metadata / "portal.yaml", lambda d: d.update(wokers=4))
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == (
        "metadata/portal.yaml: unknown key 'wokers' (the keys here are: host, port, workers, settings, response_cache, queries, ui)"
    )


def test_a_misspelt_response_cache_limit_is_refused(project):
    _edit(project.metadata / "portal.yaml", lambda d: d["response_cache"].update(max_entry_kib=10))
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == (
        "metadata/portal.yaml response_cache: unknown key 'max_entry_kib' (the keys here are: max_mb, max_entry_kb)"
    )


def test_a_canned_query_without_sql_is_refused(project):
    _edit(project.metadata / "portal.yaml", lambda d: d["queries"]["members_by_province"].pop("sql"))
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == "metadata/portal.yaml query members_by_province: missing key 'sql'"


def test_a_release_file_without_base_url_is_refused(project):
    _edit(project.metadata / "release.yaml", lambda d: d.pop("base_url"))
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == "metadata/release.yaml: missing key 'base_url'"


def test_an_unknown_dataset_key_in_the_package_is_refused(project):
    _edit(project.metadata / "package.yaml", lambda d: d["datasets"]["network"].update(temporel={"start": "2022"}))
    with pytest.raises(ModelError) as caught:
        _load(project)
    assert str(caught.value) == (
        "metadata/package.yaml dataset network: unknown key 'temporel' "
        "(the keys here are: title, description, temporal, spatial_territories)"
    )


def test_the_command_line_stops_with_the_file_and_key_and_exit_status_2(project):
    shutil.copy(DATA / "rules-misspelt-key.yaml", project.metadata / "rules.yaml")
    result = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(project.root), "validate"], capture_output=True, text=True)
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "Schema or metadata error: metadata/rules.yaml rule 1: unknown key 'feild' "
        "(the keys here are: id, description, file, field, actual, expected, violations)",
    )
    assert not (project.root / "published").exists()
