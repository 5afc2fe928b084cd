"""The scale data's action items and their histories: item n is the same whatever else is loaded."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import ActionItem, ActionItemSupport, StatusUpdate
from pitf.models.actions import CLOSED_STATUSES, PILLARS

from .bulk import insert_returning_ids, insert_rows
from .context import SEED, Context, table
from .context import at as _at

REF_PREFIX = "scale-"
ITEMS_PER_UNIT = 5000
UPDATES_PER_ITEM = 10  # on average: N*5,000 items carry N*50,000 status updates
CHUNK = 5000
Built = tuple[int, dict, list[dict]]  # an item's id, its row and its history

VERBS = ["Expand", "Publish", "Strengthen", "Deliver", "Update", "Coordinate", "Assess", "Fund", "Develop",
         "Review", "Pilot", "Standardize"]
SUBJECTS = ["trauma-informed training", "forced labor screening", "victim identification protocols",
            "grant guidance on survivor-informed services", "data collection on prosecutions",
            "public awareness materials", "supply chain due diligence", "housing assistance for survivors",
            "labor recruitment oversight", "interagency referral procedures", "consular screening questions",
            "youth prevention curricula", "case management capacity", "T visa and Continued Presence outreach"]
AUDIENCES = ["for task force investigators", "in federal procurement", "for tribal communities",
             "for state and local partners", "at ports of entry", "for grantees", "in the agricultural sector",
             "for school personnel", "for health care providers", "in transportation hubs", "for survivor leaders",
             "across field offices"]
DESCRIPTIONS = [
    "National Action Plan priority action. Report progress to the SPOG each quarter.",
    "Builds on last year's work; coordinate with the supporting agencies before publishing.",
    "Follow-up to a **Advisory Council** recommendation. Survivor input is required at each stage.",
    "Includes a public summary and an internal report with *case-level* figures.",
    "Deliverables:\n\n- a draft for interagency review\n- the final product\n- a briefing for the PITF",
    "Funding depends on the appropriation for the fiscal year; track obligations separately.",
    "Coordinate with the Procurement and Supply Chains committee on shared contract language.",
    "Pilot in three regions, then evaluate before the nationwide rollout.",
    "Materials must meet Section 508 accessibility requirements and be available in Spanish.",
    "Data sharing needs a memorandum of understanding between the agencies involved.",
    "Use the trauma-informed, victim-centered approach set out in the National Action Plan.",
    "Report the numbers in the annual Attorney General's report to Congress.",
]
NOTES = [
    "Kickoff held with the supporting agencies; owners named.", "Draft circulated for interagency comment.",
    "Comments received from two agencies; revising.", "Waiting on clearance from the front office.",
    "Contract vehicle identified; statement of work in review.", "Pilot sites selected.",
    "Training delivered to the first cohort; feedback **positive**.", "Data call issued to field offices.",
    "Blocked on a legal review of the data-sharing terms.", "Legal review complete; work resumed.",
    "Budget request submitted for next fiscal year.", "Briefed the SPOG; no objections.",
    "Survivor consultants reviewed the materials.", "Final product published on the agency website.",
    "Milestone met on schedule.", "Slipped one month: staff turnover in the program office.",
    "Translation into Spanish under way.", "Evaluation plan approved.",
]
STATUS_WEIGHTS_PAST = (("done", 45), ("open", 18), ("in_progress", 22), ("blocked", 10), ("cancelled", 5))
STATUS_WEIGHTS_FUTURE = (("open", 35), ("in_progress", 40), ("blocked", 10), ("done", 12), ("cancelled", 3))


def _update_count(n: int) -> int:
    """0 to 20 updates, paired so that every two items have exactly twenty: the total is exact."""
    spread = random.Random(f"{SEED}:pair:{(n - 1) // 2}").randint(0, UPDATES_PER_ITEM)
    return UPDATES_PER_ITEM + spread if n % 2 else UPDATES_PER_ITEM - spread


def _item(n: int, ctx: Context) -> tuple[dict, list[int], list[dict]]:
    """Item number *n*: its row, its supporting agency ids, and its history; the same for the same n."""
    rng = random.Random(f"{SEED}:{n}")
    lead_id, _lead = rng.choices(ctx.agencies, weights=ctx.lead_weights)[0]
    others = [a for a, _ in ctx.agencies if a != lead_id]
    supporting = sorted(rng.sample(others, rng.choice((0, 1, 1, 2, 2, 3))))
    committee_id = rng.choices(ctx.committees, weights=ctx.committee_weights)[0]
    due = ctx.today + timedelta(days=rng.randint(-730, 365))
    created_day = min(due - timedelta(days=rng.randint(60, 540)), ctx.today - timedelta(days=1))
    created_at = _at(created_day, rng)
    title = f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(AUDIENCES)}"
    description = rng.choice(DESCRIPTIONS)
    pillar = rng.choice(PILLARS)
    priority = rng.choices(("high", "normal", "low"), weights=(2, 6, 2))[0]
    weights = STATUS_WEIGHTS_PAST if due < ctx.today else STATUS_WEIGHTS_FUTURE
    final = rng.choices([s for s, _ in weights], weights=[w for _, w in weights])[0]
    people = ctx.liaisons.get(lead_id, [])
    owner_id = rng.choice(people) if people and rng.random() < 0.5 else None

    count = _update_count(n)
    if count == 0:
        final = "open"  # a status other than open is always reached through an update
    span = max((min(ctx.now, _at(due + timedelta(days=90), rng)) - created_at).total_seconds(), 3600.0)
    times = sorted(created_at + timedelta(seconds=rng.uniform(60, span)) for _ in range(count))
    updates, status, percent = [], "open", None
    change_at = {count - 1} if final != "open" else set()
    if final in ("done", "blocked", "cancelled") and count > 2:
        change_at.add(rng.randint(0, count - 2))  # work started before it ended (or stalled)
    for j, at in enumerate(times):
        previous = status
        if j in change_at:
            status = final if j == count - 1 else "in_progress"
        if status == "in_progress" and rng.random() < 0.6:
            percent = min(95, (percent or 0) + rng.randint(5, 25))
        if status == "done":
            percent = 100
        note = rng.choice(NOTES)
        author = rng.choice(people) if people and status != "cancelled" else ctx.secretariat_id
        updates.append({"author_id": author, "status": status,
                        "previous_status": previous if status != previous else None, "note_md": note,
                        "note_html": ctx.html(note), "percent_complete": percent if status != "open" else None,
                        "created_at": at})
    last = times[-1] if times else None
    row = {"title": title, "description_md": description, "description_html": ctx.html(description),
           "committee_id": committee_id, "meeting_id": None, "recommendation_id": None, "lead_agency_id": lead_id,
           "owner_id": owner_id, "due_date": due, "status": status, "pillar": pillar, "priority": priority,
           "percent_complete": percent if status != "open" else None, "external_ref": f"{REF_PREFIX}{n}",
           "cancel_reason": updates[-1]["note_md"] if status == "cancelled" else "",
           "closed_at": last if status in CLOSED_STATUSES else None, "last_update_at": last,
           "created_by_id": ctx.secretariat_id, "version": 1 + count, "created_at": created_at,
           "updated_at": last or created_at}
    return row, supporting, updates


def existing_numbers(session: Session) -> set[int]:
    refs = session.execute(select(ActionItem.external_ref).where(ActionItem.external_ref.like(f"{REF_PREFIX}%")))
    return {int(r[len(REF_PREFIX):]) for r in refs.scalars() if r is not None and r[len(REF_PREFIX):].isdigit()}


def insert_items(session: Session, ctx: Context, numbers: list[int]) -> tuple[dict[int, Built], int, int]:
    """Insert items *numbers* with their histories; return {n: (id, row, history)}, updates and supports added."""
    items_t, support_t, updates_t = table(ActionItem), table(ActionItemSupport), table(StatusUpdate)
    out: dict[int, Built] = {}
    added_updates = added_supports = 0
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        built = [_item(n, ctx) for n in chunk]
        ids = insert_returning_ids(session, items_t, [row for row, _, _ in built])
        supports = [{"action_item_id": item_id, "agency_id": a}
                    for item_id, (_, supporting, _) in zip(ids, built, strict=True) for a in supporting]
        updates = [{"action_item_id": item_id, **u}
                   for item_id, (_, _, history) in zip(ids, built, strict=True) for u in history]
        if supports:
            insert_rows(session, support_t, supports)
        insert_rows(session, updates_t, updates)
        added_supports += len(supports)
        added_updates += len(updates)
        for n, item_id, (row, _, history) in zip(chunk, ids, built, strict=True):
            out[n] = (item_id, row, history)
    return out, added_updates, added_supports


def rebuild_items(session: Session, ctx: Context, numbers: list[int]) -> dict[int, Built]:
    """Items *numbers*, already stored (loaded before their unit's other data): their ids and generated rows."""
    if not numbers:
        return {}
    ids: dict[str | None, int] = {ref: item_id for ref, item_id in session.execute(
        select(ActionItem.external_ref, ActionItem.id).where(
            ActionItem.external_ref.in_([f"{REF_PREFIX}{n}" for n in numbers]))).tuples() if item_id is not None}
    out: dict[int, Built] = {}
    for n in numbers:
        row, _, history = _item(n, ctx)
        out[n] = (ids[f"{REF_PREFIX}{n}"], row, history)
    return out
