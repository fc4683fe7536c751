"""Portal plugin: participatory-budgeting cycle pages a citizen can read, the way Decidim or CONSUL show
a budget. `/-/pb` lists the published cycles (or says none is published yet, with the initiatives that
will have them); `/-/pb/<cycle_id>` shows one cycle: envelope, dated phases, proposals with cost and
feasibility, votes per proposal (a chart and its table), the winners as the cycle's results state them
with the money allocated, and implementation progress. Everything is read from the served release
through Datasette's database API; winners are never recomputed (pb_results says which were selected,
and the release's rules check them against the envelope)."""

from __future__ import annotations

import functools

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import charts
from pipeline.settings import DB_NAME
from pipeline.portal.context import texts_for

# The pages name these tables and columns; their titles come from the release's schemas.
CYCLE_SQL = """
SELECT c.*, k.name_ar, k.name_latin, s.title_ar AS source_title_ar, s.title_en AS source_title_en
FROM pb_cycles AS c
JOIN collectivities AS k ON k.collectivity_id = c.collectivity_id
LEFT JOIN sources AS s ON s.source_id = c.source_id
WHERE c.cycle_id = :cycle"""
PHASES_SQL = """
SELECT p.phase_kind, p.start_date, p.end_date FROM pb_phases AS p
LEFT JOIN pb_phase_kinds AS k ON k.phase_kind = p.phase_kind
WHERE p.cycle_id = :cycle ORDER BY k.phase_order, p.start_date"""
HEADINGS_SQL = "SELECT heading_id, name_ar, name_fr, envelope FROM pb_headings WHERE cycle_id = :cycle ORDER BY heading_id"
PROPOSALS_SQL = """
SELECT p.proposal_id, p.heading_id, p.title_ar, p.title_fr, p.category, p.cost, p.proposer_type, p.feasibility,
       p.unfeasibility_reason, r.votes, r.selected, r.allocated_amount, r.budget_line
FROM pb_proposals AS p LEFT JOIN pb_results AS r ON r.proposal_id = p.proposal_id
WHERE p.cycle_id = :cycle
ORDER BY r.votes IS NULL, r.votes DESC, p.proposal_id"""
MILESTONES_SQL = """
SELECT m.proposal_id, m.milestone_date, m.status, m.progress_percent, m.amount_spent, m.note
FROM pb_milestones AS m JOIN pb_proposals AS p ON p.proposal_id = m.proposal_id
WHERE p.cycle_id = :cycle ORDER BY m.proposal_id, m.milestone_date"""
BALLOTS_SQL = "SELECT channel, COUNT(*) AS n FROM pb_ballots WHERE cycle_id = :cycle GROUP BY channel ORDER BY channel"
COUNTED_SQL = """
SELECT v.channel, SUM(v.votes) AS n FROM pb_votes AS v JOIN pb_proposals AS p ON p.proposal_id = v.proposal_id
WHERE p.cycle_id = :cycle GROUP BY v.channel ORDER BY v.channel"""
CYCLES_SQL = """
SELECT c.cycle_id, c.pb_initiative_id, c.collectivity_id, c.year, c.edition, c.title_ar, c.title_fr, c.envelope,
       c.currency, c.status, k.name_ar, k.name_latin
FROM pb_cycles AS c JOIN collectivities AS k ON k.collectivity_id = c.collectivity_id
{where} ORDER BY k.collectivity_id, c.year, c.edition, c.cycle_id"""
INITIATIVES_SQL = """
SELECT i.pb_initiative_id, i.collectivity_id, k.name_ar, k.name_latin, i.project_id, p.title_ar AS project_ar,
       (SELECT COUNT(*) FROM pb_cycles AS c WHERE c.pb_initiative_id = i.pb_initiative_id) AS cycles
FROM pb_initiatives AS i JOIN collectivities AS k ON k.collectivity_id = i.collectivity_id
LEFT JOIN projects AS p ON p.project_id = i.project_id
ORDER BY k.collectivity_id"""
SUPPORTERS_SQL = """
SELECT s.pb_initiative_id, o.name_ar, o.name_latin FROM pb_initiative_supporters AS s
JOIN organizations AS o ON o.organization_id = s.organization_id ORDER BY s.pb_initiative_id, o.organization_id"""


def amount(tx, value, currency: str) -> str:
    """An amount with the language's separators (CLDR, through Babel) and the currency's word
    (`currency_<code>`): 1.000.000 درهم, 1 000 000 dirhams, 1,000,000 dirhams."""
    if value is None:
        return ""
    return f"{tx.number(round(value, 2))}\u00a0{tx.ui('currency_' + currency)}"


def day(tx, iso: str | None) -> str:
    """A date as the language writes it (CLDR): 6 أبريل 2026, 6 avril 2026, 6 April 2026."""
    return tx.day(iso)


def title(tx, row: dict, ar: str = "title_ar", fr: str = "title_fr") -> tuple[str, str]:
    """(text, its language): the French title on French and English pages where the commune published
    one, else the Arabic one; never a translation of ours."""
    if tx.lang != "ar" and row.get(fr):
        return row[fr], "fr"
    return row.get(ar) or "", "ar"


def _by_channel(tx, rows: list[dict]) -> list[tuple[str, int]]:
    return [(tx.code_label("pb_ballots", "channel", r["channel"]), r["n"]) for r in rows]


async def _rows(db, sql: str, params: dict | None = None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


async def cycles_page(datasette, request):
    """/-/pb: every published cycle, or "no cycle published yet" and the initiatives waiting for one;
    `?initiative=` or `?collectivity=` keeps one initiative's or collectivity's cycles."""
    tx = texts_for(datasette, request)
    db = datasette.get_database(DB_NAME)
    where, params = "", {}
    for arg, column in (("initiative", "pb_initiative_id"), ("collectivity", "collectivity_id")):
        if request.args.get(arg):
            where, params = f"WHERE c.{column} = :value", {"value": request.args[arg]}
    cycles = await _rows(db, CYCLES_SQL.format(where=where), params)
    for c in cycles:
        c["title"], c["title_lang"] = title(tx, c)
        c["collectivity"] = tx.name(c)
        c["envelope_text"] = amount(tx, c["envelope"], c["currency"])
        c["status_text"] = tx.code_label("pb_cycles", "status", c["status"])
    supporters = await _rows(db, SUPPORTERS_SQL)
    initiatives = [
        dict(i, collectivity=tx.name(i), supporters=[tx.name(o) for o in supporters if o["pb_initiative_id"] == i["pb_initiative_id"]])
        for i in await _rows(db, INITIATIVES_SQL)
    ]
    context = {"cycles": cycles, "initiatives": initiatives, "filtered": bool(where)}
    return Response.html(await datasette.render_template("remacto_pb_cycles.html", context, request=request))


async def cycle_page(datasette, request):
    """/-/pb/<cycle_id>: one cycle as a citizen reads it."""
    tx = texts_for(datasette, request)
    db = datasette.get_database(DB_NAME)
    params = {"cycle": request.url_vars["cycle_id"]}
    found = await _rows(db, CYCLE_SQL, params)
    if not found:
        html = await datasette.render_template(
            "remacto_pb_cycles.html", {"missing": params["cycle"], "cycles": [], "initiatives": []}, request=request
        )
        return Response.html(html, status=404)
    cycle = found[0]
    currency = cycle["currency"]
    money = functools.partial(amount, tx, currency=currency)  # one currency per cycle
    cycle.update(
        title=title(tx, cycle),
        collectivity=tx.name(cycle),
        envelope_text=money(cycle["envelope"]),
        source_title=cycle["source_title_en"] if tx.lang != "ar" or not cycle["source_title_ar"] else cycle["source_title_ar"],
    )
    phases = [
        dict(p, label=tx.code_label("pb_phases", "phase_kind", p["phase_kind"]), start=day(tx, p["start_date"]), end=day(tx, p["end_date"]))
        for p in await _rows(db, PHASES_SQL, params)
    ]
    headings = {
        h["heading_id"]: dict(h, name=title(tx, h, "name_ar", "name_fr"), envelope_text=money(h["envelope"]))
        for h in await _rows(db, HEADINGS_SQL, params)
    }
    milestones: dict[str, list[dict]] = {}
    for m in await _rows(db, MILESTONES_SQL, params):
        milestones.setdefault(m["proposal_id"], []).append(
            dict(
                m,
                date=day(tx, m["milestone_date"]),
                status_text=tx.code_label("pb_milestones", "status", m["status"]),
                spent=money(m["amount_spent"]),
            )
        )
    proposals = []
    for p in await _rows(db, PROPOSALS_SQL, params):
        p.update(
            title=title(tx, p),
            cost_text=money(p["cost"]),
            allocated_text=money(p["allocated_amount"]),
            feasibility_text=tx.code_label("pb_proposals", "feasibility", p["feasibility"]),
            proposer_text=tx.code_label("pb_proposals", "proposer_type", p["proposer_type"]),
            heading=headings.get(p["heading_id"]),
            milestones=milestones.get(p["proposal_id"], []),
        )
        proposals.append(p)
    voted = [p for p in proposals if p["votes"] is not None]
    winners = [p for p in voted if p["selected"] == "yes"]
    allocated = sum(p["allocated_amount"] or 0 for p in winners)
    for h in headings.values():
        h["allocated_text"] = money(sum(p["allocated_amount"] or 0 for p in winners if p["heading_id"] == h["heading_id"]))
    context = {
        "cycle": cycle,
        "phases": phases,
        "headings": list(headings.values()),
        "proposals": proposals,
        "winners": winners,
        "allocated_text": money(allocated),
        "unallocated_text": money(cycle["envelope"] - allocated) if winners else "",
        "rule": tx.code_label("pb_cycles", "voting_rule", cycle["voting_rule"]),
        "ballot_type": tx.code_label("pb_cycles", "ballot_type", cycle["ballot_type"]),
        "status": tx.code_label("pb_cycles", "status", cycle["status"]),
        "ballots": _by_channel(tx, await _rows(db, BALLOTS_SQL, params)),
        "counted": _by_channel(tx, await _rows(db, COUNTED_SQL, params)),
        "votes_chart": charts.bar_chart(tx.ui("pb_votes_per_proposal"), [(p["title"][0], p["votes"]) for p in voted], tx.dir == "rtl")
        if voted
        else "",
    }
    return Response.html(await datasette.render_template("remacto_pb_cycle.html", context, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/-/pb$", cycles_page),
        (r"^/-/pb/(?P<cycle_id>[a-z0-9]+(?:-[a-z0-9]+)*)$", cycle_page),
    ]


@hookimpl
def extra_template_vars(view_name, table, request, datasette):
    """On an initiative's or a collectivity's row page, its cycles (for _pb_cycle_links.html)."""
    if view_name != "row" or table not in ("pb_initiatives", "collectivities") or request is None:
        return {}
    column = "pb_initiative_id" if table == "pb_initiatives" else "collectivity_id"
    key = request.url_vars.get("pks")

    async def inner():
        tx = texts_for(datasette, request)
        db = datasette.get_database(DB_NAME)
        rows = await _rows(db, CYCLES_SQL.format(where=f"WHERE c.{column} = :value"), {"value": key})
        has_initiative = table == "pb_initiatives" or bool(
            (await db.execute("SELECT 1 FROM pb_initiatives WHERE collectivity_id = :value", {"value": key})).rows
        )
        return {
            "pb_cycle_links": {
                "shown": has_initiative or bool(rows),
                "index": f"/-/pb?{'initiative' if table == 'pb_initiatives' else 'collectivity'}={key}",
                "cycles": [dict(r, title=title(tx, r), status_text=tx.code_label("pb_cycles", "status", r["status"])) for r in rows],
            }
        }

    return inner
