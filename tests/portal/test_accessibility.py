"""Every page type (pipeline/tools/pages.py) in Arabic, French and English, seen in Debian's chromium at
phone and desktop widths: zero axe-core violations (WCAG 2.2 A/AA and best practice), no sideways
page scroll, and a screenshot of each in tests/output/. One browser for the session and one Datasette;
each page is visited once per language (the window then widened through the widths), and every check
reads that visit."""

from __future__ import annotations

import json

import pytest

from tests.helpers import DATA, TESTS
from tests.portal.browser_audit import axe_violations

from pipeline.tools.pages import DESKTOP, LANGS, PAGES, PHONE, WIDTHS

PAGE_FIXTURES = DATA / "pages"
OUTPUT = TESTS / "output"
# How far the page reaches past the viewport: what a visitor would have to scroll sideways.
PAGE_WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"


@pytest.fixture(scope="module")
def survey(browser, portal):
    """(page, lang, width) -> what the visit found: status, page width, axe violations (phone and
    desktop widths only), and a full-page screenshot at those widths. Each page is loaded once a
    language, at the narrowest width, then the window is widened through the others (the page laid
    out again, as a visitor turning a tablet sees it): one visit, and one axe run a page at each of
    the two widths axe checks."""
    OUTPUT.mkdir(exist_ok=True)
    found = {}
    # axe-core goes in as an inline script, which the portal's CSP rightly blocks (tested apart).
    context = browser.new_context(viewport={"width": min(WIDTHS), "height": 800}, bypass_csp=True)
    page = context.new_page()
    for spec in PAGES:
        for lang in LANGS:
            page.set_viewport_size({"width": min(WIDTHS), "height": 800})
            response = page.goto(portal + spec.url(lang))
            for width in sorted(WIDTHS):
                page.set_viewport_size({"width": width, "height": 800})
                seen = {"status": response.status, "page_width": page.evaluate(PAGE_WIDTH)}
                if width in (PHONE, DESKTOP):
                    page.screenshot(path=str(OUTPUT / f"page-{spec.name}-{lang}-{width}.png"), full_page=True)
                    seen["axe"] = axe_violations(page)
                found[spec.name, lang, width] = seen
    context.close()
    # The figures behind the assertions, for whoever reads a failure (or measures a change).
    (OUTPUT / "accessibility-survey.json").write_text(
        json.dumps([{"page": n, "lang": l, "width": w, **seen} for (n, l, w), seen in found.items()], ensure_ascii=False, indent=1)
    )
    return found


def test_every_page_type_answers_with_its_status_in_every_language(survey):
    wrong = [
        (name, lang, width, seen["status"])
        for (name, lang, width), seen in survey.items()
        if seen["status"] != next(p.status for p in PAGES if p.name == name)
    ]
    assert wrong == []


def test_no_page_has_an_axe_violation_in_any_language_at_phone_or_desktop_width(survey):
    violations = [
        (name, lang, width, rule, targets) for (name, lang, width), seen in survey.items() for rule, targets in seen.get("axe", [])
    ]
    assert [v[:4] for v in violations] == [], "\n".join(map(str, violations))


def test_no_page_scrolls_sideways_at_360_390_768_or_1280_px(survey):
    too_wide = [(name, lang, width, seen["page_width"]) for (name, lang, width), seen in survey.items() if seen["page_width"] > width]
    assert too_wide == []


def test_a_screenshot_of_every_page_type_at_phone_and_desktop_width_in_each_language(survey):
    missing = [
        f"page-{p.name}-{lang}-{width}.png"
        for p in PAGES
        for lang in LANGS
        for width in (PHONE, DESKTOP)
        if not (OUTPUT / f"page-{p.name}-{lang}-{width}.png").stat().st_size
    ]
    assert missing == []


def test_the_width_check_sees_a_page_wider_than_a_phone(browser):
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.set_content((PAGE_FIXTURES / "wider-than-a-phone.html").read_text(encoding="utf-8"))
    assert page.evaluate(PAGE_WIDTH) == 656
    context.close()


def test_the_axe_check_names_a_select_without_a_label(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content((PAGE_FIXTURES / "select-without-label.html").read_text(encoding="utf-8"))
    assert [rule for rule, _ in axe_violations(page)] == ["select-name"]
    context.close()
