"""Action items: creating and changing what each agency committed to, and appending to its status history.

Input arrives validated by the model family (ActionItemCreate, ActionItemUpdate, StatusUpdateCreate in
pitf/models/actions.py); what only the database can tell (does the committee exist and is it active, is the
agency retired, is the owner of the lead agency, may the actor see the meeting) is checked here, with the
same field names. Reading and the lists are in pitf/services/action_queries.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.markdown import MAX_SOURCE, render_markdown
from pitf.models import (
    ActionItem,
    ActionItemSupport,
    Agency,
    Committee,
    Meeting,
    Recommendation,
    StatusUpdate,
    User,
    utcnow,
)
from pitf.models.actions import ActionItemBase, ActionItemCreate, ActionItemUpdate, StatusUpdateCreate
from pitf.models.vocab import CLOSED_ACTION_STATUSES as CLOSED_STATUSES
from pitf.models.vocab import ActionStatus
from pitf.services import audit, visibility
from pitf.services.action_queries import (  # noqa: F401  (the reading side, long imported from here)
    SORT_LABELS,
    SORTS,
    ActionItemFilters,
    HistoryEntry,
    ItemDetail,
    ItemView,
    get_action_item,
    is_overdue,
    item_detail,
    item_view,
    iter_action_items,
    list_action_items,
    overdue_counts,
    parse_filters,
    possible_owners,
    resolve_related,
    supporting_acronyms,
    updates_of,
)
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.notify import notify
from pitf.validation import validate

EDITABLE_FIELDS = tuple(name for name in ActionItemUpdate.model_fields if name != "version")
# The fields stored as given, with no database check: every field of ActionItemBase (a field added there is
# saved, shown by the API and audited with no change here), and three validated vocabularies and dates.
PLAIN_FIELDS = (*ActionItemBase.model_fields, "due_date", "pillar", "priority")
CREATION_AUDITED = tuple(name for name in ActionItemBase.model_fields if name != "description_md")  # text: too long


class ChosenActionItem(ActionItemCreate):
    """A new item given as a dict by the pages, the imports and the other services: there the committee is
    chosen from a list, so a value that names no committee is said so (the API says "Must be a whole number.")."""

    messages: ClassVar[dict[str, str]] = {**ActionItemCreate.messages,
                                          "committee_id.int_type": "Choose an existing committee."}


# ---- writing ---------------------------------------------------------------------------------

@dataclass
class Resolved:
    values: dict
    supporting_ids: list[int]


def _resolve(session: Session, data: dict[str, Any], *, partial: bool, current: ActionItem | None,
             actor=None) -> Resolved:
    """Check validated input against the database and turn acronyms and ids into columns; ValidationFailed
    lists every problem. *data* holds the fields given (all of them when creating)."""
    errors: dict[str, str] = {}
    values: dict = {name: data[name] for name in PLAIN_FIELDS if name in data}

    if not partial or "committee_id" in data:
        cid = data.get("committee_id")
        committee = session.get(Committee, cid) if cid is not None else None
        if committee is None:
            errors["committee_id"] = "Choose an existing committee."
        elif not committee.is_active:
            errors["committee_id"] = "This committee is inactive."
        else:
            values["committee_id"] = committee.id
    lead_id = current.lead_agency_id if current else None
    if not partial or "lead_agency" in data:
        acronym = data.get("lead_agency")
        agency = session.execute(select(Agency).where(Agency.acronym == acronym.strip().upper())).scalar() \
            if acronym and acronym.strip() else None
        if agency is None:
            errors["lead_agency"] = "Choose the lead agency by its acronym, e.g. DOJ." if not acronym \
                else f"No agency has the acronym {acronym!r}."
        elif not agency.is_active:
            errors["lead_agency"] = f"{agency.acronym} is retired."
        else:
            values["lead_agency_id"] = lead_id = agency.id
    supporting_ids: list[int] | None = None
    if not partial or "supporting_agencies" in data:
        wanted = sorted({a.strip().upper() for a in data.get("supporting_agencies") or [] if a.strip()})
        found = dict(session.execute(select(Agency.acronym, Agency.id).where(Agency.acronym.in_(wanted)))
                     .tuples().all())
        unknown = [a for a in wanted if a not in found]
        if unknown:
            errors["supporting_agencies"] = f"Unknown agency: {', '.join(unknown)}."
        supporting_ids = [agency_id for a in wanted if (agency_id := found.get(a)) is not None and agency_id != lead_id]
    if not partial or "owner_id" in data:
        oid = data.get("owner_id")
        if oid is None:
            values["owner_id"] = None
        else:
            owner = session.get(User, oid)
            if owner is None or not owner.is_active:
                errors["owner_id"] = "Choose an active person."
            elif lead_id is not None and owner.agency_id != lead_id:
                errors["owner_id"] = "The owner must be a person of the lead agency."
            else:
                values["owner_id"] = owner.id
    elif current is not None and current.owner_id and "lead_agency_id" in values:
        owner = session.get(User, current.owner_id)
        if owner is not None and owner.agency_id != values["lead_agency_id"]:
            values["owner_id"] = None  # reassigned to another agency: the old owner no longer fits
    for name, model, label in (("meeting_id", Meeting, "meeting"), ("recommendation_id", Recommendation,
                                                                     "recommendation")):
        if not partial or name in data:
            ref = data.get(name)
            if ref is None:
                values[name] = None
            elif session.get(model, ref) is None:
                errors[name] = f"No such {label}."
            elif (actor is not None and ref != getattr(current, name, None)
                  and not visibility.can_see(session, actor, session.get(model, ref))):
                errors[name] = f"No such {label}."  # a closed meeting or someone's draft: as if it did not exist
            else:
                values[name] = ref
    if errors:
        raise ValidationFailed("The action item has problems.", fields=errors)
    return Resolved(values, supporting_ids if supporting_ids is not None else [])


def _set_supporting(session: Session, item: ActionItem, agency_ids: list[int]) -> tuple[list[int], list[int]]:
    assert item.id is not None  # flushed before its supporting agencies are set
    current = set(session.execute(select(ActionItemSupport.agency_id)
                                  .where(ActionItemSupport.action_item_id == item.id)).scalars())
    wanted = set(agency_ids) - {item.lead_agency_id}
    for agency_id in wanted - current:
        session.add(ActionItemSupport(action_item_id=item.id, agency_id=agency_id))
    for row in session.execute(select(ActionItemSupport).where(
            ActionItemSupport.action_item_id == item.id,
            ActionItemSupport.agency_id.in_(current - wanted))).scalars():
        session.delete(row)
    return sorted(current), sorted(wanted)


def _agency_people(session: Session, agency_id: int) -> list[User]:
    return list(session.execute(select(User).where(User.agency_id == agency_id, User.role == "liaison",
                                                   User.is_active.is_(True))).scalars())


def _notify_assignment(session: Session, item: ActionItem, *, reassigned: bool = False) -> None:
    lead = session.get(Agency, item.lead_agency_id)
    acronym = lead.acronym if lead is not None else ""
    people = _agency_people(session, item.lead_agency_id)
    if item.owner_id and (owner := session.get(User, item.owner_id)) is not None:
        people.append(owner)
    verb = "reassigned to" if reassigned else "assigned to"
    notify(session, users=people, kind="action_item_assigned",
           title=f"Action item {verb} {acronym}: {item.title}",
           body=f"Due {item.due_date.isoformat()}. Open the item to post its status.",
           url=f"/action-items/{item.id}")


def reference_problems(session: Session, ref) -> dict[str, str]:
    """The reference of the item in an agency's own tracker is unique: the problem, if another item has it.
    (Also asked when the rest of a new item failed validation, so every problem is named at once.)"""
    if not isinstance(ref, str) or not ref.strip():
        return {}
    existing = session.execute(select(ActionItem.id).where(ActionItem.external_ref == ref.strip())).scalar()
    return {"external_ref": f"Action item {existing} already has this reference."} if existing is not None else {}


def problems_beside(session: Session, raw: dict, invalid: dict[str, str], *, actor=None,
                    current: ActionItem | None = None) -> dict[str, str]:
    """What the database says about the fields of *raw* that passed validation, when others did not (*invalid*),
    so every problem is named at once: a bad title and an owner of another agency, a blank date and a taken
    reference."""
    problems = {} if current is not None else reference_problems(session, raw.get("external_ref"))
    rest = {k: v for k, v in raw.items() if k in EDITABLE_FIELDS and k not in invalid}
    try:
        fields = validate(ActionItemUpdate, {**rest, "version": 0}).changes()
    except ValidationFailed:
        return problems  # a field that failed once fails again: nothing more to learn here
    try:
        _resolve(session, fields, partial=True, current=current, actor=actor)
    except ValidationFailed as err:
        problems.update(err.fields)
    return {k: v for k, v in problems.items() if k not in invalid}


def create_action_item(*, session: Session, actor, item_in: ActionItemCreate | None = None,
                       data: dict | None = None, external_ref: str | None = None, status: str = "open",
                       notify_agency: bool = True, authorized: bool = False) -> ActionItem:
    """Create an item from *item_in* (or from *data*, a dict validated here through ActionItemCreate, with
    *external_ref* beside it). *authorized* is for callers that checked a narrower right themselves
    (an agency committing to an item of its own in a response to a recommendation)."""
    require(authorized or permissions.can_create_action_item(actor),
            "Only the secretariat creates action items.")
    if item_in is None:
        raw = {**(data or {}), **({"external_ref": external_ref} if external_ref is not None else {})}
        try:
            item_in = validate(ChosenActionItem, raw)
        except ValidationFailed as err:
            reader = None if permissions.is_system(actor) else actor
            err.fields.update(problems_beside(session, raw, err.fields, actor=reader))
            raise
    ref_errors = reference_problems(session, item_in.external_ref)
    try:
        resolved = _resolve(session, item_in.model_dump(exclude={"external_ref"}), partial=False, current=None,
                            actor=None if permissions.is_system(actor) else actor)
    except ValidationFailed as err:
        err.fields.update(ref_errors)
        raise
    if ref_errors:
        raise ValidationFailed("The action item has problems.", fields=ref_errors)
    if status not in tuple(ActionStatus):
        raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(ActionStatus)}."})
    values = resolved.values
    item = ActionItem(**values, description_html=render_markdown(values.get("description_md")),
                      status=status, external_ref=item_in.external_ref, created_by_id=getattr(actor, "id", None),
                      closed_at=utcnow() if status in CLOSED_STATUSES else None,
                      percent_complete=100 if status == "done" else None)
    session.add(item)
    session.flush()
    _set_supporting(session, item, resolved.supporting_ids)
    changes = audit.creation_changes(item, [*CREATION_AUDITED, "committee_id", "lead_agency_id", "owner_id",
                                            "due_date", "pillar", "priority", "status", "external_ref"])
    changes["supporting_agency_ids"] = [None, sorted(resolved.supporting_ids)]
    audit.record(session, actor=actor, action="action_item.created", obj=item, changes=changes)
    if notify_agency:
        _notify_assignment(session, item)
    session.flush()
    return item


def update_action_item(*, session: Session, actor, item_id: int, item_in: ActionItemUpdate | None = None,
                       version=None, data: dict | None = None) -> ActionItem:
    """Change the fields *item_in* carries (PATCH semantics), or those of *data* with *version* beside it
    (validated here through ActionItemUpdate). Status changes go through status updates."""
    item = get_action_item(session=session, actor=actor, item_id=item_id)
    require(permissions.can_edit_action_item(actor, item), "Only the secretariat edits action items.")
    if item_in is None:
        check_version(item, version)  # a missing or bad version is named first, as it always was
        try:
            item_in = validate(ActionItemUpdate, {**(data or {}), "version": item.version})
        except ValidationFailed as err:
            err.fields.update(problems_beside(session, data or {}, err.fields, actor=actor, current=item))
            raise
    check_version(item, item_in.version)
    data = item_in.changes()
    resolved = _resolve(session, data, partial=True, current=item, actor=actor)
    values = resolved.values
    old_lead, old_owner = item.lead_agency_id, item.owner_id
    changes = audit.apply_changes(item, values)
    if "description_md" in changes:
        item.description_html = render_markdown(item.description_md)
    if "supporting_agencies" in data:
        before, after = _set_supporting(session, item, resolved.supporting_ids)
        if before != after:
            changes["supporting_agency_ids"] = [before, after]
    if changes:
        if "supporting_agency_ids" in changes and len(changes) == 1:
            item.updated_at = utcnow()  # bump the version: the set of supporters is part of the item
        audit.record(session, actor=actor, action="action_item.updated", obj=item, changes=changes)
        flush_or_conflict(session, "item")
        if item.lead_agency_id != old_lead or (item.owner_id and item.owner_id != old_owner):
            _notify_assignment(session, item, reassigned=True)
    return item


def post_status_update(*, session: Session, actor, item_id: int, update_in: StatusUpdateCreate | None = None,
                       version=None, status: str | None = None, note_md: str = "",
                       percent_complete: int | None = None, supporting_ids: list[int] | None = None) -> StatusUpdate:
    """Append to the item's history: a new status and/or a note. The version read must still be current.
    The API gives *update_in*; the pages give the fields one by one."""
    item = get_action_item(session=session, actor=actor, item_id=item_id)
    if update_in is not None:
        version, status = update_in.version, update_in.status
        note_md, percent_complete = update_in.note_md, update_in.percent_complete
    if supporting_ids is None:
        supporting_ids = list(session.execute(select(ActionItemSupport.agency_id).where(
            ActionItemSupport.action_item_id == item.id)).scalars())
    note_md = note_md or ""
    status = status or None
    changing = status is not None and status != item.status
    if changing:
        if status not in tuple(ActionStatus):
            raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(ActionStatus)}."})
        if not permissions.can_change_status(actor, item, status):
            if status == "cancelled" or item.status == "cancelled":
                require(False, "Only the secretariat cancels an action item or reopens a cancelled one.")
            require(False, "Only the lead agency or the secretariat changes this item's status; "
                           "a supporting agency can add a note.")
    else:
        require(permissions.can_add_note(actor, item, supporting_ids),
                "Only the lead and supporting agencies and the secretariat add to this item's history.")
    errors = {}
    if not changing and not note_md.strip() and percent_complete is None:
        errors["note_md"] = "Write a note or choose a new status."
    if len(note_md) > MAX_SOURCE:
        errors["note_md"] = f"Use at most {MAX_SOURCE:,} characters."
    if percent_complete is not None:
        if isinstance(percent_complete, bool) or not isinstance(percent_complete, int) \
                or not 0 <= percent_complete <= 100:
            errors["percent_complete"] = "A whole number from 0 to 100."
        elif not permissions.can_change_status(actor, item):
            errors["percent_complete"] = "Only the lead agency reports progress."
    if status == "cancelled" and changing and not note_md.strip():
        errors["note_md"] = "Give the reason for cancelling."
    if errors:
        raise ValidationFailed("The update has problems.", fields=errors)
    check_version(item, version)
    now = utcnow()
    previous = item.status
    if changing and status is not None:
        item.status = status
        item.closed_at = now if status in CLOSED_STATUSES else None
        if status == "done":
            percent_complete = 100
        if status == "cancelled":
            item.cancel_reason = note_md.strip()[:2000]
    if percent_complete is not None:
        item.percent_complete = percent_complete
    item.last_update_at = now
    assert item.id is not None  # read from the database
    update = StatusUpdate(action_item_id=item.id, author_id=getattr(actor, "id", None),
                          status=item.status, previous_status=previous if changing else None,
                          note_md=note_md, note_html=render_markdown(note_md),
                          percent_complete=percent_complete, created_at=now)
    session.add(update)
    flush_or_conflict(session, "item")
    changes: dict[str, list[Any]] = {"status": [previous, item.status]} if changing else {}
    if percent_complete is not None:
        changes["percent_complete"] = [None, percent_complete]
    changes["note_md"] = [None, note_md] if note_md else changes.get("note_md", [None, ""])
    audit.record(session, actor=actor, action="action_item.status_update" if changing else "action_item.note",
                 obj=item, changes=changes)
    session.flush()
    return update


def cancel_action_item(*, session: Session, actor, item_id: int, version, reason: str) -> StatusUpdate:
    """Cancel with a reason; nothing is deleted."""
    item = get_action_item(session=session, actor=actor, item_id=item_id)
    require(permissions.is_staff(actor), "Only the secretariat cancels an action item.")
    if item.status == "cancelled":
        raise ValidationFailed("Already cancelled.", fields={"status": "This item is already cancelled."})
    return post_status_update(session=session, actor=actor, item_id=item_id, version=version, status="cancelled",
                              note_md=reason)
