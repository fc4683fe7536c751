"""Import a PB cycle from the platforms communes use, into raw/ rows: a Decidim budgets "projects"
open-data export (CSV) and a Pabulib `.pb` file. Nothing is guessed: a column, key or code the
importer cannot place in our tables stops it with file, row, column and reason, and nothing is written.
After an import, `python -m pipeline validate` checks the rows like any others."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import Model
from pipeline.model.problems import problem
from pipeline.model.report import Problem

# Decidim::Budgets::ProjectSerializer, flattened by Decidim::Exporters::CSV ("a/b" columns, lists joined by ", "),
# across Decidim versions (category/scope, then taxonomies, address, reference; budget/id or
# decidim_budgets_budget_id/id), and the paper-ballots module's paper_ballots and total_votes.
DECIDIM_COLUMNS = {
    "id",
    "category/id",
    "scope/id",
    "taxonomies/id",
    "taxonomies/name",
    "participatory_space/id",
    "participatory_space/url",
    "component/id",
    "budget/id",
    "decidim_budgets_budget_id/id",
    "budget_amount",
    "confirmed_votes",
    "paper_ballots",
    "total_votes",
    "comments",
    "created_at",
    "updated_at",
    "url",
    "address",
    "reference",
    "related_proposals",
    "related_proposal_titles",
    "related_proposal_urls",
}
DECIDIM_LOCALISED = re.compile(
    r"(title|description|category/name|scope/name)/([a-z]{2}(?:[-_][A-Za-z]{2})?|machine_translations/[a-z]{2})"
    r"|author/[a-z_]+"
)  # the project's author: known, not stored

# Pabulib keys we read, and those we know but do not store (descriptive or recomputed from the rows).
PB_META_READ = {"budget", "vote_type", "rule", "min_length", "max_length", "currency", "date_begin", "date_end", "edition", "instance"}
PB_META_KNOWN = {
    "description",
    "country",
    "unit",
    "subunit",
    "district",
    "num_projects",
    "num_votes",
    "language",
    "comment",
    "acknowledgments",
    "fully_funded",
    "experimental",
    "max_sum_cost",
    "min_sum_cost",
}
PB_PROJECT_COLUMNS = {"project_id", "cost", "votes", "name", "category", "selected", "description"}
PB_VOTE_COLUMNS = {"voter_id", "vote", "age", "sex", "voting_method"}
PB_VOTE_TYPES = {"approval": "approval", "choose-1": "choose_one"}
PB_RULES = {"greedy": "greedy", "equalshares": "equal_shares"}
PB_METHODS = {"internet": "online", "paper": "paper"}
AGE_BANDS = [
    (0, 17, "under-18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 200, "65-plus"),
]


class PBImportError(ValueError):
    """The file cannot be imported as it is; `problems` say where and why. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            "\n".join(
                f"{p.file}" + (f", row {p.row}" if p.row else "") + (f", column {p.field!r}" if p.field else "") + f": {p.message}"
                for p in problems
            )
        )
        self.problems = problems


@dataclass
class _Collector:
    file: str
    problems: list[Problem] = field(default_factory=list)

    def fail(self, row, column, reason):
        self.problems.append(problem("import-error", self.file, row, column, reason=reason))

    def number(self, value: str, row, column, integer=False):
        text = value.strip()
        if not re.fullmatch(r"[0-9]+" if integer else r"[0-9]+(\.[0-9]+)?", text):
            self.fail(row, column, f"{value!r} is not a {'whole ' if integer else ''}number (no spaces, commas or signs)")
            return ""
        return text


def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _cycle(raw_dir: Path, cycle_id: str, shown: str) -> dict:
    rows = [r for r in _csv_rows(raw_dir / "pb_cycles.csv") if r["cycle_id"] == cycle_id]
    if not rows:
        raise PBImportError(
            [
                problem(
                    "import-error",
                    f"{raw_dir.name}/pb_cycles.csv",
                    None,
                    "cycle_id",
                    reason=f"no cycle {cycle_id!r}: add its row to pb_cycles.csv before importing {shown}",
                )
            ]
        )
    return rows[0]


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def from_decidim(path: Path, raw_dir: Path, cycle_id: str, source_id: str, proposer_type: str) -> dict[str, list[dict]]:
    """Decidim budgets projects export -> pb_proposals (feasible: Decidim puts only these to the vote)
    and pb_votes (confirmed votes, channel online). The cycle's row must exist in raw/pb_cycles.csv."""
    path, raw_dir = Path(path), Path(raw_dir)
    out = _Collector(path.name)
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    # Decidim's default CSV separator is ";" (Decidim.default_csv_col_sep); some instances use ",".
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if first.count(";") > first.count(",") else ","))
    header = list(rows[0].keys()) if rows else []
    for column in header:
        if column not in DECIDIM_COLUMNS and not DECIDIM_LOCALISED.fullmatch(column):
            out.fail(1, column, "unknown column in a Decidim budgets projects export; nothing was imported")
    budget_column = "decidim_budgets_budget_id/id" if "decidim_budgets_budget_id/id" in header else "budget/id"
    for needed in ("id", budget_column, "budget_amount", "confirmed_votes", "title/ar"):
        if needed not in header:
            out.fail(1, needed, "this column is required (title/ar: our proposals carry their Arabic title)")
    if out.problems:
        raise PBImportError(out.problems)
    cycle = _cycle(raw_dir, cycle_id, path.name)
    budgets = sorted({r[budget_column] for r in rows})
    headings = {h["heading_id"] for h in _csv_rows(raw_dir / "pb_headings.csv") if h["cycle_id"] == cycle_id}
    heading_for = {b: f"{cycle_id}-budget-{b}" for b in budgets}
    if len(budgets) > 1 and not set(heading_for.values()) <= headings:
        out.fail(
            None,
            "budget/id",
            f"the export holds budgets {', '.join(budgets)}: add a heading {cycle_id}-budget-<id> "
            "for each to pb_headings.csv (with its envelope), then import again",
        )
    proposals, votes = [], []
    for n, r in enumerate(rows, start=2):
        pid = out.number(r["id"], n, "id", integer=True)
        ref = f"{path.name}, project id {r['id']}"
        proposals.append(
            {
                "proposal_id": f"{cycle_id}-d{pid}",
                "cycle_id": cycle_id,
                "collectivity_id": cycle["collectivity_id"],
                "heading_id": heading_for[r[budget_column]] if len(budgets) > 1 else "",
                "title_ar": r["title/ar"].strip(),
                "title_fr": (r.get("title/fr") or "").strip(),
                "description": (r.get("description/ar") or r.get("description/fr") or "").strip(),
                "category": (r.get("category/name/ar") or r.get("category/name/fr") or "").strip(),
                "cost": out.number(r["budget_amount"], n, "budget_amount"),
                "proposer_type": proposer_type,
                "feasibility": "feasible",
                "unfeasibility_reason": "",
                "source_id": source_id,
                "source_ref": ref,
            }
        )
        if not r["title/ar"].strip():
            out.fail(n, "title/ar", "the Arabic title is empty")
        online = out.number(r["confirmed_votes"], n, "confirmed_votes", integer=True)
        votes.append(
            {
                "proposal_id": f"{cycle_id}-d{pid}",
                "channel": "online",
                "votes": online,
                "start_date": "",
                "end_date": "",
                "source_id": source_id,
                "source_ref": ref,
            }
        )
        if r.get("paper_ballots"):
            paper = out.number(r["paper_ballots"], n, "paper_ballots", integer=True)
            votes.append({**votes[-1], "channel": "paper", "votes": paper})
            if online and paper and r.get("total_votes") and r["total_votes"] != str(int(online) + int(paper)):
                out.fail(n, "total_votes", f"{r['total_votes']!r} is not confirmed_votes + paper_ballots ({int(online) + int(paper)})")
    if out.problems:
        raise PBImportError(out.problems)
    return {"pb_proposals": proposals, "pb_votes": votes}


def _pb_sections(path: Path, out: _Collector) -> dict[str, tuple[list[str], list[tuple[int, list[str]]]]]:
    sections, current = {}, None
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    reader = csv.reader(lines, delimiter=";")
    for row in reader:
        n = reader.line_num
        if not row or not "".join(row).strip():
            continue
        if len(row) == 1 and row[0].strip().upper() in ("META", "PROJECTS", "VOTES"):
            current = row[0].strip().upper()
            header = [c.strip() for c in next(reader, [])]
            sections[current] = (header, [])
        elif current is None:
            out.fail(n, None, "data before the META section")
        else:
            sections[current][1].append((n, [c.strip() for c in row]))
    for name in ("META", "PROJECTS", "VOTES"):
        if name not in sections:
            out.fail(None, None, f"the {name} section is missing")
    return sections


def _date(value: str, out: _Collector, n: int, key: str) -> str:
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", value)
    if m:
        return f"{m[3]}-{m[2]}-{m[1]}"
    if not re.fullmatch(r"\d{4}", value):
        out.fail(n, key, f"{value!r} is neither DD.MM.YYYY nor YYYY")
    return ""


def _age_band(value: str, out: _Collector, n: int) -> str:
    if not value or value.lower() == "none":
        return ""
    if value in {b for _, _, b in AGE_BANDS}:
        return value
    if value.isdigit():
        return next(b for lo, hi, b in AGE_BANDS if lo <= int(value) <= hi)
    out.fail(n, "age", f"{value!r} is not an age or one of our bands ({', '.join(b for _, _, b in AGE_BANDS)})")
    return ""


def from_pabulib(
    path: Path,
    raw_dir: Path,
    cycle_id: str,
    pb_initiative_id: str,
    title_ar: str,
    source_id: str,
    proposer_type: str,
    edition: int | None = None,
) -> dict[str, list[dict]]:
    """A Pabulib file -> pb_cycles, the voting phase (from date_begin/date_end), pb_proposals (feasible:
    they were voted on), pb_ballots, pb_ballot_selections and pb_results."""
    path, raw_dir = Path(path), Path(raw_dir)
    out = _Collector(path.name)
    sections = _pb_sections(path, out)
    if out.problems:
        raise PBImportError(out.problems)
    meta = {}
    for n, row in sections["META"][1]:
        key, value = row[0], (row[1] if len(row) > 1 else "")
        if key not in PB_META_READ | PB_META_KNOWN:
            out.fail(n, key, "unknown META key: our tables have no place for it; nothing was imported")
        meta[key] = (n, value)

    def code(key, mapping, what):
        n, value = meta.get(key, (None, ""))
        if value not in mapping:
            out.fail(n, key, f"{value!r} is not a {what} we can store; supported: {', '.join(mapping)}")
        return mapping.get(value, "")

    ballot_type = code("vote_type", PB_VOTE_TYPES, "vote type")
    rule = code("rule", PB_RULES, "rule")
    currency = code("currency", {"MAD": "MAD"}, "currency")
    initiatives = {r["pb_initiative_id"]: r for r in _csv_rows(raw_dir / "pb_initiatives.csv")}
    if pb_initiative_id not in initiatives:
        out.fail(None, None, f"no initiative {pb_initiative_id!r} in pb_initiatives.csv")
    begin_n, begin = meta.get("date_begin", (None, ""))
    end_n, end = meta.get("date_end", (None, ""))
    start_date, end_date = _date(begin, out, begin_n, "date_begin"), _date(end, out, end_n, "date_end")
    year = meta.get("instance", (None, ""))[1]
    if not re.fullmatch(r"\d{4}", year):
        year = start_date[:4]
    if not year:
        out.fail(meta.get("instance", (None,))[0], "instance", "no year: give instance as YYYY or date_begin as DD.MM.YYYY")
    ref = path.name
    src = {"source_id": source_id}
    cycle = {
        "cycle_id": cycle_id,
        "pb_initiative_id": pb_initiative_id,
        "collectivity_id": initiatives.get(pb_initiative_id, {}).get("collectivity_id", ""),
        "edition": str(edition or meta.get("edition", (None, "1"))[1] or 1),
        "year": year,
        "title_ar": title_ar,
        "title_fr": "",
        "envelope": out.number(meta.get("budget", (None, ""))[1], meta.get("budget", (None,))[0], "budget"),
        "currency": currency,
        "voting_rule": rule,
        "ballot_type": ballot_type,
        "min_selections": meta.get("min_length", (None, ""))[1],
        "max_selections": meta.get("max_length", (None, ""))[1],
        "status": "results_published",
        **src,
        "source_ref": f"{ref}, META",
    }
    phases = (
        [
            {
                "cycle_id": cycle_id,
                "phase_kind": "voting",
                "start_date": start_date,
                "end_date": end_date,
                **src,
                "source_ref": f"{ref}, META date_begin/date_end",
            }
        ]
        if start_date and end_date
        else []
    )

    header, rows = sections["PROJECTS"]
    for column in header:
        if column not in PB_PROJECT_COLUMNS:
            out.fail(None, column, "unknown PROJECTS column: our tables have no place for it; nothing was imported")
    proposals, results, ids = [], [], {}
    for n, row in rows:
        r = dict(zip(header, row))
        pid = f"{cycle_id}-{_slug(r['project_id'])}"
        ids[r["project_id"]] = pid
        where = f"{ref}, PROJECTS line {n}"
        if not r.get("name"):
            out.fail(n, "name", "a project needs its name (published as the proposal's Arabic title)")
        proposals.append(
            {
                "proposal_id": pid,
                "cycle_id": cycle_id,
                "collectivity_id": cycle["collectivity_id"],
                "heading_id": "",
                "title_ar": r.get("name", ""),
                "title_fr": "",
                "description": r.get("description", ""),
                "category": r.get("category", ""),
                "cost": out.number(r.get("cost", ""), n, "cost"),
                "proposer_type": proposer_type,
                "feasibility": "feasible",
                "unfeasibility_reason": "",
                **src,
                "source_ref": where,
            }
        )
        selected = {"1": "yes", "0": "no"}.get(r.get("selected", ""))
        if selected is None:
            out.fail(n, "selected", f"{r.get('selected', '')!r}: only 1 (selected) and 0 (not selected) can be stored")
        results.append(
            {
                "proposal_id": pid,
                "votes": r.get("votes", ""),
                "selected": selected or "",
                "allocated_amount": "",
                "budget_line": "",
                **src,
                "source_ref": where,
            }
        )

    header, rows = sections["VOTES"]
    for column in header:
        if column not in PB_VOTE_COLUMNS:
            out.fail(None, column, "unknown VOTES column: our tables have no place for it; nothing was imported")
    ballots, selections, counts = [], [], {pid: 0 for pid in ids.values()}
    for n, row in rows:
        r = dict(zip(header, row))
        bid = f"{cycle_id}-{r['voter_id']}"
        where = f"{ref}, VOTES line {n}"
        channel = PB_METHODS.get(r.get("voting_method", ""))
        if channel is None:
            out.fail(n, "voting_method", f"{r.get('voting_method', '')!r} is not a channel we store (internet or paper)")
        sex = r.get("sex", "")
        if sex.lower() in ("", "none"):
            sex = ""
        elif sex not in ("F", "M"):
            out.fail(n, "sex", f"{sex!r} has no code in pb_ballots (F or M)")
        ballots.append(
            {
                "ballot_id": bid,
                "cycle_id": cycle_id,
                "channel": channel or "",
                "cast_date": "",
                "age_band": _age_band(r.get("age", ""), out, n),
                "sex": sex,
                **src,
                "source_ref": where,
            }
        )
        for project in filter(None, r.get("vote", "").split(",")):
            if project not in ids:
                out.fail(n, "vote", f"{project!r} is not a project of the PROJECTS section")
                continue
            counts[ids[project]] += 1
            selections.append({"ballot_id": bid, "proposal_id": ids[project], **src, "source_ref": where})
    for result in results:
        if not result["votes"]:
            result["votes"] = str(counts[result["proposal_id"]])
    if out.problems:
        raise PBImportError(out.problems)
    return {
        "pb_cycles": [cycle],
        "pb_phases": phases,
        "pb_proposals": proposals,
        "pb_ballots": ballots,
        "pb_ballot_selections": selections,
        "pb_results": results,
    }


def append_rows(raw_dir: Path, model: Model, tables: dict[str, list[dict]]) -> dict[str, int]:
    """Append imported rows to raw/<table>.csv in the schema's column order; returns rows added per table.
    A value outside a column's codes (e.g. a --proposer-type typo) stops it before anything is written."""
    problems = [
        problem(
            "import-error",
            f"{Path(raw_dir).name}/{name}.csv",
            None,
            f.name,
            reason=f"{row[f.name]!r} is not a code of {f.name} ({', '.join(f.codes)}); from {row.get('source_ref', 'the import')}",
        )
        for name, rows in tables.items()
        for f in model.tables[name].fields
        if f.codes
        for row in rows
        if row.get(f.name) and row[f.name] not in f.codes
    ]
    if problems:
        raise PBImportError(problems[:20])
    for name, rows in tables.items():
        fields = model.tables[name].field_names
        with (Path(raw_dir) / f"{name}.csv").open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows([row.get(f, "") for f in fields] for row in rows)
    return {name: len(rows) for name, rows in tables.items()}
