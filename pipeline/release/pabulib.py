"""Pabulib export: each published PB cycle with anonymised ballots as a `.pb` file (META / PROJECTS /
VOTES, semicolon-separated), the format read by pabutools and checked by pabulib-checker
(https://pabulib.org/format). Pabulib holds one budget per file, so a cycle with territorial
headings gives one file per heading (META `subunit`), with the ballots cast in that heading."""

from __future__ import annotations

import csv
import io
import itertools
import operator
import sqlite3
from collections.abc import Iterator
from pathlib import Path

# Our codes -> Pabulib's words.
VOTE_TYPES = {"approval": "approval", "knapsack": "approval", "choose_one": "choose-1"}
RULES = {"greedy": "greedy", "equal_shares": "equalshares"}
METHODS = {"online": "internet", "paper": "paper"}
# Pabulib ages are a number or a closed band "a-b"; open bands are left out rather than closed by guess.
OPEN_AGE_BANDS = {"under-18", "65-plus"}


def _number(value: float) -> str:
    """Amounts without a spurious '.0' (the checker rejects commas, not points)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _date(iso: str | None) -> str | None:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}" if iso else None


def _lines(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
    return buf.getvalue()


def cycle_files(db: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """(file name, .pb text) for every cycle (or heading) that has ballots and results, in file-name
    order; nothing when none has. A cycle published with counts per channel only (pb_votes) has no
    ballots to write: Pabulib needs VOTES. Set-based: a handful of queries, whatever the number of
    cycles, and the ballots streamed in cycle order (one cycle in memory at a time)."""
    db.row_factory = sqlite3.Row
    cycles = db.execute(
        "SELECT c.*, COALESCE(k.name_latin, k.name_ar) AS unit FROM pb_cycles AS c "
        "JOIN collectivities AS k ON k.collectivity_id = c.collectivity_id "
        "WHERE EXISTS (SELECT 1 FROM pb_ballots AS b WHERE b.cycle_id = c.cycle_id) "
        "AND EXISTS (SELECT 1 FROM pb_results AS r JOIN pb_proposals AS p ON p.proposal_id = r.proposal_id "
        "WHERE p.cycle_id = c.cycle_id) ORDER BY c.cycle_id"
    ).fetchall()
    if not cycles:
        return
    headings: dict[str, list] = {}
    for h in db.execute("SELECT * FROM pb_headings ORDER BY cycle_id, heading_id"):
        headings.setdefault(h["cycle_id"], []).append(h)
    projects: dict[str, list] = {}
    for p in db.execute(
        "SELECT p.cycle_id, p.heading_id, p.proposal_id, p.cost, p.title_ar, p.category, r.selected, COALESCE(v.n, 0) AS votes "
        "FROM pb_proposals AS p JOIN pb_results AS r ON r.proposal_id = p.proposal_id "
        "LEFT JOIN (SELECT proposal_id, COUNT(*) AS n FROM pb_ballot_selections GROUP BY proposal_id) AS v "
        "ON v.proposal_id = p.proposal_id ORDER BY p.proposal_id"
    ):
        projects.setdefault(p["cycle_id"], []).append(p)
    voting = {v["cycle_id"]: v for v in db.execute("SELECT cycle_id, start_date, end_date FROM pb_phases WHERE phase_kind = 'voting'")}
    wanted = {c["cycle_id"]: c for c in cycles}
    db.row_factory = None
    # One sort of the ballots by cycle: reading them in the order of the (cycle_id, ballot_id) index
    # instead looks each one up in turn, slower once the table outgrows the page cache (1M: 13.4 s
    # against 11.0 s; 10M: 75 s against 46 s). `+` keeps SQLite from using the index for the order;
    # a ballot's few selections are put in proposal order below.
    ballots = db.execute(
        "SELECT b.cycle_id, b.ballot_id, b.channel, b.age_band, b.sex, s.proposal_id FROM pb_ballots AS b "
        "JOIN pb_ballot_selections AS s ON s.ballot_id = b.ballot_id ORDER BY +b.cycle_id, b.ballot_id"
    )
    for cycle_id, rows in itertools.groupby(ballots, key=operator.itemgetter(0)):
        if cycle_id not in wanted:
            continue
        cast = []  # (ballot_id, channel, age_band, sex), the proposals it selected in proposal_id order
        for _, group in itertools.groupby(rows, key=operator.itemgetter(1)):
            first = next(group)
            selected = [first[5], *(r[5] for r in group)]
            if len(selected) > 1:
                selected.sort()
            cast.append((first[1:5], selected))
        for heading in headings.get(cycle_id) or [None]:
            shown = [p for p in projects.get(cycle_id, []) if heading is None or p["heading_id"] == heading["heading_id"]]
            if not shown:  # a heading whose proposals were not put to the vote
                continue
            name = cycle_id + (f"_{heading['heading_id']}" if heading else "")
            yield f"{name}.pb", _one_file(wanted[cycle_id], heading, shown, cast, voting.get(cycle_id))


def _one_file(cycle, heading, projects: list, cast: list, voting) -> str:
    ids = {p["proposal_id"] for p in projects}
    ballots = []  # the ballots that selected a proposal of this file, with those selections only
    for ballot, selected in cast:
        vote = [p for p in selected if p in ids]
        if vote:
            ballots.append((ballot, ",".join(vote)))
    budget = heading["envelope"] if heading else cycle["envelope"]
    meta = [
        ("description", f"Participatory budget {cycle['cycle_id']}" + (f", heading {heading['heading_id']}" if heading else "")),
        ("country", "Morocco"),
        ("unit", cycle["unit"]),
        ("subunit", heading["name_fr"] or heading["name_ar"] if heading else None),
        ("instance", str(cycle["year"])),
        ("num_projects", len(projects)),
        ("num_votes", len(ballots)),
        ("budget", _number(budget)),
        ("vote_type", VOTE_TYPES[cycle["ballot_type"]]),
        ("rule", RULES[cycle["voting_rule"]]),
        ("date_begin", _date(voting["start_date"]) if voting else None),
        ("date_end", _date(voting["end_date"]) if voting else None),
        ("min_length", cycle["min_selections"]),
        ("max_length", cycle["max_selections"]),
        ("max_sum_cost", _number(budget) if cycle["ballot_type"] == "knapsack" else None),
        ("edition", str(cycle["edition"])),
        ("language", "ar"),
        ("currency", cycle["currency"]),
    ]
    text = "META\n" + _lines([["key", "value"], *([k, v] for k, v in meta if v not in (None, ""))])
    text += "PROJECTS\n" + _lines(
        [["project_id", "cost", "votes", "name", "category", "selected"]]
        + [
            [p["proposal_id"], _number(p["cost"]), p["votes"], p["title_ar"], p["category"] or "", 1 if p["selected"] == "yes" else 0]
            for p in projects
        ]
    )
    text += "VOTES\n" + _lines(
        [["voter_id", "vote", "age", "sex", "voting_method"]]
        + [
            [ballot_id, vote, "" if age_band in OPEN_AGE_BANDS else age_band or "", sex or "", METHODS[channel]]
            for (ballot_id, channel, age_band, sex), vote in ballots
        ]
    )
    return text


def write_release_files(db_path: Path, out_dir: Path) -> list[Path]:
    """The release step: published cycles -> out_dir/*.pb. Writes nothing (not even the folder) when no cycle has ballots."""
    db = sqlite3.connect(db_path)
    written = []
    try:
        for name, text in cycle_files(db):
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / name).write_text(text, encoding="utf-8")
            written.append(out_dir / name)
    finally:
        db.close()
    return sorted(written)
