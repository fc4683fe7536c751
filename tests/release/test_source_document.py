"""The source document every row was read from ships in the release and opens from the portal."""

import hashlib
import html
import json

import httpx
import pytest

from pipeline.settings import ROOT
from pipeline.release.publish import PublishError, publish
from tests.helpers import raw_rows

DOCUMENT = "000_e4906bd25129e705.txt"


def test_the_release_ships_the_source_document_byte_for_byte_and_lists_it(released):
    paths, _ = released
    shipped = paths.published / "documents" / DOCUMENT
    assert shipped.read_bytes() == (ROOT / "raw" / "documents" / DOCUMENT).read_bytes()
    package = json.loads((paths.published / "datapackage.json").read_text(encoding="utf-8"))
    listed = [(s["id"], s.get("path"), s.get("sha256")) for s in package["sources"] if s.get("path")]
    assert listed == [("concept-note-tta-2025", f"documents/{DOCUMENT}", hashlib.sha256(shipped.read_bytes()).hexdigest())]
    sums = (paths.published / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"{hashlib.sha256(shipped.read_bytes()).hexdigest()}  documents/{DOCUMENT}\n" in sums


def test_every_page_footer_links_the_source_document_in_its_language(portal):
    for lang, label in (("ar", "الوثيقة المصدر"), ("fr", "Document source"), ("en", "Source document")):
        page = html.unescape(httpx.get(portal + "/remacto/collectivities", params={"_lang": lang}, timeout=10).text)
        assert f'<a class="source-document" href="/-/documents/{DOCUMENT}">{label}</a>' in page, lang


def test_the_linked_document_opens_as_utf8_text_identical_to_the_source(portal):
    response = httpx.get(f"{portal}/-/documents/{DOCUMENT}", timeout=10)
    assert (response.status_code, response.headers["content-type"]) == (200, "text/plain; charset=utf-8")
    assert response.content == (ROOT / "raw" / "documents" / DOCUMENT).read_bytes()
    assert httpx.get(f"{portal}/-/documents/..%2Fremacto.db", timeout=10).status_code == 404


def test_a_document_that_is_not_the_one_checksummed_is_refused_and_the_release_stands(project):
    report, first = publish(project)
    assert report.valid and first is not None
    (project.raw / "documents" / DOCUMENT).write_text("another text\n", encoding="utf-8")
    row = next(n for n, r in enumerate(raw_rows("sources"), start=2) if r[7] == DOCUMENT)
    with pytest.raises(PublishError) as refused:
        publish(project)
    assert str(refused.value).startswith(
        f"raw/sources.csv row {row}, column file_name: raw/documents/{DOCUMENT} is not the document whose sha256"
    )
    assert project.published.resolve() == first.path


def test_a_missing_source_document_is_refused_by_name(project):
    (project.raw / "documents" / DOCUMENT).unlink()
    with pytest.raises(PublishError, match=f"column file_name: raw/documents/{DOCUMENT} is missing; add the document there"):
        publish(project)
    assert not project.published.exists()
