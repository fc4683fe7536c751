"""A release names no address it does not have: with metadata/release.yaml's base_url empty (the
default) nothing in it names a loopback or invented address, the catalogs still conform to DCAT-AP
3.0, and the citations say the release is not yet published at a public address. With the address
set, tests/release/test_catalogs.py."""

import json

import pyshacl
import pytest
import rdflib
from rdflib.compare import isomorphic
import yaml

from pipeline.model import ModelError, load_model
from pipeline.release.catalogs.citation import NOT_YET_PUBLIC
from pipeline.settings import ROOT
from pipeline.release.versions import release_info
from tests.helpers import copy_project

SHAPES = ROOT / "tests" / "standards" / "dcat-ap-3.0.0-SHACL.ttl"


def test_the_default_release_yaml_gives_no_public_address(model):
    assert release_info(model)["base_url"] is None


def test_no_file_of_a_default_release_names_a_loopback_address(released):
    paths, _ = released
    named = sorted(
        str(p.relative_to(paths.published))
        for p in paths.published.rglob("*")
        if p.is_file() and any(a in p.read_bytes() for a in (b"127.0.0.1", b"localhost", b"[::1]"))
    )
    assert named == []


def test_without_an_address_the_dcat_catalog_conforms_to_dcat_ap_3_with_addresses_relative_to_it(released):
    paths, _ = released
    graph = rdflib.Graph().parse(paths.published / "dcat.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=rdflib.Graph().parse(SHAPES, format="turtle"), inference="rdfs")
    assert conforms, text
    downloads = {str(o) for o in graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/dcat#downloadURL"))}
    folder = paths.published.absolute().as_uri()
    assert f"{folder}/csv/collectivities.csv" in downloads  # resolved beside the catalog, wherever it is read
    jsonld = rdflib.Graph().parse(
        paths.published / "dcat.jsonld", format="json-ld", publicID=(paths.published / "dcat.ttl").absolute().as_uri()
    )
    assert isomorphic(jsonld, graph)


def test_without_an_address_the_citations_say_the_release_is_not_yet_public(released):
    paths, _ = released
    cites = json.loads((paths.published / "citation.json").read_text(encoding="utf-8"))
    for texts in [cites["release"], *cites["datasets"].values()]:
        assert {lang: text.endswith(NOT_YET_PUBLIC[lang]) for lang, text in texts.items()} == {"ar": True, "fr": True, "en": True}
    cff = yaml.safe_load((paths.published / "CITATION.cff").read_text(encoding="utf-8"))
    assert "url" not in cff and cff["message"].endswith(NOT_YET_PUBLIC["en"])
    assert json.loads((paths.published / "release.json").read_text(encoding="utf-8"))["base_url"] is None


def test_without_an_address_schema_org_gives_paths_on_the_site_that_serves_it(released):
    paths, _ = released
    doc = json.loads((paths.published / "schema-org.json").read_text(encoding="utf-8"))
    urls = [d["contentUrl"] for ds in doc["datasets"].values() for d in ds["distribution"]]
    assert urls and all(u.startswith(f"/release/{paths.published.resolve().name}/") for u in urls)
    assert doc["datasets"]["network"]["url"] == "/datasets/network"


@pytest.mark.parametrize("address", ["http://127.0.0.1:8001", "http://localhost:8001", "ftp://example"])
def test_a_loopback_or_malformed_public_address_is_refused_with_what_to_do(tmp_path, address):
    paths = copy_project(tmp_path)
    release_yaml = paths.metadata / "release.yaml"
    release_yaml.write_text(release_yaml.read_text(encoding="utf-8").replace("\nbase_url:", f"\nbase_url: {address}  #"), encoding="utf-8")
    with pytest.raises(ModelError, match="base_url"):
        release_info(load_model(paths.schemas, paths.metadata))
