"""The scale data's trail: an audit entry for each item's creation and its last status updates, and the
notifications people received about the unit's items, meetings and recommendations (most of them read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from pitf.models import AuditEntry, Notification

from .bulk import insert_rows
from .context import Context, rng, table
from .items import Built

AUDITED_UPDATES = 4  # the last four status updates of each item are in the audit log (with its creation)
NOTIFICATIONS_PER_ITEM = 4


def add_item_audit(session: Session, ctx: Context, unit_items: dict[int, Built]) -> int:
    """The creation and the last AUDITED_UPDATES updates of each item, as the services would have written them."""
    rows = []
    staff = ctx.secretariat_id
    for item_id, item, history in unit_items.values():
        rows.append({"actor_id": staff, "actor_label": ctx.label(staff), "action": "action_item.created",
                     "object_type": "ActionItem", "object_id": item_id, "created_at": item["created_at"],
                     "changes": {"title": [None, item["title"]], "lead_agency_id": [None, item["lead_agency_id"]],
                                 "due_date": [None, item["due_date"].isoformat()], "status": [None, "open"]}})
        for u in history[-AUDITED_UPDATES:]:
            changing = u["previous_status"] is not None
            changes: dict[str, list] = {"status": [u["previous_status"], u["status"]]} if changing else {}
            if u["percent_complete"] is not None:
                changes["percent_complete"] = [None, u["percent_complete"]]
            changes["note_md"] = [None, u["note_md"]]
            rows.append({"actor_id": u["author_id"], "actor_label": ctx.label(u["author_id"]),
                         "action": "action_item.status_update" if changing else "action_item.note",
                         "object_type": "ActionItem", "object_id": item_id, "changes": changes,
                         "created_at": u["created_at"]})
    insert_rows(session, table(AuditEntry), rows)
    return len(rows)


def add_notifications(session: Session, ctx: Context, first: int, unit_items: dict[int, Built],
                      meetings: list[int], with_minutes: list[int], recs: list[int]) -> int:
    """NOTIFICATIONS_PER_ITEM notifications per item of the unit, numbered from *first*, spread over everyone."""
    people = ctx.people
    if not people:
        return 0
    items = list(unit_items.values())
    midnight = datetime(ctx.today.year, ctx.today.month, ctx.today.day, tzinfo=UTC)  # the same all day
    rows = []
    for k in range(len(items) * NOTIFICATIONS_PER_ITEM):
        g = rng("notification", first + k)
        item_id, item, _ = items[k // NOTIFICATIONS_PER_ITEM]
        roll = g.random()
        if roll < 0.55 or not meetings:
            kind, title, url = ("action_item_assigned", f"Action item assigned: {item['title']}",
                                f"/action-items/{item_id}")
            body = f"Due {item['due_date'].isoformat()}. Open the item to post its status."
        elif roll < 0.75:
            kind, title, url, body = ("agenda_published", "Agenda published", f"/meetings/{g.choice(meetings)}",
                                      "Read the agenda before the meeting.")
        elif roll < 0.9 and with_minutes:
            kind, title, url, body = ("minutes_circulated", "Minutes for comment",
                                      f"/meetings/{g.choice(with_minutes)}/minutes",
                                      "Read the draft minutes and leave your comments.")
        elif recs:
            kind, title, url, body = ("recommendation_response", "An agency responded to a recommendation",
                                      f"/recommendations/{g.choice(recs)}", "Read the response.")
        else:
            kind, title, url, body = ("action_item_assigned", f"Action item: {item['title']}",
                                      f"/action-items/{item_id}", "")
        created = midnight - timedelta(minutes=g.randint(10, 730 * 24 * 60))
        read = created + timedelta(minutes=g.randint(5, 3 * 24 * 60)) if g.random() < 0.95 else None
        rows.append({"user_id": people[k % len(people)], "kind": kind, "title": title[:300], "body": body,
                     "url": url, "dedup_key": None, "created_at": created,
                     "read_at": read if read and read < ctx.now else None})
    insert_rows(session, table(Notification), rows)
    return len(rows)
