"""Importers: a Decidim budgets projects export and a Pabulib .pb file become raw/ rows that validate;
anything the importer cannot place fails loudly with file, row and column, and writes nothing.
All input files are SYNTHETIC (tests/data/decidim-*.csv, tests/data/pabulib-*.pb)."""

import csv
import hashlib
import subprocess
import sys

import pytest

from pipeline.importers import pb_import
from pipeline.settings import ROOT
from pipeline.build.validation import validate
from tests import pb_synthetic as syn
from tests.helpers import DATA


def cli(project, *args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--root", str(project.root), "pb-import", *args], cwd=ROOT, capture_output=True, text=True
    )


def raw_digest(project):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(project.raw.glob("*.csv"))}


def rows(project, table):
    with (project.raw / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def with_cycle(project, model):
    """A project holding the synthetic source and one cycle row with its phases, ready for a Decidim import."""
    small = syn.small_cycle()
    syn.add_to_project(
        project.raw, {"pb_cycles": small["pb_cycles"], "pb_phases": small["pb_phases"]}, {n: t.field_names for n, t in model.tables.items()}
    )
    return project


def test_decidim_export_imports_and_validates(with_cycle, model):
    result = cli(
        with_cycle,
        "decidim",
        str(DATA / "decidim-projects-synthetic.csv"),
        "--cycle",
        "syn-small-2026",
        "--source",
        syn.SOURCE_ID,
        "--proposer-type",
        "citizen",
    )
    assert result.returncode == 0, result.stderr
    assert "Added 3 rows to raw/pb_proposals.csv, 3 rows to raw/pb_votes.csv" in result.stdout
    report, _ = validate(with_cycle.raw, model)
    assert report.valid, report.to_text()
    proposals = rows(with_cycle, "pb_proposals")
    assert [(p["proposal_id"], p["title_ar"], p["cost"], p["category"]) for p in proposals] == [
        ("syn-small-2026-d101", "تهيئة طريق اصطناعي", "400000", "الطرق"),
        ("syn-small-2026-d102", "إنارة ساحة اصطناعية", "300000", "الإنارة"),
        ("syn-small-2026-d103", "حديقة اصطناعية", "350000", "مساحات خضراء"),
    ]
    assert {p["collectivity_id"] for p in proposals} == {syn.COLLECTIVITY}
    assert [(v["proposal_id"], v["channel"], v["votes"]) for v in rows(with_cycle, "pb_votes")] == [
        ("syn-small-2026-d101", "online", "7"),
        ("syn-small-2026-d102", "online", "6"),
        ("syn-small-2026-d103", "online", "5"),
    ]


def test_decidim_paper_ballots_become_a_paper_channel(with_cycle, model):
    tables = pb_import.from_decidim(
        DATA / "decidim-projects-with-paper-ballots.csv", with_cycle.raw, "syn-small-2026", syn.SOURCE_ID, "citizen"
    )
    assert [(v["proposal_id"][-4:], v["channel"], v["votes"]) for v in tables["pb_votes"]] == [
        ("d101", "online", "5"),
        ("d101", "paper", "2"),
        ("d102", "online", "4"),
        ("d102", "paper", "2"),
        ("d103", "online", "5"),
        ("d103", "paper", "0"),
    ]
    pb_import.append_rows(with_cycle.raw, model, tables)
    from pipeline.release.publish import publish

    report, release = publish(with_cycle)
    assert report.valid, report.to_text()
    assert release.rows["pb_votes"] == 6
    assert not (release.path / "pabulib").exists()  # counts per channel only: no ballots for a Pabulib VOTES section


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("decidim-projects-unknown-column.csv", [("decidim-projects-unknown-column.csv", 1, "selected_at", "import-error")]),
        ("decidim-projects-amount-with-space.csv", [("decidim-projects-amount-with-space.csv", 3, "budget_amount", "import-error")]),
    ],
)
def test_decidim_defects_fail_loudly_and_write_nothing(fixture, expected, with_cycle):
    before = raw_digest(with_cycle)
    with pytest.raises(pb_import.PBImportError) as caught:
        pb_import.from_decidim(DATA / fixture, with_cycle.raw, "syn-small-2026", syn.SOURCE_ID, "citizen")
    assert [p.key() for p in caught.value.problems] == expected
    result = cli(
        with_cycle, "decidim", str(DATA / fixture), "--cycle", "syn-small-2026", "--source", syn.SOURCE_ID, "--proposer-type", "citizen"
    )
    assert result.returncode == 1 and "nothing was written" in result.stderr and fixture in result.stderr
    assert raw_digest(with_cycle) == before


def test_decidim_import_needs_the_cycle_row_first(project):
    with pytest.raises(pb_import.PBImportError, match="add its row to pb_cycles.csv"):
        pb_import.from_decidim(DATA / "decidim-projects-synthetic.csv", project.raw, "syn-nope", syn.SOURCE_ID, "citizen")


def test_pabulib_file_imports_and_validates(project, model):
    syn.add_to_project(project.raw, {}, {})  # the synthetic source row only
    result = cli(
        project,
        "pabulib",
        str(DATA / "pabulib-synthetic.pb"),
        "--cycle",
        "syn-pb-2026",
        "--initiative",
        syn.INITIATIVE,
        "--title-ar",
        "دورة اصطناعية",
        "--source",
        syn.SOURCE_ID,
        "--proposer-type",
        "citizen",
    )
    assert result.returncode == 0, result.stderr
    report, tables = validate(project.raw, model)
    assert report.valid, report.to_text()
    cycle = rows(project, "pb_cycles")[0]
    assert (
        cycle["envelope"],
        cycle["voting_rule"],
        cycle["ballot_type"],
        cycle["min_selections"],
        cycle["max_selections"],
        cycle["year"],
        cycle["collectivity_id"],
    ) == ("700000", "greedy", "approval", "1", "2", "2026", syn.COLLECTIVITY)
    assert [(p["phase_kind"], p["start_date"], p["end_date"]) for p in rows(project, "pb_phases")] == [
        ("voting", "2026-04-06", "2026-04-19")
    ]
    assert [(r["proposal_id"], r["votes"], r["selected"]) for r in rows(project, "pb_results")] == [
        ("syn-pb-2026-1", "3", "yes"),
        ("syn-pb-2026-2", "3", "yes"),
        ("syn-pb-2026-3", "1", "no"),
    ]
    assert [(b["ballot_id"], b["channel"], b["age_band"], b["sex"]) for b in rows(project, "pb_ballots")] == [
        ("syn-pb-2026-v1", "online", "25-34", "F"),
        ("syn-pb-2026-v2", "paper", "18-24", "M"),
        ("syn-pb-2026-v3", "online", "", ""),
        ("syn-pb-2026-v4", "paper", "65-plus", "F"),
    ]
    assert len(rows(project, "pb_ballot_selections")) == 7


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("pabulib-points-column.pb", [("pabulib-points-column.pb", None, "points", "import-error")]),
        (
            "pabulib-unsupported-codes.pb",
            [("pabulib-unsupported-codes.pb", 11, "rule", "import-error"), ("pabulib-unsupported-codes.pb", 26, "sex", "import-error")],
        ),
    ],
)
def test_pabulib_defects_fail_loudly_and_write_nothing(fixture, expected, project):
    syn.add_to_project(project.raw, {}, {})
    before = raw_digest(project)
    with pytest.raises(pb_import.PBImportError) as caught:
        pb_import.from_pabulib(DATA / fixture, project.raw, "syn-pb-2026", syn.INITIATIVE, "دورة", syn.SOURCE_ID, "citizen")
    assert sorted(p.key() for p in caught.value.problems) == expected
    assert raw_digest(project) == before


def test_our_pabulib_export_imports_back_to_the_same_cycle(project, model, tmp_path):
    """Round trip: publish the hand-checked cycle, import its .pb into a fresh project, compare."""
    from pipeline.release.publish import publish
    from tests.helpers import copy_project

    fields = {n: t.field_names for n, t in model.tables.items()}
    syn.add_to_project(project.raw, syn.small_cycle(), fields)
    report, release = publish(project)
    assert report.valid, report.to_text()
    fresh = copy_project(tmp_path / "fresh")
    syn.add_to_project(fresh.raw, {}, {})
    tables = pb_import.from_pabulib(
        release.path / "pabulib" / "syn-small-2026.pb", fresh.raw, "syn-back-2026", syn.INITIATIVE, "دورة", syn.SOURCE_ID, "citizen"
    )
    pb_import.append_rows(fresh.raw, model, tables)
    report, _ = validate(fresh.raw, model)
    assert report.valid, report.to_text()
    back = {r["proposal_id"].replace("syn-back-2026-", ""): (r["votes"], r["selected"]) for r in rows(fresh, "pb_results")}
    original = {r["proposal_id"]: (r["votes"], r["selected"]) for r in syn.small_cycle()["pb_results"]}
    assert back == original
    assert len(rows(fresh, "pb_ballots")) == 10 and len(rows(fresh, "pb_ballot_selections")) == 24


def test_an_unknown_proposer_type_is_refused_before_writing(with_cycle):
    before = raw_digest(with_cycle)
    result = cli(
        with_cycle,
        "decidim",
        str(DATA / "decidim-projects-synthetic.csv"),
        "--cycle",
        "syn-small-2026",
        "--source",
        syn.SOURCE_ID,
        "--proposer-type",
        "citizens",
    )
    assert result.returncode == 1
    assert "raw/pb_proposals.csv, column 'proposer_type': 'citizens' is not a code of proposer_type" in result.stderr
    assert raw_digest(with_cycle) == before


def test_decidim_budgets_of_one_component_become_headings(with_cycle, model):
    with pytest.raises(pb_import.PBImportError) as caught:
        pb_import.from_decidim(DATA / "decidim-projects-two-budgets.csv", with_cycle.raw, "syn-small-2026", syn.SOURCE_ID, "citizen")
    assert [p.key() for p in caught.value.problems] == [("decidim-projects-two-budgets.csv", None, "budget/id", "import-error")]
    headings = [
        syn.synthetic_row(
            "pb_headings",
            n,
            heading_id=f"syn-small-2026-budget-{b}",
            cycle_id="syn-small-2026",
            name_ar=f"ميزانية اصطناعية {b}",
            name_fr="",
            envelope="500000",
        )
        for n, b in ((1, 5), (2, 6))
    ]
    syn.add_to_project(with_cycle.raw, {"pb_headings": headings}, {n: t.field_names for n, t in model.tables.items()})
    tables = pb_import.from_decidim(DATA / "decidim-projects-two-budgets.csv", with_cycle.raw, "syn-small-2026", syn.SOURCE_ID, "citizen")
    assert [p["heading_id"] for p in tables["pb_proposals"]] == [
        "syn-small-2026-budget-5",
        "syn-small-2026-budget-5",
        "syn-small-2026-budget-6",
    ]
    pb_import.append_rows(with_cycle.raw, model, tables)
    report, _ = validate(with_cycle.raw, model)
    assert report.valid, report.to_text()
