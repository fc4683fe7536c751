"""Participatory-budgeting cycle pages (/-/pb, /-/pb/<cycle>) as a citizen reads them, on the SYNTHETIC
cycles of tests/pb_synthetic.py published in a temporary project (never raw/), and on today's real
release, which has no cycle. Served by a real Datasette; seen in Debian's chromium at phone width too."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from pipeline.release.publish import publish
from tests import pb_synthetic as syn
from tests.portal.browser_audit import LANGS, WIDTHS, axe_violations, look
from tests.helpers import copy_project, serving

# The real release's portal starts before the browser: publishing runs an event loop of its own,
# which cannot start inside Playwright's.
pytestmark = pytest.mark.usefixtures("portal")

SMALL = "syn-small-2026"
LARGE = "syn-large-2026"


@pytest.fixture(scope="module")
def pb_portal(tmp_path_factory, model):
    """A real Datasette serving a release that holds both synthetic cycles."""
    paths = copy_project(tmp_path_factory.mktemp("pb-pages"))
    fields = {name: t.field_names for name, t in model.tables.items()}
    for tables in (syn.small_cycle(), syn.realistic_cycle()):
        syn.add_to_project(paths.raw, tables, fields)
    report, release = publish(paths)
    assert report.valid, report.to_text()
    with serving(release.path, model, paths.root / "datasette.log") as base:
        yield base


def page(base: str, path: str, lang: str) -> str:
    response = httpx.get(base + path, params={"_lang": lang}, timeout=20)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def texts(html: str, css_class: str) -> list[str]:
    """The text of every element with this class, tags stripped."""
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(rf'class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</', html, re.S)]


@pytest.mark.parametrize(
    "lang,envelope,allocated",
    [
        ("en", "1,000,000\u00a0dirhams", "900,000\u00a0dirhams"),
        ("fr", "1\u202f000\u202f000\u00a0dirhams", "900\u202f000\u00a0dirhams"),
        ("ar", "1.000.000\u00a0درهم", "900.000\u00a0درهم"),
    ],
)
def test_the_envelope_and_the_money_allocated_read_in_the_page_language(pb_portal, lang, envelope, allocated):
    html = page(pb_portal, f"/-/pb/{SMALL}", lang)
    assert texts(html, "pb-envelope") == [envelope]
    assert texts(html, "pb-allocated") == [allocated]


def test_the_winners_are_those_the_results_state_with_their_votes_and_money(pb_portal):
    html = page(pb_portal, f"/-/pb/{SMALL}", "en")
    winners = re.search(r'<ol class="pb-winners">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r'data-proposal="([^"]+)"', winners) == ["syn-small-p1", "syn-small-p2", "syn-small-p4"]
    assert texts(winners, "pb-money") == ["400,000\u00a0dirhams", "300,000\u00a0dirhams", "200,000\u00a0dirhams"]
    assert "Most votes first within the envelope (greedy)" in html
    assert "Left of the envelope: 100,000\u00a0dirhams" in html


def test_every_proposal_shows_cost_feasibility_and_votes_most_voted_first(pb_portal):
    html = page(pb_portal, f"/-/pb/{SMALL}", "fr")
    table = re.search(r'<table class="pb-table pb-proposals">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'<tr data-proposal="(syn-small-p\d)"', table) == [f"syn-small-p{n}" for n in (1, 2, 3, 4, 5, 6)]
    assert texts(table, "pb-votes") == ["7", "6", "5", "4", "2", "non soumise au vote"]
    assert 'Non faisable: <span lang="ar">خارج اختصاص الجماعة (اصطناعي)</span>' in table
    assert "350\u202f000\u00a0dirhams" in table
    # The chart of the votes has these numbers as its text: the table above.
    assert html.count('<figure class="chart pb-chart">') == 1 and html.count("<rect") == 5


@pytest.mark.parametrize("lang,first_day", [("en", "5 January 2026"), ("fr", "5 janvier 2026"), ("ar", "5 يناير 2026")])
def test_the_phases_come_in_order_with_dates_in_the_page_language(pb_portal, lang, first_day):
    html = page(pb_portal, f"/-/pb/{SMALL}", lang)
    phases = re.search(r'<table class="pb-table pb-phases">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-phase="([a-z_]+)"', phases) == [
        "information",
        "proposal_submission",
        "feasibility_review",
        "voting",
        "results",
        "implementation",
    ]
    assert f'<time datetime="2026-01-05">{first_day}</time>' in phases
    assert {"en": "not ended yet", "fr": "pas encore terminée", "ar": "لم تنته بعد"}[lang] in phases


def test_implementation_progress_shows_each_milestone_and_says_where_none_is_published(pb_portal):
    html = page(pb_portal, f"/-/pb/{SMALL}", "en")
    progress = re.search(r'<ul class="pb-progress">(.*?)</ul>\s*</div>', html, re.S).group(1)
    items = re.findall(r'<li data-proposal="([^"]+)">(.*?)(?=<li data-proposal=|$)', progress, re.S)
    assert [pid for pid, _ in items] == ["syn-small-p1", "syn-small-p2", "syn-small-p4"]
    text = {pid: re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", "", body)).strip() for pid, body in items}
    assert "1 September 2026: Completed · 100% · Amount spent: 395,000\u00a0dirhams" in text["syn-small-p1"]
    assert "1 June 2026: Planned · 0%" in text["syn-small-p2"]
    assert text["syn-small-p4"].endswith("No progress published yet")


def test_ballots_cast_by_channel_and_the_synthetic_source_are_shown(pb_portal):
    html = page(pb_portal, f"/-/pb/{SMALL}", "en")
    assert 'Ballots cast: Online 6 · Paper ballot at a polling station 4 · Total <strong class="pb-ballots">10</strong>' in html
    assert "SYNTHETIC TEST DATA" in html


def test_a_cycle_with_headings_shows_each_heading_envelope_and_what_it_allocated(pb_portal):
    html = page(pb_portal, f"/-/pb/{LARGE}", "en")
    headings = re.search(r'<table class="pb-table pb-headings">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-heading="([^"]+)"', headings) == [f"{LARGE}-h{k}" for k in (1, 2, 3)]
    assert headings.count("2,000,000\u00a0dirhams") == 3
    assert html.count('<tr data-proposal="') == 45


def test_the_index_lists_the_published_cycles_and_an_unknown_cycle_is_a_404(pb_portal):
    html = page(pb_portal, "/-/pb", "en")
    assert re.findall(r'<li data-cycle="([^"]+)"', html) == [SMALL, LARGE]
    assert httpx.get(f"{pb_portal}/-/pb/no-such-cycle", timeout=10).status_code == 404


def test_the_initiative_and_the_collectivity_link_to_their_cycles(pb_portal):
    for path in ("/remacto/pb_initiatives/pb-tta-023", "/remacto/collectivities/tta-023"):
        html = page(pb_portal, path, "en")
        assert f'href="/-/pb/{SMALL}"' in html and f'href="/-/pb/{LARGE}"' in html, path
    assert "pb-cycle-links" not in page(pb_portal, "/remacto/collectivities/tta-002", "en")


def test_todays_release_says_no_cycle_published_yet_on_the_index_and_the_initiative(portal):
    html = page(portal, "/-/pb", "en")
    assert "No cycle published yet" in html and "<li data-cycle" not in html
    assert re.findall(r'<li data-initiative="([^"]+)"', html) == ["pb-tta-009", "pb-tta-016", "pb-tta-021", "pb-tta-023"]
    row = page(portal, "/remacto/pb_initiatives/pb-tta-023", "fr")
    assert "Aucun cycle publié pour l'instant" in unescape(row) and 'href="/-/pb?initiative=pb-tta-023"' in row


def test_the_initiatives_read_by_their_commune_with_supporters_and_project(portal):
    html = unescape(page(portal, "/-/pb", "ar"))
    items = re.findall(r'<li data-initiative="([^"]+)"><a href="/-/member/(tta-\d+)"><strong><bdi>([^<]+)</bdi></strong>', html)
    assert items == [
        ("pb-tta-009", "tta-009", "جماعة العرائش"),
        ("pb-tta-016", "tta-016", "جماعة تطوان"),
        ("pb-tta-021", "tta-021", "جماعة شفشاون"),
        ("pb-tta-023", "tta-023", "جماعة الحسيمة"),
    ]
    al_hoceima = html[html.index('data-initiative="pb-tta-023"') :]
    assert "المديرية العامة للجماعات الترابية · الصندوق الأندلسي للبلديات من أجل التضامن الدولي" in al_hoceima
    assert 'href="/remacto/projects/citizen-participation-open-local-governments"' in al_hoceima
    assert ">pb-tta-0" not in html  # never an identifier where a name belongs


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", [f"/-/pb/{SMALL}", f"/-/pb/{LARGE}", "/-/pb"])
def test_pb_pages_have_no_axe_violation_and_no_sideways_scroll(pb_portal, browser, path, lang, width):
    name = path.strip("/").replace("/", "_").replace("-_", "")
    violations, overflow, _ = look(
        browser, f"{pb_portal}{path}?_lang={lang}", width, shot=f"pb-{name}-{lang}-{width}" if width == WIDTHS[0] else None
    )  # a phone shot for a person
    assert (violations, overflow) == ([], 0)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/remacto/pb_initiatives/pb-tta-023", "/remacto/collectivities/tta-023"])
def test_the_cycle_links_added_to_row_pages_have_no_axe_violation(pb_portal, browser, path, lang):
    # Only the section this branch adds (_pb_cycle_links.html): the rest of row.html is the site's.
    # axe-core goes in as an inline script, which the portal's CSP rightly blocks (tested apart).
    context = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True)
    try:
        view = context.new_page()
        view.goto(f"{pb_portal}{path}?_lang={lang}")
        assert view.locator("section.pb-cycle-links a").count() == 2
        assert axe_violations(view, within="section.pb-cycle-links") == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_no_cycle_page_has_no_axe_violation_at_phone_width(portal, browser, lang):
    violations, overflow, text = look(browser, f"{portal}/-/pb?_lang={lang}", 360, shot=f"pb-none-{lang}-360")
    assert (violations, overflow) == ([], 0)
