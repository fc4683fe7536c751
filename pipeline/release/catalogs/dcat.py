"""DCAT-AP 3.0 catalog of a release (Turtle and JSON-LD): the catalog, one dataset per dataset
of metadata/package.yaml, a distribution per table and format with its SHA-256."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from pipeline.release.catalogs.context import TABLE_SCHEMA_SPEC, File, RelativeUrls, database_file, table_files, territories

SPDX = Namespace("http://spdx.org/rdf/terms#")
EU_LANG = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_FILETYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; not in rdflib's DCAT 2 namespace
LANG_CODES = {"ar": "ARA", "fr": "FRA", "en": "ENG"}
TURTLE = "dcat.ttl"
JSONLD = "dcat.jsonld"


def _texts(g: Graph, node, prop, texts: dict, langs) -> None:
    for lang in langs:
        g.add((node, prop, Literal(" ".join(texts[lang].split()), lang=lang)))


def _date(value: str) -> Literal:
    """A date as precise as the metadata gives it: year, year-month or day."""
    value = str(value)
    kind = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)]
    return Literal(value, datatype=kind)


def _distribution(g: Graph, ctx: dict, dist: URIRef, f: File, title: dict, access_url: str) -> None:
    urls = ctx["urls"]
    g.add((dist, RDF.type, DCAT.Distribution))
    _texts(g, dist, DCTERMS.title, title, ctx["langs"])
    g.add((dist, DCAT.accessURL, URIRef(access_url)))
    g.add((dist, DCAT.downloadURL, URIRef(urls.file(f.path))))
    g.add((dist, DCAT.mediaType, URIRef(IANA + f.mediatype)))
    g.add((URIRef(IANA + f.mediatype), RDF.type, DCTERMS.MediaType))
    if f.eu_filetype:
        g.add((dist, DCTERMS.format, EU_FILETYPE[f.eu_filetype]))
        g.add((EU_FILETYPE[f.eu_filetype], RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((dist, DCAT.byteSize, Literal(f.bytes, datatype=XSD.nonNegativeInteger)))
    g.add((dist, DCTERMS.license, URIRef(ctx["licence"]["path"])))
    checksum = URIRef(str(dist) + "-sha256")
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
    if f.format in ("CSV", "JSON", "Parquet", "XLSX"):
        g.add((dist, DCTERMS.conformsTo, URIRef(TABLE_SCHEMA_SPEC)))


def graph(ctx: dict, release: Path) -> Graph:
    """The release as DCAT-AP 3.0 RDF. Every node has an IRI (no blank nodes), so the
    serialisations are the same bytes on every run."""
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("skos", SKOS), ("spdx", SPDX)):
        g.bind(prefix, ns)
    info, pkg, langs = ctx["info"], ctx["package"], ctx["langs"]
    urls = ctx["urls"] if ctx["urls"].public else RelativeUrls(ctx["urls"].release_id)
    ctx = {**ctx, "urls": urls}
    catalog = URIRef(urls.portal + "#catalog")
    homepage = URIRef(urls.portal)
    if urls.public:
        g.add((homepage, RDF.type, FOAF.Document))
    publisher = URIRef(urls.portal + "#publisher")
    g.add((publisher, RDF.type, FOAF.Agent))
    _texts(g, publisher, FOAF.name, ctx["publisher"], langs)
    licence = URIRef(ctx["licence"]["path"])
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))
    g.add((licence, DCTERMS.title, Literal(ctx["licence"]["title"], lang="en")))
    country = EU_COUNTRY[pkg["country"]["code"]]
    g.add((country, RDF.type, DCTERMS.Location))
    _texts(g, country, SKOS.prefLabel, pkg["country"]["name"], langs)
    spec = URIRef(TABLE_SCHEMA_SPEC)
    g.add((spec, RDF.type, DCTERMS.Standard))
    g.add((spec, DCTERMS.title, Literal("Frictionless Table Schema", lang="en")))
    for lang in langs:
        g.add((EU_LANG[LANG_CODES[lang]], RDF.type, DCTERMS.LinguisticSystem))

    g.add((catalog, RDF.type, DCAT.Catalog))
    _texts(g, catalog, DCTERMS.title, pkg["title"], langs)
    _texts(g, catalog, DCTERMS.description, pkg["description"], langs)
    g.add((catalog, DCTERMS.publisher, publisher))
    if urls.public:
        g.add((catalog, FOAF.homepage, homepage))
    g.add((catalog, DCTERMS.license, licence))
    g.add((catalog, DCTERMS.modified, _date(info["release_date"])))
    g.add((catalog, DCAT_VERSION, Literal(info["version"])))
    g.add((catalog, DCTERMS.spatial, country))
    for lang in langs:
        g.add((catalog, DCTERMS.language, EU_LANG[LANG_CODES[lang]]))

    db = database_file(release)
    db_dist = URIRef(urls.file(db.path) + "#distribution")
    _distribution(
        g, ctx, db_dist, db, {lang: pkg["title"][lang] + " (SQLite)" for lang in langs}, urls.portal if urls.public else urls.file(db.path)
    )

    for key, tables in ctx["datasets"].items():
        meta = pkg["datasets"][key]
        ds = URIRef(urls.node(key, "dataset"))
        g.add((catalog, DCAT.dataset, ds))
        g.add((ds, RDF.type, DCAT.Dataset))
        _texts(g, ds, DCTERMS.title, meta["title"], langs)
        _texts(g, ds, DCTERMS.description, meta["description"], langs)
        g.add((ds, DCTERMS.identifier, Literal(f"{pkg['name']}/{key}")))
        g.add((ds, DCTERMS.publisher, publisher))
        if urls.public:
            g.add((ds, DCAT.landingPage, URIRef(urls.dataset(key))))
            g.add((URIRef(urls.dataset(key)), RDF.type, FOAF.Document))
        g.add((ds, DCTERMS.modified, _date(info["release_date"])))
        g.add((ds, DCAT_VERSION, Literal(info["version"])))
        g.add((ds, DCTERMS.conformsTo, spec))
        for lang in langs:
            g.add((ds, DCTERMS.language, EU_LANG[LANG_CODES[lang]]))
        for word in pkg["keywords"]:
            g.add((ds, DCAT.keyword, Literal(word, lang="ar") if re.search("[\u0600-\u06ff]", word) else Literal(word)))
        g.add((ds, DCTERMS.spatial, country))
        for t in territories(release, meta.get("spatial_territories") or []):
            place = URIRef(urls.place(t["territory_id"]))
            g.add((ds, DCTERMS.spatial, place))
            g.add((place, RDF.type, DCTERMS.Location))
            g.add((place, SKOS.prefLabel, Literal(t["name_ar"], lang="ar")))
            if t["name_latin"]:
                g.add((place, SKOS.prefLabel, Literal(t["name_latin"], lang="fr")))
        if meta.get("temporal"):
            period = URIRef(urls.node(key, "temporal"))
            g.add((ds, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            g.add((period, DCAT.startDate, _date(meta["temporal"]["start"])))
            g.add((period, DCAT.endDate, _date(meta["temporal"]["end"])))
        g.add((ds, DCAT.distribution, db_dist))
        for table in tables:
            for f in table_files(release, table.name):
                dist = URIRef(urls.node(key, f"{table.name}-{f.path.split('/')[0]}"))
                g.add((ds, DCAT.distribution, dist))
                title = {lang: f"{table.title[lang]} ({f.format})" for lang in langs}
                _distribution(g, ctx, dist, f, title, urls.table(table.name))
                _texts(g, dist, DCTERMS.description, table.description, langs)
    return g


def _sorted(value):
    """JSON-LD arrays are unordered sets: sort them so the file is the same bytes every run."""
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def write(ctx: dict, release: Path) -> Graph:
    g = graph(ctx, release)
    (release / TURTLE).write_text(g.serialize(format="turtle"), encoding="utf-8")
    doc = json.loads(g.serialize(format="json-ld"))
    (release / JSONLD).write_text(json.dumps(_sorted(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return g
