"""The scale data's Advisory Council recommendations: every status, their targets, history, agencies'
responses (some revised) and the action items the responses commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from pitf.models import (
    ActionItem,
    AgencyResponse,
    AuditEntry,
    Recommendation,
    RecommendationCounter,
    RecommendationEvent,
    RecommendationTarget,
    ResponseActionItem,
)
from pitf.models.actions import PILLARS

from .bulk import insert_rows
from .context import Context, rng, table
from .items import AUDIENCES, SUBJECTS, Built

STATUS_WEIGHTS = (("draft", 8), ("submitted", 7), ("under_review", 8), ("open", 35), ("closed_implemented", 22),
                  ("closed_not_implemented", 10), ("withdrawn", 10))
YEARS = 6  # report years before this one, numbered in turn (this year's numbers are the live process's)
POSITIONS = (("concur", 60), ("partially_concur", 25), ("non_concur", 15))
VERBS = ["Require", "Fund", "Expand", "Adopt", "Publish", "Train staff on", "Consult survivors on", "Measure"]
BODIES = [
    "Agencies should make **survivor input** part of every stage of this work and report on it each year.",
    "The agencies named should set a timeline, assign an accountable office and publish progress.",
    "Build this into grant terms and contracts, with a way for survivors to report problems safely.",
    "Collect the data by sex, age and form of trafficking, and share it across agencies.",
]
RATIONALES = [
    "Survivors told the Council that current practice misses people trafficked for labor.",
    "Past reports show uneven practice across field offices.",
    "Without data, no agency can tell whether the programs reach the people they are for.",
    "Trauma-informed practice is federal policy but is not yet built into procedures.",
]
RESPONSES = {
    "concur": "The agency concurs and has committed the action items below.",
    "partially_concur": "The agency concurs in part: it will act on the training; the data collection needs "
                        "new authority.",
    "non_concur": "The agency does not concur: the recommendation falls outside its statutory authority.",
}
CLOSING = {"closed_implemented": "Every target agency has carried out its commitments.",
           "closed_not_implemented": "The agencies did not act on the recommendation; closed for the report."}


@dataclass
class Recs:
    ids: list[int] = field(default_factory=list)  # every recommendation of the unit
    visible: list[int] = field(default_factory=list)  # those past draft (anyone signed in may see them)
    audit: int = 0


def plan(r: int, ctx: Context, unit_items: dict[int, Built]):
    """Recommendation number *r*: its row, targets, events and responses (with the item numbers they link)."""
    g = rng("rec", r)
    year = ctx.today.year - 1 - (r - 1) % YEARS
    sequence = (r - 1) // YEARS + 1
    status = g.choices([s for s, _ in STATUS_WEIGHTS], weights=[w for _, w in STATUS_WEIGHTS])[0]
    author = g.choice(ctx.council_ids) if ctx.council_ids else ctx.secretariat_id
    staff = ctx.secretariat_id
    created = datetime(year, g.randint(1, 9), g.randint(1, 28), g.randint(13, 21), g.randint(0, 59), tzinfo=UTC)
    created = min(created, ctx.now - timedelta(days=400))
    submitted = created + timedelta(days=g.randint(3, 40))
    targets = sorted(set(g.choices([a for a, _ in ctx.agencies], weights=ctx.lead_weights, k=g.randint(1, 3))))
    events: list[tuple[int | None, str | None, str, str, datetime]] = [(author, None, "draft", "", created)]
    when = submitted
    path = {"draft": [], "submitted": ["submitted"], "under_review": ["submitted", "under_review"],
            "open": ["submitted", "under_review", "open"],
            "closed_implemented": ["submitted", "under_review", "open", "closed_implemented"],
            "closed_not_implemented": ["submitted", "under_review", "open", "closed_not_implemented"],
            "withdrawn": ["submitted", g.choice(["under_review", "withdrawn"]), "withdrawn"]}[status]
    path = list(dict.fromkeys(path))
    opened = closed = None
    latest = ctx.now - timedelta(hours=1)  # nothing happened in the future
    previous = "draft"
    responses = []
    for step in path:
        actor = author if step in ("submitted", "withdrawn") else staff
        note = CLOSING.get(step, "Withdrawn by the authors." if step == "withdrawn" else "")
        if step in CLOSING and opened is not None:
            when = min(max(when, *(resp[3] for resp in responses)) + timedelta(days=g.randint(30, 200)), latest)
        events.append((actor, previous, step, note, when))
        if step == "open":
            opened = when
            for agency in targets:  # closed ones: everyone answered; open ones: most have
                if status == "open" and g.random() < 0.3:
                    continue
                position = g.choices([p for p, _ in POSITIONS], weights=[w for _, w in POSITIONS])[0]
                answered = min(opened + timedelta(days=g.randint(10, 75)), latest)
                revised = g.random() < 0.1
                responses.append((agency, position, revised, answered))
                events.append((staff, "open", "open", "", answered))
        if step in CLOSING:
            closed = when
        previous = step
        when = min(when + timedelta(days=g.randint(5, 60)), latest)
    row = {"title": f"{g.choice(VERBS)} {g.choice(SUBJECTS)} {g.choice(AUDIENCES)}"[:300],
           "body_md": g.choice(BODIES), "rationale_md": g.choice(RATIONALES), "pillar": g.choice(PILLARS),
           "report_year": year, "status": status, "priority": g.random() < 0.15, "filed_by_id": author,
           "number": f"{year}-{sequence:02d}" if status != "draft" else None,
           "sequence": sequence if status != "draft" else None,
           "submitted_at": submitted if status != "draft" else None, "closed_at": closed, "report_order": None,
           "created_at": created, "updated_at": max(e[4] for e in events), "version": len(events)}
    linkable = {agency: [n for n, (_, item, _) in unit_items.items() if item["lead_agency_id"] == agency]
                for agency in targets}
    return row, targets, opened, events, responses, linkable, g


def add_recommendations(session: Session, ctx: Context, first: int, count: int,
                        unit_items: dict[int, Built]) -> Recs:
    """Recommendations first .. first+count-1, with everything that hangs on them."""
    out = Recs()
    staff = ctx.secretariat_id
    if count < 1 or staff is None:
        return out
    rec_t = table(Recommendation)
    plans = [plan(r, ctx, unit_items) for r in range(first, first + count)]
    for planned_rec in plans:
        planned_rec[0]["body_html"] = ctx.html(planned_rec[0]["body_md"])
        planned_rec[0]["rationale_html"] = ctx.html(planned_rec[0]["rationale_md"])
    ids = session.execute(insert(rec_t).returning(rec_t.c.id, sort_by_parameter_order=True),
                          [p[0] for p in plans]).scalars().all()
    targets, events, audits, responses, links, item_recs = [], [], [], [], [], []
    taken: set[int] = set()
    for rec_id, (row, agencies, opened, history, answers, linkable, g) in zip(ids, plans, strict=True):
        out.ids.append(rec_id)
        if row["status"] != "draft":
            out.visible.append(rec_id)
        due = (opened + timedelta(days=60)).date() if opened else None
        targets += [{"recommendation_id": rec_id, "agency_id": a, "response_due": due} for a in agencies]
        for actor, source, to, note, when in history:
            label = note or (f"{to.replace('_', ' ').capitalize()}." if source != to else "Response filed.")
            events.append({"recommendation_id": rec_id, "actor_id": actor, "from_status": source, "to_status": to,
                           "note": label, "created_at": when})
            action = "recommendation.created" if source is None else \
                "recommendation.response" if source == to else f"recommendation.{to}"
            audits.append({"actor_id": actor, "actor_label": ctx.label(actor), "action": action,
                           "object_type": "Recommendation", "object_id": rec_id,
                           "changes": {"status": [source, to]} if source != to else {}, "created_at": when})
        for agency, position, revised, answered in answers:
            author = (ctx.liaisons.get(agency) or [staff])[0]
            mine = [n for n in linkable.get(agency, []) if n not in taken][:g.randint(0, 2)]
            for revision in (1, 2) if revised else (1,):
                first_take = revision == 1 and revised
                text = RESPONSES["partially_concur" if first_take else position]
                responses.append({"recommendation_id": rec_id, "agency_id": agency, "revision": revision,
                                  "is_current": not first_take, "position": "partially_concur" if first_take
                                  else position, "response_md": text, "response_html": ctx.html(text),
                                  "author_id": author, "due_date": due,
                                  "created_at": min(answered + timedelta(days=30 * (revision - 1)), ctx.now)})
                links.append([unit_items[n][0] for n in mine] if position != "non_concur" else [])
            taken.update(mine)
            if position != "non_concur":
                item_recs += [{"b_id": unit_items[n][0], "b_rec": rec_id} for n in mine]
    insert_rows(session, table(RecommendationTarget), targets)
    insert_rows(session, table(RecommendationEvent), events)
    if responses:
        resp_t = table(AgencyResponse)
        resp_ids = session.execute(insert(resp_t).returning(resp_t.c.id, sort_by_parameter_order=True),
                                   responses).scalars().all()
        rows = [{"response_id": rid, "action_item_id": item_id}
                for rid, items in zip(resp_ids, links, strict=True) for item_id in items]
        if rows:
            insert_rows(session, table(ResponseActionItem), rows)
    if item_recs:
        items_t = table(ActionItem)
        session.execute(update(items_t).where(items_t.c.id == bindparam("b_id"))
                        .values(recommendation_id=bindparam("b_rec")), item_recs)
    insert_rows(session, table(AuditEntry), audits)
    out.audit = len(audits)
    _bump_counters(session, plans)
    return out


def _bump_counters(session: Session, plans) -> None:
    """Each report year's counter at least its highest number, so the next submission numbers after them."""
    highest: dict[int, int] = {}
    for row, *_ in plans:
        if row["sequence"]:
            highest[row["report_year"]] = max(highest.get(row["report_year"], 0), row["sequence"])
    have = dict(session.execute(select(RecommendationCounter.report_year, RecommendationCounter.last_sequence)
                                .where(RecommendationCounter.report_year.in_(list(highest) or [-1]))).tuples().all())
    counters = table(RecommendationCounter)
    for year, seq in sorted(highest.items()):
        if year not in have:
            session.execute(insert(counters).values(report_year=year, last_sequence=seq))
        elif have[year] < seq:
            session.execute(update(counters).where(counters.c.report_year == year).values(last_sequence=seq))
