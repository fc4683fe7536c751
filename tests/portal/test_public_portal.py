"""The public portal: read-only in fact, nothing private on its pages, health and robots."""

import re
import socket
import subprocess

import httpx
import pytest

from pipeline.settings import ROOT

ATTACKS = {
    "write": "DELETE FROM sources",
    "insert": "INSERT INTO sources (source_id) VALUES ('x')",
    "attach": "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "attach in select": "SELECT * FROM pragma_database_list WHERE 1 AND (SELECT 1 FROM (ATTACH '/tmp/x' AS y))",
    "load_extension": "SELECT load_extension('/tmp/evil.so')",
    "pragma change": "PRAGMA writable_schema = 1",
    "recursive cte": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
    "cross join": "SELECT COUNT(*) FROM collectivities a, collectivities b, collectivities c, collectivities d, collectivities e, collectivities f",
    "huge blob": "SELECT length(zeroblob(1000000000))",
    "huge string": "SELECT length(hex(randomblob(100000000)))",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacks_are_refused_or_cut_and_the_server_answers_after(portal, name):
    response = httpx.get(portal + "/remacto.json", params={"sql": ATTACKS[name]}, timeout=30)
    assert response.status_code in (400, 403), (response.status_code, response.text[:300])
    assert response.json()["ok"] is False
    after = httpx.get(portal + "/remacto/sources.json", params={"_size": 0}, timeout=10)
    assert after.status_code == 200 and after.json()["filtered_table_rows_count"] >= 1


def test_the_time_limit_is_what_cut_the_runaway_query(portal):
    response = httpx.get(portal + "/remacto.json", params={"sql": ATTACKS["recursive cte"]}, timeout=30)
    assert "took too long" in response.text or "interrupted" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/-/databases.json",
        "/-/databases",
        "/-/versions.json",
        "/-/versions",
        "/-/threads.json",
        "/-/plugins.json",
        "/-/actor.json",
        "/-/messages",
    ],
)
def test_debug_pages_are_not_public(portal, path):
    assert httpx.get(portal + path, timeout=10).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/remacto",
        "/remacto/collectivities",
        "/remacto.json",
        "/-/metadata.json",
        "/-/settings.json",
        "/remacto/no_such_table",
        "/remacto.json?sql=select+nope",
        "/remacto/collectivities/no-such-row",
        "/remacto/regional_meeting_agenda",
    ],
)
def test_no_page_shows_a_file_path_or_host_detail(portal, released, path):
    paths, release = released
    text = httpx.get(portal + path, timeout=10).text
    for private in {str(ROOT), str(paths.root), str(release.path), socket.gethostname(), "/root/", "/home/", "site-packages"}:
        assert private not in text, (path, private)


def test_health_names_the_release_being_served(portal, released):
    _, release = released
    health = httpx.get(portal + "/health", timeout=10).json()
    assert health == {"status": "ok", "release": release.id, "tables": health["tables"]}
    assert health["tables"] >= 22


def test_robots_policy_keeps_crawlers_off_queries_and_exports(portal):
    robots = httpx.get(portal + "/robots.txt", timeout=10)
    assert robots.status_code == 200
    assert "Disallow: /*?sql=" in robots.text and "Disallow: /*.csv" in robots.text and "Allow: /" in robots.text
    lines = robots.text.splitlines()
    # The portal's reading pages are crawlable; search results and Datasette's own /-/ pages are not.
    assert {"Allow: /-/map", "Allow: /-/dictionary", "Allow: /-/pb", "Disallow: /-/"} <= set(lines)
    assert lines.index("Allow: /-/map") < lines.index("Disallow: /-/")


SECRET = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|(?i:password|secret|api[_-]?key|token)\s*[:=]\s*['\"][^'\"]{8,}")


@pytest.mark.parametrize("path", ["/", "/remacto/collectivities", "/-/map"])
def test_every_page_describes_itself_to_search_engines_in_its_language(portal, path):
    descriptions = {}
    for lang in ("ar", "fr", "en"):
        html = httpx.get(f"{portal}{path}?_lang={lang}", timeout=10).text
        descriptions[lang] = re.search(r'<meta name="description" content="([^"]*)">', html).group(1).strip()
    assert all(descriptions.values()) and len(set(descriptions.values())) == 3, descriptions


def test_no_secrets_in_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert files
    hits = [f for f in files if (ROOT / f).is_file() and SECRET.search((ROOT / f).read_text(encoding="utf-8", errors="ignore"))]
    assert hits == []
