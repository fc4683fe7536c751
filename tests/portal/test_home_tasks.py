"""The home page starts with the tasks a citizen comes for (find your commune, the meeting, participatory
budgeting, the map, download the data, every table), all within the first two phone screens at
390 px; empty tables say they wait for data; and search finds communes, members or not, and what the
tables are about, in Arabic and French. On the real release, served by a real Datasette."""

from __future__ import annotations

import re
from html import unescape

import httpx

PHONE = {"width": 390, "height": 844}
TASKS = ["/-/search", "/-/meeting", "/-/pb", "/-/map", "/-/release.zip", "#datasets-heading"]


def search(portal, q: str, lang: str) -> str:
    response = httpx.get(f"{portal}/-/search", params={"q": q, "_lang": lang}, timeout=20)
    assert response.status_code == 200
    return unescape(response.text)


def test_the_task_links_come_first_and_lie_within_two_phone_screens(portal, browser):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{portal}/?_lang=ar")
        found = page.evaluate("""() => [...document.querySelectorAll('.home-tasks form, .home-tasks li > a')].map(
            e => [e.getAttribute('action') || e.getAttribute('href'), e.getBoundingClientRect().bottom + window.scrollY])""")
    finally:
        context.close()
    assert [href for href, _ in found] == TASKS
    assert max(bottom for _, bottom in found) <= 2 * PHONE["height"]


def test_empty_tables_are_marked_as_waiting_for_data_not_as_zero_rows(portal):
    html = httpx.get(f"{portal}/", params={"_lang": "fr"}, timeout=20).text
    waiting = re.findall(r'data-table="([a-z_]+)">[^<]*</a>\s*<span class="count waiting">\(en attente de données\)', html)
    assert "pb_cycles" in waiting and "event_attendance" in waiting and "collectivities" not in waiting
    assert "(0 lignes)" not in html


def test_search_in_french_finds_the_participatory_budgeting_page_and_tables(portal):
    html = search(portal, "budget participatif", "fr")
    found = re.findall(r'<li><a href="([^"]+)">', html[html.index('class="search-group search-tables"') :])
    assert found[0] == "/-/pb" and "/remacto/pb_initiatives" in found


def test_search_in_arabic_finds_the_initiatives_sessions_and_objectives(portal):
    html = search(portal, "الميزانية التشاركية", "ar")
    tables = re.findall(r'<section class="search-group" data-table="([a-z_]+)">', html)
    assert {"pb_initiatives", "event_sessions", "event_objectives"} <= set(tables)


def test_search_knows_the_regions_communes_that_are_not_members_and_says_so(portal):
    html = search(portal, "دار الشاوي", "ar")
    assert '<strong>دار الشاوي</strong> — <span class="note">جماعة من الجهة، ليست عضواً في الشبكة</span>' in html
    member = search(portal, "مرتيل", "ar")
    assert '<a href="/-/member/tta-007">جماعة مرتيل</a> — <span class="note">عضو في الشبكة</span>' in member
