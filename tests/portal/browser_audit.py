"""axe-core and the phone/desk widths, for the browser tests (accessibility, map, PB pages, report): a page is opened in
Debian's chromium (headless, never a downloaded browser) at 360 and 1280 px, axe-core 4.14 (npm, in
node_modules/) runs on it with the WCAG 2.2 A/AA and best-practice tags, and the sideways scroll is
measured."""

from __future__ import annotations


from pipeline.tools.pages import AXE, AXE_TAGS
from tests.helpers import TESTS

WIDTHS = (360, 1280)
LANGS = ("ar", "fr", "en")
OUTPUT = TESTS / "output"


def axe_violations(page, within: str | None = None) -> list[tuple[str, list[str]]]:
    """(rule id, the first five offending nodes' selectors) for every rule axe-core finds broken on the
    page, or only inside the elements matching the CSS selector `within`."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "([tags, within]) => axe.run(within ? {include: [within]} : document, {runOnly: {type: 'tag', values: tags}})", [AXE_TAGS, within]
    )
    return [(v["id"], [" ".join(n["target"]) for n in v["nodes"]][:5]) for v in result["violations"]]


def sideways_overflow(page) -> int:
    """How many px the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def look(browser, url: str, width: int, shot: str | None = None):
    """Open `url` at `width` px; gives (axe violations, sideways overflow, page text), with a
    full-page screenshot in tests/output/ if `shot` names one."""
    # axe-core goes in as an inline script, which the portal's CSP rightly blocks (tested apart).
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        found = axe_violations(page), sideways_overflow(page), page.locator("main").inner_text()
        if shot:
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT / f"{shot}.png"), full_page=True)
        return found
    finally:
        context.close()
