"""A page for each member (/-/member/<id>) on the real release, served by a real Datasette: its name as the
title, kind, province, HCP code and population with their source, how it was linked to HCP (or the note
saying it was not), its PB initiative and the sessions naming it, its place on a small map; clean
under axe in the three languages at phone and desk width."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from tests.portal.browser_audit import LANGS, WIDTHS, look

MEMBERS = [f"tta-{n:03d}" for n in range(1, 30)]


def member(portal, key: str, lang: str, status: int = 200) -> str:
    response = httpx.get(f"{portal}/-/member/{key}", params={"_lang": lang}, timeout=20)
    assert response.status_code == status, (key, response.status_code)
    return unescape(response.text)


def text_of(html: str, css_class: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(rf'class="{css_class}"[^>]*>(.*?)</(?:dd|bdi|span)>', html, re.S).group(1)).strip()


def test_every_member_has_a_page_titled_by_its_arabic_name(portal):
    names = {
        r["collectivity_id"]: r["name_ar"]
        for r in httpx.get(f"{portal}/remacto/collectivities.json", params={"_shape": "array", "_size": "max"}, timeout=20).json()
    }
    assert sorted(names) == MEMBERS
    titles = {key: re.search(r"<h1>(.*?)</h1>", member(portal, key, "ar")).group(1) for key in MEMBERS}
    assert titles == names


def test_a_commune_page_shows_its_province_hcp_code_and_population_with_the_change(portal):
    html = member(portal, "tta-016", "fr")
    assert text_of(html, "hcp-code") == "01.571.01.11"
    assert text_of(html, "population-2024") == "422\u202f757" and text_of(html, "population-2014") == "380\u202f787"
    assert text_of(html, "population-change") == "+11,0\u00a0%"
    assert "Haut-Commissariat au Plan" in html and html.count('<details class="fact-source">') >= 3
    # Its initiative, and the workshop that presents it, by name.
    assert 'data-initiative="pb-tta-016"' in html and 'href="/-/meeting/tta-regional-meeting-2025"' in html
    assert "ورشة 1" in html
    # Its place on the small map: its own commune marked, nothing else linked.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="commune member here"') == 1 and "<a " not in svg


def test_the_commune_matching_no_hcp_commune_says_so_and_is_not_corrected(portal):
    html = member(portal, "tta-011", "ar")
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == "جماعة عيادة"
    assert 'class="hcp-code"' not in html and 'class="population-2024"' not in html
    match = re.sub(r"<[^>]+>", "", re.search(r'class="hcp-match">(.*?)</dd>', html, re.S).group(1))
    assert "unmatched" not in match and "لا يطابق «عيادة» أي جماعة" in match  # words, and the note a reader needs
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="territory here"' in svg  # shown by the province the source names


def test_a_provincial_council_shows_its_province_and_the_member_communes_in_it(portal):
    html = member(portal, "tta-008", "ar")
    assert text_of(html, "hcp-code") == "01.331"
    inside = re.findall(r'<li><a href="/-/member/(tta-\d+)">', html[html.index('class="territory-members"') :])
    assert inside == ["tta-009", "tta-010", "tta-011", "tta-012", "tta-013", "tta-014"]


def test_the_region_council_shows_the_region_and_every_member_commune(portal):
    html = member(portal, "tta-001", "en")
    assert text_of(html, "hcp-code") == "01"
    assert len(re.findall(r'<li><a href="/-/member/', html[html.index('class="territory-members"') :])) == 24


def test_an_unknown_member_is_a_page_that_says_so(portal):
    assert "No member has this identifier" in member(portal, "tta-999", "en", status=404)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("key", ["tta-016", "tta-011", "tta-008", "tta-001"])
def test_member_pages_have_no_axe_violation_and_no_sideways_scroll(portal, browser, key, lang, width):
    violations, overflow, _ = look(browser, f"{portal}/-/member/{key}?_lang={lang}", width, shot=f"member-{key}-{lang}-{width}")
    assert (violations, overflow) == ([], 0)
