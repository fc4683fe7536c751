"""The meeting as a page (/-/meeting/<event>) on the real release: date, place, theme, partners,
objectives, participant groups and the programme as a timetable with speakers and roles; no empty
field shown; clean under axe in the three languages at phone and desk width."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from tests.portal.browser_audit import LANGS, WIDTHS, look

MEETING = "/-/meeting/tta-regional-meeting-2025"


def page(portal, path: str, lang: str, status: int = 200) -> str:
    response = httpx.get(portal + path, params={"_lang": lang}, timeout=20)
    assert response.status_code == status
    return unescape(response.text)


def facts(html: str) -> dict[str, str]:
    dl = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    return {dt: " ".join(re.sub(r"<[^>]+>", " ", dd).split()) for dt, dd in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", dl, re.S)}


def test_the_meeting_page_gives_date_place_theme_partners_and_participants_in_french(portal):
    found = facts(page(portal, MEETING, "fr"))
    assert list(found) == ["Date", "Lieu", "Thème", "Partenaires", "Participants attendus"]
    assert found["Date"] == "22 mai 2025" and found["Lieu"] == "Tétouan"
    assert found["Thème"].startswith("الميزانية التشاركية")
    assert found["Participants attendus"] == "Environ 100"
    assert all(found.values())  # no empty field


def test_the_objectives_and_participant_groups_are_the_sources_in_order(portal):
    html = page(portal, MEETING, "ar")
    objectives = re.findall(r"<li>(.*?)</li>", re.search(r'<ol class="objectives"[^>]*>(.*?)</ol>', html, re.S).group(1))
    assert len(objectives) == 5 and objectives[0] == "تعميق الفهم والتمكن من آلية الميزانية التشاركية"
    groups = re.search(r'<ul class="participant-groups"[^>]*>(.*?)</ul>\n', html, re.S).group(1)
    assert groups.startswith("<li>الجماعات الترابية<ul><li>منتخبون</li>")


def test_the_programme_is_a_timetable_with_speakers_roles_and_parallel_workshops(portal):
    html = page(portal, MEETING, "en")
    slots = re.findall(r'<p class="slot-time"><time dir="ltr">([^<]*)</time>', html)
    assert slots == ["09:30–10:00", "10:00–10:30", "10:30–11:30", "11:30–11:45", "11:45–12:15", "12:15–13:45", "13:45–14:00", "14:00"]
    talk = re.search(r'data-session="tta-2025-s03">(.*?)</div>', html, re.S).group(1)
    assert "طارق النشناس" in talk and "الممثل الجهوي لإفريقيا والشرق الأوسط" in talk
    workshops = re.search(r'<li class="slot parallel">(.*?)</li>\n\s*<li class="slot">', html, re.S).group(1)
    assert "parallel workshops" in workshops and workshops.count('class="session"') == 2
    assert re.findall(r'href="/-/member/(tta-\d+)"', workshops) == ["tta-009", "tta-016", "tta-021", "tta-023"]


def test_the_meeting_address_without_an_id_is_the_regional_meeting_and_an_unknown_one_is_404(portal):
    assert "22 May 2025" in page(portal, "/-/meeting", "en")
    assert "No meeting has this identifier" in page(portal, "/-/meeting/no-such-meeting", "en", status=404)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_meeting_page_has_no_axe_violation_and_no_sideways_scroll(portal, browser, lang, width):
    violations, overflow, _ = look(browser, f"{portal}{MEETING}?_lang={lang}", width, shot=f"meeting-{lang}-{width}")
    assert (violations, overflow) == ([], 0)
