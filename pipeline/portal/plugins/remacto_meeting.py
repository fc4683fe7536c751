"""Portal plugin: /-/meeting/<event_id>, a meeting as a page: date, place, theme, partners, objectives,
participant groups and the programme as a timetable with its speakers and their roles. Only what the
source gives is shown (no card of empty fields); its texts are in Arabic, as the source writes them,
marked `lang="ar"` on French and English pages."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.portal import members as data
from pipeline.portal.plugins.remacto_pb import day
from pipeline.portal.context import texts_for

MAIN_MEETING = "tta-regional-meeting-2025"
EVENT_SQL = "SELECT * FROM events WHERE event_id = :event"
EVENTS_SQL = "SELECT event_id, name_ar, start_date FROM events ORDER BY start_date"
ORGANIZATIONS_SQL = """
SELECT e.role, o.organization_id, o.name_ar, o.name_latin, o.acronym, e.source_id, e.source_ref
FROM event_organizations AS e JOIN organizations AS o ON o.organization_id = e.organization_id
WHERE e.event_id = :event ORDER BY e.role DESC, o.organization_id"""
OBJECTIVES_SQL = "SELECT objective_no, text_ar, source_ref FROM event_objectives WHERE event_id = :event ORDER BY objective_no"
GROUPS_SQL = """
SELECT g.group_no, g.parent_group_no, g.text_ar, g.collectivity_id, g.source_ref
FROM event_participant_groups AS g WHERE g.event_id = :event ORDER BY g.group_no"""
SESSIONS_SQL = """
SELECT s.session_id, s.agenda_row, s.order_in_row, s.kind, s.title_ar, s.start_time, s.end_time, s.parallel_track,
       s.time_as_written, s.source_ref
FROM event_sessions AS s WHERE s.event_id = :event ORDER BY s.agenda_row, s.order_in_row"""
SPEAKERS_SQL = """
SELECT sp.session_id, p.name_ar, p.honorific_ar, sp.role_ar, o.name_ar AS organization_ar, o.name_latin AS organization_latin
FROM session_speakers AS sp JOIN people AS p ON p.person_id = sp.person_id
LEFT JOIN organizations AS o ON o.organization_id = sp.organization_id
JOIN event_sessions AS s ON s.session_id = sp.session_id
WHERE s.event_id = :event ORDER BY sp.session_id, sp.person_id"""
SESSION_MEMBERS_SQL = """
SELECT sp.session_id, k.collectivity_id, k.name_ar, k.name_latin
FROM session_pb_initiatives AS sp JOIN pb_initiatives AS i ON i.pb_initiative_id = sp.pb_initiative_id
JOIN collectivities AS k ON k.collectivity_id = i.collectivity_id
JOIN event_sessions AS s ON s.session_id = sp.session_id
WHERE s.event_id = :event ORDER BY sp.session_id, k.collectivity_id"""


def programme(tx, sessions: list[dict], speakers: list[dict], named: list[dict]) -> list[dict]:
    """The agenda's rows in order, each with its time and its sessions (several in a row: parallel talks
    or workshops), each session with its speakers and the members whose initiatives it presents."""
    rows: dict[int, dict] = {}
    for s in sessions:
        s["kind_label"] = tx.code_label("event_sessions", "kind", s["kind"])
        s["speakers"] = [p for p in speakers if p["session_id"] == s["session_id"]]
        s["members"] = [dict(m, label=tx.name(m)) for m in named if m["session_id"] == s["session_id"]]
        time = "–".join(t for t in (s["start_time"], s["end_time"]) if t)
        rows.setdefault(s["agenda_row"], {"time": time, "sessions": [], "parallel": False})["sessions"].append(s)
        rows[s["agenda_row"]]["parallel"] |= bool(s["parallel_track"])
    return list(rows.values())


def participant_groups(groups: list[dict]) -> list[dict]:
    """The groups as the source nests them: a top group with its sub-groups."""
    top = [dict(g, children=[]) for g in groups if not g["parent_group_no"]]
    by_no = {g["group_no"]: g for g in top}
    for g in groups:
        if g["parent_group_no"] in by_no:
            by_no[g["parent_group_no"]]["children"].append(g)
    return top


async def meeting_page(datasette, request):
    tx = texts_for(datasette, request)
    db = data.db_of(datasette)
    params = {"event": request.url_vars.get("event_id") or MAIN_MEETING}
    found = await data.rows(db, EVENT_SQL, params)
    events = await data.rows(db, EVENTS_SQL)
    if not found:
        html = await datasette.render_template("remacto_meeting.html", {"missing": params["event"], "events": events}, request=request)
        return Response.html(html, status=404)
    event = found[0]
    organizations = [
        dict(o, label=tx.name(o), role_label=tx.code_label("event_organizations", "role", o["role"]))
        for o in await data.rows(db, ORGANIZATIONS_SQL, params)
    ]
    context = {
        "event": event,
        "date": day(tx, event["start_date"])
        + (f" – {day(tx, event['end_date'])}" if event["end_date"] not in (None, event["start_date"]) else ""),
        "city": tx.name(event, "city_ar", "city_latin"),
        "expected": (
            f"{tx.code_label('events', 'participants_qualifier', event['participants_qualifier'])} {event['expected_participants']}"
            if event["expected_participants"] and event["participants_qualifier"]
            else event["expected_participants"]
        ),
        "partners": [o for o in organizations if o["role"] != "network"],
        "objectives": await data.rows(db, OBJECTIVES_SQL, params),
        "groups": participant_groups(await data.rows(db, GROUPS_SQL, params)),
        "programme": programme(
            tx,
            await data.rows(db, SESSIONS_SQL, params),
            await data.rows(db, SPEAKERS_SQL, params),
            await data.rows(db, SESSION_MEMBERS_SQL, params),
        ),
        "events": [e for e in events if e["event_id"] != event["event_id"]],
    }
    return Response.html(await datasette.render_template("remacto_meeting.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/meeting$", meeting_page), (r"^/-/meeting/(?P<event_id>[a-z0-9]+(?:-[a-z0-9]+)*)$", meeting_page)]
