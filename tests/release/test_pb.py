"""Participatory budgeting: the lifecycle schemas, the row-level rules, and the Pabulib export read back
by the real pabutools and pabulib-checker, on SYNTHETIC cycles (tests/pb_synthetic.py) in temporary
copies of the project. Nothing here touches raw/ or the real published/."""

import csv
import shutil
from collections import Counter

import pytest
from pabulib.checker import Checker
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare

from pipeline.settings import ROOT
from pipeline.release.publish import publish
from pipeline.build.validation import validate
from tests import pb_synthetic as syn
from tests.helpers import DATA, copy_project

# fixture file -> (raw table it replaces, exact (file, row, field, code) problems, with multiplicity);
# a fixture folder (table None) replaces every raw table it holds a file for.
CASES = {
    "pb-selected-over-heading-envelope": (None, [("pb_headings.csv", 2, "envelope", "rule-violation")]),
    "pb-selected-over-envelope.csv": ("pb_results", [("pb_cycles.csv", 2, "envelope", "rule-violation")]),
    "pb-headings-above-cycle-envelope.csv": ("pb_headings", [("pb_cycles.csv", 2, "envelope", "rule-violation")]),
    "pb-ballot-outside-voting-phase.csv": ("pb_ballots", [("pb_ballots.csv", 4, "cast_date", "rule-violation")]),
    "pb-votes-before-voting-phase.csv": ("pb_votes", [("pb_votes.csv", 2, "start_date", "rule-violation")]),
    "pb-ballots-above-max-selections.csv": ("pb_cycles", [("pb_ballots.csv", row, "ballot_id", "rule-violation") for row in range(2, 8)]),
    "pb-proposal-of-another-collectivity.csv": ("pb_proposals", [("pb_proposals.csv", 4, "collectivity_id", "rule-violation")]),
    "pb-unfeasible-without-reason.csv": ("pb_proposals", [("pb_proposals.csv", 7, "unfeasibility_reason", "rule-violation")]),
    # Voting starts before the review has started (order of kinds) and before submission has ended.
    "pb-voting-before-review.csv": ("pb_phases", [("pb_phases.csv", 5, "start_date", "rule-violation")] * 2),
    "pb-phase-ends-before-start.csv": ("pb_phases", [("pb_phases.csv", 3, "end_date", "range-error")]),
}


def with_cycles(paths, model, *cycles):
    fields = {name: t.field_names for name, t in model.tables.items()}
    for tables in cycles:
        syn.add_to_project(paths.raw, tables, fields)
    return paths


@pytest.fixture
def small(project, model):
    return with_cycles(project, model, syn.small_cycle())


@pytest.fixture(scope="module")
def both_published(tmp_path_factory, model):
    """The hand-checked and the realistic synthetic cycles, published in a temporary project."""
    paths = with_cycles(copy_project(tmp_path_factory.mktemp("pb")), model, syn.small_cycle(), syn.realistic_cycle())
    report, release = publish(paths)
    assert report.valid, report.to_text()
    return paths, release


def read_rows(path, **where):
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in where.items())]


def test_cycle_tables_are_empty_in_raw_and_say_so(model):
    for name, table in model.tables.items():
        if name.startswith("pb_") and name not in {"pb_initiatives", "pb_initiative_supporters", "pb_phase_kinds"}:
            lines = (ROOT / "raw" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
            assert lines == [",".join(table.field_names)], name
            assert "no cycle published yet" in table.description["en"], name


def test_phase_kind_mapping_is_sourced_and_complete(model):
    rows = read_rows(ROOT / "raw" / "pb_phase_kinds.csv")
    assert [r["phase_kind"] for r in rows] == list(model.tables["pb_phases"].field("phase_kind").codes)
    assert {r["source_id"] for r in rows} == {"pb-platform-phase-mapping"}
    assert read_rows(ROOT / "raw" / "sources.csv", source_id="pb-platform-phase-mapping")[0]["kind"] == "checked_table"
    consul = {k for r in rows for k in r["consul_phase_kinds"].split(",") if k}
    # Every kind named is one of CONSUL's Budget::Phase::PHASE_KINDS.
    assert consul <= {
        "drafting",
        "informing",
        "accepting",
        "reviewing",
        "selecting",
        "valuating",
        "publishing_prices",
        "balloting",
        "reviewing_ballots",
        "finished",
    }


def test_the_hand_checked_cycle_is_valid(small, model):
    report, tables = validate(small.raw, model)
    assert report.valid, report.to_text()
    assert len(tables["pb_ballots"]) == 10


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_pb_defect_is_reported_exactly(fixture, small, model):
    table, expected = CASES[fixture]
    if table is None:
        for part in (DATA / fixture).glob("*.csv"):
            shutil.copy(part, small.raw / part.name)
    else:
        shutil.copy(DATA / fixture, small.raw / f"{table}.csv")
    report, tables = validate(small.raw, model)
    assert tables == {}
    assert Counter(p.key() for p in report.problems) == Counter(expected), report.to_text()
    for problem in report.problems:
        assert problem.message and "rule-error" != problem.code


def test_a_broken_violations_rule_is_reported_not_crashed(small, model):
    from dataclasses import replace

    from pipeline.model.config import Rule

    broken = replace(
        model,
        rules=[*model.rules, Rule(id="typo", description="x", file="raw/pb_cycles.csv", violations="SELECT rowid, 'x' FROM no_such_table")],
    )
    report, _ = validate(small.raw, broken)
    assert [p.key() for p in report.problems] == [("rules.yaml", None, None, "rule-error")]


def test_synthetic_data_never_goes_to_raw():
    from pipeline.settings import Paths

    with pytest.raises(ValueError, match="never to raw/"):
        syn.add_to_project(Paths().raw, syn.small_cycle(), {})


def test_the_real_release_has_no_synthetic_source_and_no_pabulib_folder(released):
    _, release = released
    for csv_file in (release.path / "csv").glob("*.csv"):
        assert syn.SOURCE_ID not in csv_file.read_text(encoding="utf-8"), csv_file.name
    assert syn.SOURCE_ID not in (ROOT / "raw" / "sources.csv").read_text(encoding="utf-8")
    assert not (release.path / "pabulib").exists()
    dictionary = (release.path / "data-dictionary.md").read_text(encoding="utf-8")
    for table in ("pb_cycles", "pb_phases", "pb_proposals", "pb_ballots", "pb_results", "pb_milestones"):
        section = dictionary.split(f"### Table `{table}`")[1].split("###")[0]
        assert "no cycle published yet" in section and "لم تُنشر أي دورة بعد" in section, table
    published = ROOT / "published"
    if published.exists():  # the checkout's own release, when one was made
        assert not any(syn.SOURCE_ID in p.read_text(encoding="utf-8") for p in (published / "csv").glob("*.csv"))


def test_realistic_cycle_has_the_size_of_a_50000_voter_commune():
    t = syn.realistic_cycle()
    assert len(t["pb_ballots"]) == 5000  # 10% turnout of 50,000 registered voters
    assert syn.realistic_cycle() == t  # same seed, same rows
    assert syn.realistic_cycle(seed=7) != t


def test_release_writes_one_pb_file_per_cycle_or_heading(both_published):
    _, release = both_published
    names = sorted(p.name for p in (release.path / "pabulib").iterdir())
    assert names == [
        "syn-large-2026_syn-large-2026-h1.pb",
        "syn-large-2026_syn-large-2026-h2.pb",
        "syn-large-2026_syn-large-2026-h3.pb",
        "syn-small-2026.pb",
    ]
    sums = (release.path / "SHA256SUMS").read_text()
    assert all(f"pabulib/{n}" in sums for n in names)


def test_pabutools_computes_our_winners_from_the_pb_files(both_published):
    _, release = both_published
    results = {r["proposal_id"]: r for r in read_rows(release.path / "csv" / "pb_results.csv")}
    for pb in sorted((release.path / "pabulib").iterdir()):
        instance, profile = parse_pabulib(str(pb))
        assert instance.meta["rule"] == "greedy" and instance.meta["vote_type"] == "approval"
        # Pabulib's greedy rule: most approvals first, skipping what no longer fits = greedy welfare with cost satisfaction.
        winners = {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}
        ours = {p.name for p in instance if results[p.name]["selected"] == "yes"}
        assert winners == ours, pb.name
        assert {p.name: int(instance.project_meta[p]["votes"]) for p in instance} == {
            p.name: int(results[p.name]["votes"]) for p in instance
        }
    small, profile = parse_pabulib(str(release.path / "pabulib" / "syn-small-2026.pb"))
    assert len(profile) == 10 and small.budget_limit == 1_000_000
    assert sorted(p.name for p in greedy_utilitarian_welfare(small, profile, sat_class=Cost_Sat)) == [
        "syn-small-p1",
        "syn-small-p2",
        "syn-small-p4",
    ]  # worked by hand in pb_synthetic.small_cycle


def test_pabulib_checker_accepts_every_pb_file(both_published):
    _, release = both_published
    files = sorted(str(p) for p in (release.path / "pabulib").iterdir())
    results = Checker().process_files(files)
    assert results["metadata"] == {"processed": 4, "valid": 4, "invalid": 0}, results
    assert results["summary"] == {}


NO_CYCLE = "no cycle published yet"


def canned(model, db_path, name):
    import sqlite3

    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(model.portal.queries[name].sql)]
    finally:
        db.close()


def test_canned_queries_answer_how_much_who_won_what_is_done(both_published, model):
    _, release = both_published
    db = release.path / "remacto.db"
    rows = canned(model, db, "pb_money_by_cycle")
    small = next(r for r in rows if r["cycle_id"] == "syn-small-2026")
    assert (small["envelope"], small["selected_amount"], small["spent_so_far"]) == (1_000_000, 900_000, 395_000)
    # The synthetic cycles belong to Al Hoceima's initiative; the other three still have none.
    assert sorted(r["pb_initiative_id"] for r in rows if r["cycle_id"] is None) == ["pb-tta-009", "pb-tta-016", "pb-tta-021"]
    assert all(NO_CYCLE in r["status"] for r in rows if r["cycle_id"] is None)
    winners = [(r["proposal_id"], r["votes"]) for r in canned(model, db, "pb_winning_proposals") if r["cycle_id"] == "syn-small-2026"]
    assert winners == [("syn-small-p1", 7), ("syn-small-p2", 6), ("syn-small-p4", 4)]
    done = {
        r["proposal_id"]: (r["status"], r["progress_percent"])
        for r in canned(model, db, "pb_implementation_progress")
        if r["cycle_id"] == "syn-small-2026"
    }
    assert done == {"syn-small-p1": ("completed", 100), "syn-small-p2": ("planned", 0), "syn-small-p4": (None, None)}


def test_the_portal_says_no_cycle_published_yet_for_the_four_initiatives(portal):
    import httpx

    for name in ("pb_money_by_cycle", "pb_winning_proposals", "pb_implementation_progress"):
        rows = httpx.get(f"{portal}/remacto/{name}.json", params={"_shape": "array"}, timeout=10).json()
        assert len(rows) == 4, name
        assert all(NO_CYCLE in (r.get("status") or r.get("note") or r.get("note_on_cycle")) for r in rows), name
    supporters = httpx.get(f"{portal}/remacto/pb_initiatives_with_supporters.json", params={"_shape": "array"}, timeout=10).json()
    assert len(supporters) == 4
