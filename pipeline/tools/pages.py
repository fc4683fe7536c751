"""Every page type a visitor can reach, in one place: the suite's accessibility, width and screenshot
checks (tests/portal/test_accessibility.py) and `make audit` (pipeline/tools/audit.py) read this list.
The language is added as `?_lang=ar|fr|en`. A PB cycle page needs a published cycle: the suite checks
it on the synthetic cycles (tests/portal/test_pb_pages.py)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from urllib.parse import quote

from pipeline.settings import ROOT

# Where each page is seen: Debian's chromium, headless, as the guide starts it (never a browser
# Playwright downloads); the suite (tests/helpers.py) and `make audit` launch it alike.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# How each page is checked: axe-core (npm, pinned in package-lock.json) with the WCAG 2.2 A/AA and
# best-practice tags.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class PageType:
    name: str
    path: str
    status: int = 200

    def url(self, lang: str) -> str:
        return f"{self.path}{'&' if '?' in self.path else '?'}_lang={lang}"


PAGES = [
    PageType("home", "/"),
    PageType("table", "/remacto/collectivities"),
    PageType("filtered-table", "/remacto/collectivities?kind=commune&territory_id=tetouan"),
    PageType("row", "/remacto/collectivities/tta-002"),
    PageType("search", "/-/search?q=" + quote("تطوان")),
    PageType("map", "/-/map"),
    PageType("dictionary", "/-/dictionary"),
    PageType("dictionary-table", "/-/dictionary/collectivities"),
    PageType("canned-query", "/remacto/members_by_province?territory_id=tetouan"),
    PageType("sql-result", "/remacto?sql=" + quote("select collectivity_id, name_ar, kind from collectivities limit 5")),
    PageType("database", "/remacto"),
    PageType("dataset", "/datasets/network"),
    PageType("changelog", "/changelog"),
    PageType("pb-cycles", "/-/pb"),
    PageType("meeting", "/-/meeting/tta-regional-meeting-2025"),
    PageType("member-commune", "/-/member/tta-016"),
    PageType("member-unmatched", "/-/member/tta-011"),
    PageType("member-council", "/-/member/tta-008"),
    PageType("member-region", "/-/member/tta-001"),
    PageType("not-found", "/remacto/no_such_table", status=404),
    PageType("bad-sql", "/remacto?sql=" + quote("select no_such_column from collectivities"), status=400),
]

LANGS = ("ar", "fr", "en")
PHONE, DESKTOP = 390, 1280
# Widths no page may scroll sideways at: small and common phones, a tablet, a desktop.
WIDTHS = (360, PHONE, 768, DESKTOP)
