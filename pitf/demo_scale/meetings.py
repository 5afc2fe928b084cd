"""The scale data's meetings across the bodies, past and coming: agendas with their items, attendance, and
minutes (approved, for a FACA body certified by the chair, for most past meetings; some corrected)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from pitf.markdown import render_markdown
from pitf.models import Agenda, AgendaItem, Attendance, AuditEntry, Meeting, Minutes, MinutesRevision
from pitf.services.minutes import certification_text

from .bulk import insert_rows
from .context import Body, Context, rng, table
from .items import SUBJECTS, Built

ZONE = "America/New_York"
TOPICS = ["Welcome and introductions", "Review of the last meeting's action items", "Agency updates",
          "Survivor engagement", "Forced labor in supply chains", "Victim services funding", "Data call results",
          "Public awareness campaign", "Grant solicitations", "Training for task forces", "Screening protocols",
          "Report to Congress", "Public comment", "Next steps and adjournment"]
PLACES = ["Harry S Truman Building, Washington, DC", "Robert F. Kennedy Department of Justice Building",
          "Frances Perkins Building, Washington, DC", "Virtual (video conference)", "Hubert H. Humphrey Building"]
NAMES = ["Alex Kim", "Blair Ortiz", "Chris Patel", "Dana Novak", "Eli Grant", "Fran Osei", "Gale Moreno",
         "Harper Quinn", "Indra Shah", "Jules Park", "Kai Romero", "Lee Adeyemi"]
DISCUSSION = ("Discussion: members reported on their agencies' work and asked questions.\n\n"
              "Resolution: noted; the secretariat follows up.")
DOCUMENTS = "## Documents received or issued\n\nNone."
CORRECTION = "Corrected the spelling of a presenter's name."


@dataclass
class Meetings:
    ids: list[int]
    with_minutes: list[int]
    audit: int


def _weekday(day: date) -> date:
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _plan(m: int, ctx: Context, unit_items: list[int], recs: list[int]):
    g = rng("meeting", m)
    body: Body = g.choices(ctx.bodies, weights=ctx.committee_weights)[0]
    day = _weekday(ctx.today + timedelta(days=g.randint(-2190, 365)))
    start = datetime(day.year, day.month, day.day, g.randint(14, 18), g.choice((0, 30)), tzinfo=ZoneInfo("UTC"))
    topics = [TOPICS[0], *g.sample(TOPICS[1:-1], g.randint(2, 5)), TOPICS[-1]]
    durations = [g.choice((10, 15, 20, 30, 40, 45)) for _ in topics]
    end = start + timedelta(minutes=max(60, sum(durations)))
    cancelled = g.random() < 0.04
    subject = g.choice(SUBJECTS)
    row = {"committee_id": body.id, "title": f"{body.short_name or body.name} meeting: {subject}"[:200],
           "timezone": ZONE, "location": g.choice(PLACES), "virtual_url": "", "is_open": g.random() < 0.85,
           "cancel_reason": "The chair is travelling; the meeting moves to next month." if cancelled else "",
           "short_notice_reason": "", "starts_at": start, "ends_at": end,
           "status": "cancelled" if cancelled else "scheduled", "federal_register_notice_date": None,
           "series_key": None, "joint_with_committee_id": None, "ics_sequence": 1 if cancelled else 0,
           "created_by_id": ctx.secretariat_id, "version": 1,
           "created_at": min(start - timedelta(days=g.randint(30, 60)), ctx.now)}
    row["updated_at"] = row["created_at"]
    if body.follows_faca:
        notice = g.randint(8, 14) if g.random() < 0.1 else g.randint(16, 30)
        row["federal_register_notice_date"] = start.date() - timedelta(days=notice)
        if notice < 15:
            row["short_notice_reason"] = "Rescheduled to meet the SPOG before the PITF's annual meeting."
    agenda = None
    if not cancelled and (end < ctx.now or g.random() < 0.8):
        published = start - timedelta(days=20)
        agenda = {"published": published if published < ctx.now and g.random() < 0.9 else None, "items": [
            {"position": i, "title": t, "presenter": "", "duration_minutes": d,
             "presenter_agency_id": g.choice(body.member_agencies) if body.member_agencies and i else None,
             "action_item_id": g.choice(unit_items) if unit_items and 0 < i < len(topics) - 1 and g.random() < 0.3
             else None,
             "recommendation_id": g.choice(recs) if recs and body.kind in ("advisory_council", "operating_group")
             and 0 < i < len(topics) - 1 and g.random() < 0.3 else None}
            for i, (t, d) in enumerate(zip(topics, durations, strict=True))]}
    held = not cancelled and end < ctx.now
    attendance = []
    if held:
        for agency in body.member_agencies:
            status = g.choices(("present", "absent", "represented"), weights=(80, 10, 10))[0]
            attendance.append({"user_id": None, "agency_id": agency, "name": g.choice(NAMES),
                               "attendee_kind": "agency_employee", "status": status,
                               "represented_by": g.choice(NAMES) if status == "represented" else ""})
        for person in body.member_people:
            attendance.append({"user_id": person, "agency_id": None, "name": ctx.label(person).split("@")[0],
                               "attendee_kind": "member", "status": g.choices(("present", "absent"), (9, 1))[0],
                               "represented_by": ""})
        if ctx.secretariat_id:
            attendance.append({"user_id": ctx.secretariat_id, "agency_id": None, "name": "Secretariat (IGA)",
                               "attendee_kind": "staff", "status": "present", "represented_by": ""})
    minutes = None
    age = (ctx.now - end).days if held else -1
    if age > 45:
        minutes = g.choices(("approved", "circulated"), weights=(9, 1))[0]
    elif age >= 0:
        minutes = g.choices((None, "draft", "circulated"), weights=(4, 3, 3))[0]
    return row, body, topics, agenda, attendance, minutes, g


def _minutes_text(row: dict, body: Body, topics: list[str], present: list[str], ctx: Context) -> tuple[str, str]:
    local = row["starts_at"].astimezone(ZoneInfo(ZONE))
    head = (f"# Minutes: {row['title']}\n\n- **Body:** {body.name}\n"
            f"- **Date and time:** {local.strftime('%A, %B %-d, %Y, %-I:%M %p %Z')}\n- **Place:** {row['location']}")
    people = f"## Present\n\n{'; '.join(present) or 'Attendance was not taken.'}"
    blocks = [head, people, "## Matters discussed",
              *[f"### {n}. {t}\n\n{DISCUSSION}" for n, t in enumerate(topics, 1)], DOCUMENTS]
    # Each block renders on its own; the repeated ones once per load.
    html = [render_markdown(head), render_markdown(people), *[ctx.html(b) for b in blocks[2:]]]
    return "\n\n".join(blocks), "\n".join(html)


def add_meetings(session: Session, ctx: Context, first: int, count: int, unit_items: dict[int, Built],
                 recs: list[int]) -> Meetings:
    """Meetings first .. first+count-1 with their agendas, attendance and minutes."""
    out = Meetings([], [], 0)
    if count < 1:
        return out
    item_ids = [item_id for item_id, _, _ in unit_items.values()]
    plans = [_plan(m, ctx, item_ids, recs) for m in range(first, first + count)]
    mt = table(Meeting)
    ids = session.execute(insert(mt).returning(mt.c.id, sort_by_parameter_order=True),
                          [p[0] for p in plans]).scalars().all()
    out.ids = list(ids)
    staff = ctx.secretariat_id
    audits = [{"actor_id": staff, "actor_label": ctx.label(staff), "action": "meeting.created",
               "object_type": "Meeting", "object_id": mid, "changes": {"title": [None, p[0]["title"]]},
               "created_at": p[0]["created_at"]} for mid, p in zip(ids, plans, strict=True)]
    agendas = [(mid, p) for mid, p in zip(ids, plans, strict=True) if p[3] is not None]
    if agendas:
        at = table(Agenda)
        rows = [{"meeting_id": mid, "published_at": p[3]["published"],
                 "published_by_id": staff if p[3]["published"] else None, "version": 1,
                 "created_at": p[0]["created_at"], "updated_at": p[3]["published"] or p[0]["created_at"]}
                for mid, p in agendas]
        agenda_ids = session.execute(insert(at).returning(at.c.id, sort_by_parameter_order=True),
                                     rows).scalars().all()
        insert_rows(session, table(AgendaItem), [
            {**item, "agenda_id": aid, "presenter_user_id": None, "notes_md": "", "notes_html": "", "version": 1,
             "created_at": row["created_at"], "updated_at": row["created_at"]}
            for aid, row, (_, p) in zip(agenda_ids, rows, agendas, strict=True) for item in p[3]["items"]])
        audits += [{"actor_id": staff, "actor_label": ctx.label(staff), "action": "agenda.published",
                    "object_type": "Meeting", "object_id": mid, "changes": {"published_at": [None, "published"]},
                    "created_at": p[3]["published"]} for mid, p in agendas if p[3]["published"]]
    acronyms = dict(ctx.agencies)
    attendance = [{**a, "meeting_id": mid, "version": 1, "created_at": p[0]["ends_at"], "updated_at": p[0]["ends_at"]}
                  for mid, p in zip(ids, plans, strict=True) for a in p[4]]
    if attendance:
        insert_rows(session, table(Attendance), attendance)
    minutes, revisions = [], []
    for mid, (row, body, topics, _, att, state, g) in zip(ids, plans, strict=True):
        if state is None:
            continue
        present = [f"{a['name']} ({acronyms.get(a['agency_id'], 'staff')})" if a["agency_id"] else a["name"]
                   for a in att if a["status"] != "absent"]
        body_md, body_html = _minutes_text(row, body, topics, present, ctx)
        written = row["ends_at"] + timedelta(days=g.randint(1, 10))
        circulated = written + timedelta(days=g.randint(1, 10)) if state != "draft" else None
        approved = circulated + timedelta(days=g.randint(7, 30)) if state == "approved" and circulated else None
        approver = (ctx.council_chair_id if body.follows_faca else None) or staff
        cert = certification_text(row["starts_at"].astimezone(ZoneInfo(ZONE)).date()) if body.follows_faca else ""
        corrected = state == "approved" and g.random() < 0.03
        last = (approved or circulated or written) + (timedelta(days=40) if corrected else timedelta())
        minutes.append({"meeting_id": mid, "status": state, "revision": 2 if corrected else 1, "body_md": body_md,
                        "body_html": body_html, "approved_revision": (2 if corrected else 1) if approved else None,
                        "circulated_at": circulated, "approved_at": last if approved else None,
                        "approved_by_id": approver if approved else None, "version": 3 if approved else 1,
                        "created_at": written, "updated_at": last})
        first_rev = {"revision": 1, "status": state, "reason": "", "body_md": body_md, "body_html": body_html,
                     "certification_text": cert if approved else "", "approved_by_id": approver if approved else None,
                     "approved_at": approved, "created_by_id": staff, "created_at": written}
        revisions.append([first_rev] + ([{**first_rev, "revision": 2, "reason": CORRECTION,
                                          "approved_at": last, "created_at": last - timedelta(days=7)}]
                                        if corrected else []))
        audits.append({"actor_id": staff, "actor_label": ctx.label(staff), "action": "attendance.saved",
                       "object_type": "Meeting", "object_id": mid, "changes": {"entries": [None, len(att)]},
                       "created_at": written})
        if approved:
            audits.append({"actor_id": approver, "actor_label": ctx.label(approver),
                           "action": "minutes.certified" if body.follows_faca else "minutes.approved",
                           "object_type": "Meeting", "object_id": mid,
                           "changes": {"status": ["circulated", "approved"]}, "created_at": last})
        out.with_minutes.append(mid)
    if minutes:
        mt2 = table(Minutes)
        minute_ids = session.execute(insert(mt2).returning(mt2.c.id, sort_by_parameter_order=True),
                                     minutes).scalars().all()
        insert_rows(session, table(MinutesRevision), [
            {**rev, "minutes_id": mid} for mid, revs in zip(minute_ids, revisions, strict=True) for rev in revs])
    insert_rows(session, table(AuditEntry), audits)
    out.audit = len(audits)
    return out
