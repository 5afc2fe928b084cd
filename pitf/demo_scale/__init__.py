"""`pitf demo --scale N`: a deterministic large data set, bulk inserted, in N units. Each unit has 5,000 action
items with their histories, and in proportion meetings (agendas, attendance, minutes), recommendations (responses,
linked items), notifications and audit entries. Running it again adds only what is missing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pitf.models import AuditEntry
from pitf.permissions import SYSTEM
from pitf.services import audit
from pitf.services.search_index import rebuild

from . import activity, meetings, recommendations
from .context import build_context, table
from .items import ITEMS_PER_UNIT, REF_PREFIX, existing_numbers, insert_items, rebuild_items

__all__ = ["ITEMS_PER_UNIT", "REF_PREFIX", "ScaleResult", "existing_numbers", "load_scale", "planned"]

ITEMS_PER_MEETING = 20  # 250 meetings a unit: 2,500 at scale 10
ITEMS_PER_RECOMMENDATION = 40  # 125 recommendations a unit: 1,250 at scale 10
UNIT_MARK = "demo.scale_unit"  # the audit entry saying a unit's meetings, recommendations and trail are in


@dataclass
class ScaleResult:
    scale: int
    items_added: int
    updates_added: int
    supports_added: int
    seconds: float
    added: dict[str, int] = field(default_factory=dict)  # meetings, recommendations, notifications, audit entries


def per_unit(items_per_unit: int) -> dict[str, int]:
    """What one unit holds besides its items' histories (the audit entries depend on the histories)."""
    return {"action items": items_per_unit, "meetings": max(1, items_per_unit // ITEMS_PER_MEETING),
            "recommendations": max(1, items_per_unit // ITEMS_PER_RECOMMENDATION),
            "notifications": items_per_unit * activity.NOTIFICATIONS_PER_ITEM}


def planned(scale: int, items_per_unit: int | None = None) -> dict[str, int]:
    """The counts of a full load at *scale*: the progress bar's length is their sum."""
    return {k: v * scale for k, v in per_unit(items_per_unit or ITEMS_PER_UNIT).items()}


def _loaded_units(session: Session) -> set[int]:
    return {int(n) for n in session.execute(select(AuditEntry.object_id).where(
        AuditEntry.action == UNIT_MARK)).scalars() if n is not None}


def load_scale(session: Session, scale: int, *, items_per_unit: int | None = None,
               progress: Callable[[int], None] | None = None) -> ScaleResult:
    """Add what is missing of units 1 .. scale (items scale-1 .. scale-(scale*items_per_unit) and the rest)."""
    items_per_unit = items_per_unit or ITEMS_PER_UNIT
    if scale < 1 or items_per_unit < 1:
        raise ValueError("The scale and the items per unit must be at least 1.")
    started = time.monotonic()
    have = existing_numbers(session)
    done = _loaded_units(session)
    sizes = per_unit(items_per_unit)
    todo = [u for u in range(1, scale + 1) if u not in done or any(
        n not in have for n in range((u - 1) * items_per_unit + 1, u * items_per_unit + 1))]
    if progress and scale - len(todo):
        progress((scale - len(todo)) * sum(sizes.values()))
    if not todo:
        return ScaleResult(scale, 0, 0, 0, time.monotonic() - started)
    ctx = build_context(session)
    if ctx.secretariat_id is None:
        raise RuntimeError("Load the demo accounts first (pitf demo): the scale data's meetings and "
                           "recommendations are run by the secretariat.")
    added = dict.fromkeys(("meetings", "recommendations", "notifications", "audit entries"), 0)
    items_added = updates_added = supports_added = 0
    for unit in todo:
        numbers = range((unit - 1) * items_per_unit + 1, unit * items_per_unit + 1)
        missing = [n for n in numbers if n not in have]
        built, n_updates, n_supports = insert_items(session, ctx, missing)
        items_added, updates_added, supports_added = (items_added + len(missing), updates_added + n_updates,
                                                      supports_added + n_supports)
        if progress:
            progress(items_per_unit)
        if unit in done:
            continue
        unit_items = {**rebuild_items(session, ctx, [n for n in numbers if n in have]), **built}
        unit_items = {n: unit_items[n] for n in numbers}
        recs = recommendations.add_recommendations(
            session, ctx, (unit - 1) * sizes["recommendations"] + 1, sizes["recommendations"], unit_items)
        mtgs = meetings.add_meetings(session, ctx, (unit - 1) * sizes["meetings"] + 1, sizes["meetings"],
                                     unit_items, recs.visible)
        trail = activity.add_item_audit(session, ctx, unit_items)
        notes = activity.add_notifications(session, ctx, (unit - 1) * sizes["notifications"] + 1, unit_items,
                                           mtgs.ids, mtgs.with_minutes, recs.visible)
        session.execute(insert(table(AuditEntry)), [{
            "actor_id": None, "actor_label": "system", "action": UNIT_MARK, "object_type": "", "object_id": unit,
            "changes": {"unit": [None, unit], "items_per_unit": [None, items_per_unit]}, "created_at": ctx.now}])
        for key, count in (("meetings", len(mtgs.ids)), ("recommendations", len(recs.ids)),
                           ("notifications", notes), ("audit entries", recs.audit + mtgs.audit + trail + 1)):
            added[key] += count
        if progress:
            progress(sizes["meetings"] + sizes["recommendations"] + sizes["notifications"])
    # The rows went in with Core, past the search index's flush listener: index them all at once (far faster
    # than a document at a time).
    rebuild(session)
    # One audit entry for the whole load, not one per row.
    audit.record(session, actor=SYSTEM, action="demo.scale", object_type="ActionItem",
                 changes={"scale": [None, scale], "action_items": [len(have), len(have) + items_added],
                          "action_items_added": [None, items_added], "status_updates_added": [None, updates_added],
                          "supporting_agencies_added": [None, supports_added],
                          **{f"{k.replace(' ', '_')}_added": [None, v] for k, v in added.items()}})
    session.flush()
    return ScaleResult(scale, items_added, updates_added, supports_added, time.monotonic() - started, added)
