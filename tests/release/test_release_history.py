"""A release cited by its version and followed by its readers: two releases published one after the
other, the older one still addressable by its version (files and whole zip), and the Atom feeds of
releases read by a real feed reader (PyPI feedparser)."""

import io
import re
import zipfile

import feedparser
import httpx
import pytest

from pipeline.model import load_model
from pipeline.release.publish import publish
from tests.helpers import copy_project, serving

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The real raw/ published as its version, then again as the next minor version."""
    paths = copy_project(tmp_path_factory.mktemp("history"))
    first = publish(paths)[1]
    release_yaml = paths.metadata / "release.yaml"
    text = release_yaml.read_text(encoding="utf-8")
    old = re.search(r"^version: (\S+)$", text, re.M).group(1)
    major, minor, _ = old.split(".")
    new = f"{major}.{int(minor) + 1}.0"
    release_yaml.write_text(
        text.replace(f"version: {old}", f"version: {new}").replace(re.search(r"^release_date: (\S+)$", text, re.M).group(1), "2027-01-15"),
        encoding="utf-8",
    )
    report, second = publish(paths)
    assert report.valid and first.path != second.path
    model = load_model(paths.schemas, paths.metadata)
    with serving(second.path, model, paths.root / "datasette.log", follow=paths.published) as base:
        yield base, paths, (old, first.path), (new, second.path)


def test_a_file_by_version_redirects_to_that_releases_permanent_address(history):
    base, paths, (old, old_path), (new, new_path) = history
    for version, folder in ((old, old_path), (new, new_path)):
        response = httpx.get(f"{base}/release/{version}/csv/collectivities.csv", timeout=30)
        assert (response.status_code, response.headers["location"]) == (301, f"/release/{folder.name}/csv/collectivities.csv")
        followed = httpx.get(f"{base}{response.headers['location']}", timeout=30)
        assert followed.content == (folder / "csv" / "collectivities.csv").read_bytes()
        assert followed.headers["cache-control"] == IMMUTABLE
    assert httpx.get(f"{base}/release/0.0.1/csv/collectivities.csv", timeout=30).status_code == 404


def test_each_release_has_its_own_immutable_zip_and_the_current_one_follows_published(history):
    base, paths, (old, old_path), (new, new_path) = history
    redirect = httpx.get(f"{base}/-/release/{old}.zip", timeout=30)
    assert (redirect.status_code, redirect.headers["location"]) == (301, f"/-/release/{old_path.name}.zip")
    archive = httpx.get(f"{base}/-/release/{old_path.name}.zip", timeout=60)
    assert archive.headers["cache-control"] == IMMUTABLE
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert f"remacto-{old_path.name}/SHA256SUMS" in names
    assert httpx.get(f"{base}/-/release/{old_path.name}.zip", timeout=60).content == archive.content
    current = httpx.get(f"{base}/-/release.zip", timeout=60)
    assert current.headers["cache-control"] == "public, max-age=60"
    assert f"remacto-{new_path.name}/SHA256SUMS" in zipfile.ZipFile(io.BytesIO(current.content)).namelist()


@pytest.mark.parametrize("path", ["/-/feed.atom", "/-/feed/network.atom"])
def test_the_atom_feeds_list_every_release_newest_first_for_a_feed_reader(history, path):
    base, paths, (old, old_path), (new, new_path) = history
    response = httpx.get(f"{base}{path}?_lang=en", timeout=30)
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title.rsplit(" ", 1)[1] for e in feed.entries] == [new, old]
    assert [e.updated[:10] for e in feed.entries] == ["2027-01-15", feed.entries[1].updated[:10]]
    assert feed.entries[1].summary == "First release."
    assert feed.entries[0].summary == "No change"
    links = [link.href for link in feed.entries[0].links]
    assert f"{base}/-/release/{new_path.name}.zip" in links
    if "network" in path:
        assert f"{base}/release/{new_path.name}/csv/collectivities.csv" in links
        assert f"{base}/release/{new_path.name}/csv/events.csv" not in links


def test_every_page_advertises_the_feeds_and_a_dataset_page_links_its_own(history):
    base, *_ = history
    home = httpx.get(f"{base}/?_lang=fr", timeout=30).text
    assert '<link rel="alternate" type="application/atom+xml"' in home and 'href="/-/feed.atom"' in home
    page = httpx.get(f"{base}/datasets/network?_lang=fr", timeout=30).text
    assert 'href="/-/feed/network.atom"' in page.split("</head>")[0] and 'class="feed" href="/-/feed/network.atom"' in page
    table = httpx.get(f"{base}/remacto/collectivities?_lang=fr", timeout=30).text
    assert 'href="/-/feed/network.atom"' in table.split("</head>")[0]
    for needle in ('href="/cite"', 'href="/changelog"'):
        assert needle in table.split("<footer")[1], needle
