"""The release's catalogs: DCAT-AP 3.0 (validated offline against the official SHACL shapes),
CKAN (mapped by frictionless-ckan-mapper, round-tripped), schema.org and citations, of a release
published with its public address set (metadata/release.yaml base_url). Without one (the default):
tests/release/test_public_address.py."""

import asyncio
import hashlib
import json
import os
import subprocess
import sys

import httpx
import pyshacl
import pytest
import rdflib
import yaml
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF

from pipeline.release.catalogs import ckan
from pipeline.release.catalogs.context import context
from pipeline.settings import ROOT, Paths
from pipeline.release.catalogs.dcat import SPDX
from pipeline.release.versions import release_info
from pipeline.model import load_model
from pipeline.release.publish import publish
from tests.helpers import copy_project, serving

_RELEASE = yaml.safe_load((ROOT / "metadata" / "release.yaml").read_text(encoding="utf-8"))
VERSION, RELEASE_DATE = str(_RELEASE["version"]), str(_RELEASE["release_date"])

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")  # open namespace: DCAT 3 terms too
SHAPES = ROOT / "tests" / "standards" / "dcat-ap-3.0.0-SHACL.ttl"  # CC BY 4.0, see its README
DATASETS = ("network", "events", "participatory_budget", "reference")
PUBLIC_ADDRESS = "https://data.example.org/remacto"  # RFC 2606's domain for examples: a test's, never a release's


def with_public_address(root, address: str = PUBLIC_ADDRESS):
    """The project copied to `root` with metadata/release.yaml's base_url set to `address`."""
    paths = copy_project(root)
    release_yaml = paths.metadata / "release.yaml"
    release_yaml.write_text(release_yaml.read_text(encoding="utf-8").replace("\nbase_url:", f"\nbase_url: {address}  #"), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The real raw/ published once with a public address."""
    paths = with_public_address(tmp_path_factory.mktemp("public"))
    report, release = publish(paths)
    assert report.valid, report.to_text()
    return paths, release


@pytest.fixture(scope="module")
def model(released):
    paths, _ = released
    return load_model(paths.schemas, paths.metadata)


@pytest.fixture(scope="module")
def portal(released, model):
    paths, release = released
    with serving(release.path, model, paths.root / "datasette.log") as base:
        yield base


@pytest.fixture(scope="module")
def shapes():
    return rdflib.Graph().parse(SHAPES, format="turtle")


@pytest.fixture(scope="module")
def dcat_graph(released):
    paths, _ = released
    return rdflib.Graph().parse(paths.published / "dcat.ttl", format="turtle")


def checksums(paths) -> dict:
    return dict(reversed(line.split("  ", 1)) for line in (paths.published / "SHA256SUMS").read_text().splitlines())


def test_dcat_conforms_to_the_official_dcat_ap_3_shapes(dcat_graph, shapes):
    conforms, _, text = pyshacl.validate(dcat_graph, shacl_graph=shapes, inference="rdfs")
    assert conforms, text


def test_the_shapes_catch_a_catalog_without_publisher(dcat_graph, shapes):
    broken = rdflib.Graph()
    for triple in dcat_graph:
        broken.add(triple)
    broken.remove((None, DCTERMS.publisher, None))
    conforms, _, text = pyshacl.validate(broken, shacl_graph=shapes, inference="rdfs")
    assert not conforms and "publisher" in text


def test_dcat_jsonld_and_turtle_hold_the_same_graph(released, dcat_graph):
    paths, _ = released
    jsonld = rdflib.Graph().parse(paths.published / "dcat.jsonld", format="json-ld")
    assert isomorphic(jsonld, dcat_graph)


def test_dcat_datasets_languages_and_checksums_come_from_the_release(released, dcat_graph, model):
    paths, _ = released
    catalog = next(dcat_graph.subjects(RDF.type, DCAT.Catalog))
    datasets = set(dcat_graph.objects(catalog, DCAT.dataset))
    assert len(datasets) == len(DATASETS)
    sums = checksums(paths)
    files_seen = set()
    for ds in datasets:
        titles = {t.language: str(t) for t in dcat_graph.objects(ds, DCTERMS.title)}
        key = str(ds).rsplit("/", 1)[1].split("#")[0]
        assert titles == {lang: model.package["datasets"][key]["title"][lang] for lang in ("ar", "fr", "en")}
        assert {t.language for t in dcat_graph.objects(ds, DCTERMS.description)} == {"ar", "fr", "en"}
        assert str(next(dcat_graph.objects(ds, DCAT.version))) == VERSION
        assert next(dcat_graph.objects(ds, DCTERMS.temporal), None) is not None
        for dist in dcat_graph.objects(ds, DCAT.distribution):
            url = str(next(dcat_graph.objects(dist, DCAT.downloadURL)))
            rel = url.split(f"/release/{paths.published.resolve().name}/", 1)[1]
            checksum = next(dcat_graph.objects(dist, SPDX.checksum))
            assert str(next(dcat_graph.objects(checksum, SPDX.checksumValue))) == sums[rel], rel
            files_seen.add(rel)
    tables = {t.name for t in model.tables.values()}
    expected = {f"{fmt}/{t}.{fmt}" for t in tables for fmt in ("csv", "json", "parquet")} | {"remacto.db"}
    assert files_seen == expected
    assert str(next(dcat_graph.objects(next(dcat_graph.objects(catalog, DCTERMS.publisher)), FOAF.name))) != ""


def test_catalogs_are_the_same_bytes_under_another_hash_seed(released, tmp_path):
    """rdflib iterates sets: a new interpreter with another hash seed must still write the same files."""
    paths, release = released
    again = with_public_address(tmp_path)
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(again.root), "publish"], check=True, capture_output=True, env=env, cwd=ROOT
    )
    for name in ("dcat.ttl", "dcat.jsonld", "schema-org.json", "ckan/events.json", "CITATION.cff"):
        assert (again.published / name).read_bytes() == (paths.published / name).read_bytes(), name


def test_ckan_package_is_the_mappers_output_with_odbl_and_round_trips(released, model):
    from frictionless_ckan_mapper import ckan_to_frictionless

    paths, _ = released
    ctx = context(model, paths.published)
    sums = checksums(paths)
    for key in DATASETS:
        shown = json.loads((paths.published / "ckan" / f"{key}.json").read_text(encoding="utf-8"))
        assert shown == ckan.package_show(ctx, paths.published.resolve(), key)
        assert shown["license_id"] == "odc-odbl"
        assert shown["name"] == ckan.ckan_name("remacto-open-data", key) and shown["version"] == VERSION
        assert {t["name"] for t in shown["tags"]} == set(model.package["keywords"])
        for res in shown["resources"]:
            assert res["hash"] == sums[res["url"].split(f"/release/{paths.published.resolve().name}/", 1)[1]]
        original = ckan.data_package(ctx, paths.published.resolve(), key)
        back = ckan_to_frictionless.dataset(shown)
        for field in ("name", "title", "description", "homepage", "version", "keywords", "contributors", "release_date", "languages"):
            assert back[field] == original[field], field
        assert back["licenses"][0]["name"] == "odc-odbl"
        assert [{k: r[k] for k in ("name", "path", "format", "mediatype", "bytes", "hash")} for r in back["resources"]] == [
            {k: r[k] for k in ("name", "path", "format", "mediatype", "bytes", "hash")} for r in original["resources"]
        ]


def test_citations_in_three_languages_name_title_publisher_version_date_and_url(released, model):
    paths, _ = released
    cites = json.loads((paths.published / "citation.json").read_text(encoding="utf-8"))
    publisher = model.package["publisher"]["name"]
    for key in DATASETS:
        for lang in ("ar", "fr", "en"):
            text = cites["datasets"][key][lang]
            for part in (
                publisher[lang],
                model.package["datasets"][key]["title"][lang],
                VERSION,
                RELEASE_DATE,
                f"{model.release.base_url}/datasets/{key}",
            ):
                assert part in text, (key, lang, part)
    cff = yaml.safe_load((paths.published / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["cff-version"], cff["type"], cff["version"], str(cff["date-released"])) == ("1.2.0", "dataset", VERSION, RELEASE_DATE)
    md = (paths.published / "CITATION.md").read_text(encoding="utf-8")
    assert cites["datasets"]["events"]["ar"] in md and '<p lang="ar" dir="rtl">' in md


def jsonld_blocks(page: str) -> list[dict]:
    parts = page.split('<script type="application/ld+json">')[1:]
    return [json.loads(p.split("</script>", 1)[0]) for p in parts]


def test_dataset_pages_embed_schema_org_and_show_citations(portal, released):
    paths, _ = released
    schema_org = json.loads((paths.published / "schema-org.json").read_text(encoding="utf-8"))
    cites = json.loads((paths.published / "citation.json").read_text(encoding="utf-8"))
    for key in DATASETS:
        response = httpx.get(f"{portal}/datasets/{key}", timeout=10)
        assert response.status_code == 200, response.text[:500]
        blocks = jsonld_blocks(response.text)
        assert blocks == [schema_org["datasets"][key]]
        assert blocks[0]["@type"] == "Dataset" and blocks[0]["version"] == VERSION
        for lang in ("ar", "fr", "en"):
            assert f'lang="{lang}"' in response.text and cites["datasets"][key][lang] in response.text
    assert httpx.get(f"{portal}/datasets/no-such-dataset", timeout=10).status_code == 404


def test_release_files_and_changelog_are_served(portal, released):
    paths, _ = released
    for name in ("dcat.ttl", "dcat.jsonld", "ckan/network.json", "CITATION.cff", "csv/events.csv"):
        assert httpx.get(f"{portal}/release/{name}", timeout=10).content == (paths.published / name).read_bytes(), name
    for lang, first in (("ar", "الإصدار الأول."), ("fr", "Première version."), ("en", "First release.")):
        page = httpx.get(f"{portal}/changelog?_lang={lang}", timeout=10)
        assert page.status_code == 200 and first in page.text and VERSION in page.text, lang


def test_the_schema_org_partial_renders_the_dataset_of_a_table(released):
    """_schema_org.html with the plugin's template vars, rendered by a real Datasette as base.html will."""
    from datasette.app import Datasette
    from datasette.utils.asgi import Request

    paths, _ = released
    release = paths.published.resolve()
    ds = Datasette(
        [str(release / "remacto.db")],
        immutables=[],
        plugins_dir=str(Paths().portal / "plugins"),
        template_dir=str(Paths().portal / "templates"),
        metadata=json.loads((release / "portal" / "metadata.json").read_text(encoding="utf-8")),
    )
    schema_org = json.loads((release / "schema-org.json").read_text(encoding="utf-8"))

    async def render(table_or_template):
        await ds.invoke_startup()
        table = table_or_template if isinstance(table_or_template, str) else "collectivities"
        template = ["_schema_org.html"] if isinstance(table_or_template, str) else table_or_template
        request = Request.fake(f"/remacto/{table}")
        request.scope["csrftoken"] = lambda: ""  # what Datasette's CSRF middleware adds to a real request
        return await ds.render_template(template, {"table": table, "database": "remacto"}, request=request)

    for table, key in (("collectivities", "network"), ("event_sessions", "events"), ("projects", "participatory_budget")):
        assert jsonld_blocks(asyncio.run(render(table))) == [schema_org["datasets"][key]]
    # base.html and a page may both include the partial: the JSON-LD still appears once.
    twice = ds.jinja_env.from_string('{% include "_schema_org.html" %}{% include "_schema_org.html" %}')
    assert jsonld_blocks(asyncio.run(render(twice))) == [schema_org["datasets"]["network"]]


def catalog_file_addresses(paths) -> dict:
    """Every release file address the catalogs give: catalog -> sorted addresses."""
    published = paths.published
    dcat_graph = rdflib.Graph().parse(published / "dcat.ttl", format="turtle")
    schema_org = json.loads((published / "schema-org.json").read_text(encoding="utf-8"))
    return {
        "dcat": sorted(str(u) for u in dcat_graph.objects(None, DCAT.downloadURL)),
        "ckan": sorted(
            r["url"] for key in DATASETS for r in json.loads((published / "ckan" / f"{key}.json").read_text(encoding="utf-8"))["resources"]
        ),
        "schema.org": sorted(d["contentUrl"] for ds in schema_org["datasets"].values() for d in ds["distribution"]),
    }


def test_every_catalog_gives_each_file_at_its_permanent_address_under_the_release_id(released, model):
    paths, _ = released
    prefix = f"{release_info(model)['base_url']}/release/{paths.published.resolve().name}/"
    sums = checksums(paths)
    for catalog, urls in catalog_file_addresses(paths).items():
        assert urls and [u for u in urls if not u.startswith(prefix) or u[len(prefix) :] not in sums] == [], catalog


def test_the_release_id_is_the_digest_of_every_checksum_but_the_catalogs_which_cite_it_and_the_history(released):
    paths, _ = released
    lines = (paths.published / "SHA256SUMS").read_text(encoding="utf-8").splitlines(keepends=True)
    left_out = {
        "dcat.ttl",
        "dcat.jsonld",
        "schema-org.json",
        "CITATION.md",
        "CITATION.cff",
        "citation.json",
        "CHANGELOG.md",
        "changelog.json",
    }
    kept = [line for line in lines if line.split("  ", 1)[1].strip() not in left_out and not line.split("  ", 1)[1].startswith("ckan/")]
    assert len(lines) - len(kept) == len(left_out) + len(DATASETS)
    assert paths.published.resolve().name == hashlib.sha256("".join(kept).encode("utf-8")).hexdigest()[:16]


def test_the_catalogs_file_addresses_answer_with_the_release_files(portal, released):
    paths, _ = released
    served = {u.split("/release/", 1)[1] for urls in catalog_file_addresses(paths).values() for u in urls}
    assert f"{paths.published.resolve().name}/remacto.db" in served
    for rel in sorted(served):
        response = httpx.get(f"{portal}/release/{rel}", timeout=10)
        assert (response.status_code, response.headers["cache-control"]) == (200, "public, max-age=31536000, immutable"), rel
        assert response.content == (paths.published / rel.split("/", 1)[1]).read_bytes(), rel
