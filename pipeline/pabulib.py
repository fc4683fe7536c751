"""Pabulib export: each published PB cycle with anonymised ballots as a `.pb` file (META / PROJECTS /
VOTES, semicolon-separated), the format read by pabutools and checked by pabulib-checker
(https://pabulib.org/format). Pabulib holds one budget per file, so a cycle with territorial
headings gives one file per heading (META `subunit`), with the ballots cast in that heading."""
from __future__ import annotations

import csv
import io
import sqlite3
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


def cycle_files(db: sqlite3.Connection) -> dict[str, str]:
    """File name -> .pb text for every cycle (or heading) that has ballots and results; {} when none has.
    A cycle published with counts per channel only (pb_votes) has no ballots to write: Pabulib needs VOTES."""
    db.row_factory = sqlite3.Row
    out = {}
    cycles = db.execute(
        "SELECT c.*, COALESCE(k.name_latin, k.name_ar) AS unit FROM pb_cycles AS c "
        "JOIN collectivities AS k ON k.collectivity_id = c.collectivity_id "
        "WHERE EXISTS (SELECT 1 FROM pb_ballots AS b WHERE b.cycle_id = c.cycle_id) "
        "AND EXISTS (SELECT 1 FROM pb_results AS r JOIN pb_proposals AS p ON p.proposal_id = r.proposal_id "
        "WHERE p.cycle_id = c.cycle_id) ORDER BY c.cycle_id"
    ).fetchall()
    for cycle in cycles:
        headings = db.execute("SELECT * FROM pb_headings WHERE cycle_id = ? ORDER BY heading_id", (cycle["cycle_id"],)).fetchall()
        for heading in headings or [None]:
            name = cycle["cycle_id"] + (f"_{heading['heading_id']}" if heading else "")
            text = _one_file(db, cycle, heading)
            if text:
                out[f"{name}.pb"] = text
    return out


def _one_file(db: sqlite3.Connection, cycle, heading) -> str | None:
    where, args = "p.cycle_id = ?", [cycle["cycle_id"]]
    if heading:
        where, args = where + " AND p.heading_id = ?", args + [heading["heading_id"]]
    projects = db.execute(
        f"SELECT p.proposal_id, p.cost, p.title_ar, p.category, r.selected, "
        f"(SELECT COUNT(*) FROM pb_ballot_selections AS s WHERE s.proposal_id = p.proposal_id) AS votes "
        f"FROM pb_proposals AS p JOIN pb_results AS r ON r.proposal_id = p.proposal_id WHERE {where} ORDER BY p.proposal_id",
        args,
    ).fetchall()
    if not projects:  # a heading whose proposals were not put to the vote
        return None
    ids = [p["proposal_id"] for p in projects]
    marks = ",".join("?" for _ in ids)
    ballots = db.execute(
        f"SELECT b.ballot_id, b.channel, b.age_band, b.sex, group_concat(s.proposal_id, ',') AS vote "
        f"FROM pb_ballots AS b JOIN (SELECT * FROM pb_ballot_selections WHERE proposal_id IN ({marks}) ORDER BY proposal_id) AS s "
        f"ON s.ballot_id = b.ballot_id WHERE b.cycle_id = ? GROUP BY b.ballot_id ORDER BY b.ballot_id",
        [*ids, cycle["cycle_id"]],
    ).fetchall()
    voting = db.execute("SELECT start_date, end_date FROM pb_phases WHERE cycle_id = ? AND phase_kind = 'voting'",
                        (cycle["cycle_id"],)).fetchone()
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
        + [[p["proposal_id"], _number(p["cost"]), p["votes"], p["title_ar"], p["category"] or "",
            1 if p["selected"] == "yes" else 0] for p in projects]
    )
    text += "VOTES\n" + _lines(
        [["voter_id", "vote", "age", "sex", "voting_method"]]
        + [[b["ballot_id"], b["vote"], "" if b["age_band"] in OPEN_AGE_BANDS else b["age_band"] or "",
            b["sex"] or "", METHODS[b["channel"]]] for b in ballots]
    )
    return text


def write_release_files(db_path: Path, out_dir: Path) -> list[Path]:
    """The release step: published cycles -> out_dir/*.pb. Writes nothing (not even the folder) when no cycle has ballots."""
    db = sqlite3.connect(db_path)
    try:
        files = cycle_files(db)
    finally:
        db.close()
    written = []
    for name, text in sorted(files.items()):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    return written
