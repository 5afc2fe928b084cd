"""Action items: what each agency committed to, its status history, and the lists that find them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Select, asc, desc, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
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
from pitf.models.actions import ACTION_STATUSES, CLOSED_STATUSES, PILLARS, PRIORITIES
from pitf.paging import page_rows
from pitf.services import audit, visibility
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.filters import (
    BadFilter,
    Filter,
    agency_acronym,
    choice,
    day,
    flag,
    read_filters,
    record_id,
    search_text,
    sort_order,
)
from pitf.services.notify import notify
from pitf.services.visibility import Related
from pitf.textutil import BadDate, contains_pattern, parse_date, parse_id

EDITABLE_FIELDS = ("title", "description_md", "committee_id", "meeting_id", "recommendation_id", "lead_agency",
                   "supporting_agencies", "owner_id", "due_date", "pillar", "priority")
SORTS = {
    "due_date": (asc(ActionItem.due_date), asc(ActionItem.id)),
    "-due_date": (desc(ActionItem.due_date), desc(ActionItem.id)),
    "title": (asc(ActionItem.title), asc(ActionItem.id)),
    "-title": (desc(ActionItem.title), desc(ActionItem.id)),
    "status": (asc(ActionItem.status), asc(ActionItem.due_date), asc(ActionItem.id)),
    "-status": (desc(ActionItem.status), asc(ActionItem.due_date), asc(ActionItem.id)),
    "lead_agency": (asc(Agency.acronym), asc(ActionItem.due_date), asc(ActionItem.id)),
    "-lead_agency": (desc(Agency.acronym), asc(ActionItem.due_date), asc(ActionItem.id)),
    "updated": (desc(ActionItem.updated_at), desc(ActionItem.id)),
    "-updated": (asc(ActionItem.updated_at), asc(ActionItem.id)),
}
SORT_LABELS = {"due_date": "Due date, soonest first", "-due_date": "Due date, latest first", "title": "Title",
               "status": "Status", "lead_agency": "Lead agency", "updated": "Recently updated"}


def is_overdue(item: ActionItem, today: date) -> bool:
    """Overdue: not closed and past its due date."""
    return item.status not in CLOSED_STATUSES and item.due_date < today


# ---- reading ---------------------------------------------------------------------------------

def get_action_item(*, session: Session, actor, item_id: int, for_update: bool = False) -> ActionItem:
    """The item, or NotFound; every signed-in user may read every item."""
    if not permissions.can_view_action_items(actor):
        raise NotFound("No such action item.")
    item = session.get(ActionItem, item_id) if not for_update else session.execute(
        select(ActionItem).where(ActionItem.id == item_id).with_for_update()).scalar_one_or_none()
    if item is None:
        raise NotFound("No such action item.")
    return item


def supporting_acronyms(session: Session, item_ids: list[int]) -> dict[int, list[str]]:
    """Supporting agencies of many items in one query."""
    result: dict[int, list[str]] = {i: [] for i in item_ids}
    if not item_ids:
        return result
    rows = session.execute(
        select(ActionItemSupport.action_item_id, Agency.acronym)
        .join(Agency, Agency.id == ActionItemSupport.agency_id)
        .where(ActionItemSupport.action_item_id.in_(item_ids))
        .order_by(Agency.acronym)
    ).all()
    for item_id, acronym in rows:
        result[item_id].append(acronym)
    return result


@dataclass
class ItemView:
    """An item with the names a page or the API shows beside it."""

    item: ActionItem
    lead_agency: str
    lead_agency_name: str
    committee_name: str
    owner_name: str | None
    supporting: list[str] = field(default_factory=list)
    # The meeting and recommendation the item came from, as the reader may see them (visibility.Related):
    # a closed meeting or a draft they may not see is a neutral phrase without title, number or link.
    meeting: Related | None = None
    recommendation: Related | None = None


@dataclass
class ItemDetail(ItemView):
    updates: list[tuple[StatusUpdate, str | None, str | None]] = field(default_factory=list)
    supporting_ids: list[int] = field(default_factory=list)


def _view_select() -> Select:
    return (select(ActionItem, Agency.acronym, Agency.name, Committee.name, User.name)
            .join(Agency, Agency.id == ActionItem.lead_agency_id)
            .join(Committee, Committee.id == ActionItem.committee_id)
            .join(User, User.id == ActionItem.owner_id, isouter=True))


def item_view(session: Session, item_id: int, actor=None) -> ItemView:
    """One item with its names; its meeting and recommendation as *actor* may see them."""
    row = session.execute(_view_select().where(ActionItem.id == item_id)).one()
    view = ItemView(row[0], row[1], row[2], row[3], row[4])
    view.supporting = supporting_acronyms(session, [item_id])[item_id]
    resolve_related(session, actor, [view])
    return view


def resolve_related(session: Session, actor, views: list[ItemView]) -> None:
    """Set each view's meeting and recommendation as *actor* may see them: four queries for a whole page."""
    meetings = visibility.related_meetings(session, actor, [v.item.meeting_id for v in views])
    recs = visibility.related_recommendations(session, actor, [v.item.recommendation_id for v in views])
    for v in views:
        v.meeting = meetings.get(v.item.meeting_id)
        v.recommendation = recs.get(v.item.recommendation_id)


def item_detail(*, session: Session, actor, item_id: int) -> ItemDetail:
    """Everything the item page shows, in a fixed number of queries."""
    get_action_item(session=session, actor=actor, item_id=item_id)
    row = session.execute(_view_select().where(ActionItem.id == item_id)).one()
    detail = ItemDetail(row[0], row[1], row[2], row[3], row[4])
    sup = session.execute(
        select(Agency.id, Agency.acronym).join(ActionItemSupport, ActionItemSupport.agency_id == Agency.id)
        .where(ActionItemSupport.action_item_id == item_id).order_by(Agency.acronym)).all()
    detail.supporting = [a for _, a in sup]
    detail.supporting_ids = [i for i, _ in sup]
    resolve_related(session, actor, [detail])
    detail.updates = [tuple(r) for r in session.execute(
        select(StatusUpdate, User.name, Agency.acronym)
        .join(User, User.id == StatusUpdate.author_id, isouter=True)
        .join(Agency, Agency.id == User.agency_id, isouter=True)
        .where(StatusUpdate.action_item_id == item_id)
        .order_by(StatusUpdate.created_at.desc(), StatusUpdate.id.desc())
    ).all()]
    return detail


# ---- filters and lists -----------------------------------------------------------------------

@dataclass
class ActionItemFilters:
    agency: str | None = None
    agency_role: str | None = None  # "lead", "supporting", or None for either
    committee_id: int | None = None
    status: list[str] = field(default_factory=list)
    pillar: str | None = None
    priority: str | None = None
    overdue: bool = False
    due_after: date | None = None
    due_before: date | None = None
    owner_id: int | None = None
    meeting_id: int | None = None
    recommendation_id: int | None = None
    q: str = ""
    sort: str = "due_date"

    def query_args(self) -> dict:
        """The filters as URL query arguments (for links that keep them)."""
        args = {"agency": self.agency, "agency_role": self.agency_role, "committee_id": self.committee_id,
                "status": self.status or None, "pillar": self.pillar, "priority": self.priority,
                "overdue": "true" if self.overdue else None, "due_after": self.due_after,
                "due_before": self.due_before, "owner_id": self.owner_id, "q": self.q or None,
                "sort": self.sort if self.sort != "due_date" else None}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items() if v not in (None, "")}


def _statuses(raw: list[str]) -> list[str]:
    statuses = [s for text in raw for s in text.split(",") if s]
    if bad := [s for s in statuses if s not in ACTION_STATUSES + ("closed", "active")]:
        raise BadFilter(f"Unknown status {bad[0]!r}; use {', '.join(ACTION_STATUSES)}.")
    return statuses


FILTERS = (
    Filter("agency", agency_acronym),
    Filter("agency_role", choice(("lead", "supporting"), "Use lead or supporting.")),
    Filter("committee_id", record_id),
    Filter("status", _statuses, many=True),
    Filter("pillar", choice(PILLARS)),
    Filter("priority", choice(PRIORITIES)),
    Filter("overdue", flag(true=("true", "1", "yes", "on"), false=("false", "0", "no", "off"))),
    Filter("due_after", day),
    Filter("due_before", day),
    Filter("owner_id", record_id),
    Filter("meeting_id", record_id),
    Filter("recommendation_id", record_id),
    Filter("q", search_text),
    Filter("sort", sort_order(SORTS)),
)


def parse_filters(args: MultiDict) -> ActionItemFilters:
    """Read the filters from query arguments; ValidationFailed names each bad one."""
    return read_filters(args, ActionItemFilters, FILTERS)


def _agency_id(session: Session, f: ActionItemFilters) -> int | None:
    if not f.agency:
        return None
    agency_id = session.execute(select(Agency.id).where(Agency.acronym == f.agency)).scalar()
    if agency_id is None:
        raise ValidationFailed("Unknown agency.", fields={"agency": f"No agency has the acronym {f.agency}."})
    return agency_id


def _filtered(stmt: Select, f: ActionItemFilters, session: Session, today: date,
              agency_id: int | None = None) -> Select:
    if f.agency:
        agency_id = agency_id if agency_id is not None else _agency_id(session, f)
        supporting = select(ActionItemSupport.action_item_id).where(ActionItemSupport.agency_id == agency_id)
        if f.agency_role == "lead":
            stmt = stmt.where(ActionItem.lead_agency_id == agency_id)
        elif f.agency_role == "supporting":
            stmt = stmt.where(ActionItem.id.in_(supporting))
        else:
            stmt = stmt.where(or_(ActionItem.lead_agency_id == agency_id, ActionItem.id.in_(supporting)))
    if f.committee_id is not None:
        stmt = stmt.where(ActionItem.committee_id == f.committee_id)
    if f.status:
        wanted = set(f.status)
        if "closed" in wanted:
            wanted |= set(CLOSED_STATUSES)
        if "active" in wanted:
            wanted |= {s for s in ACTION_STATUSES if s not in CLOSED_STATUSES}
        stmt = stmt.where(ActionItem.status.in_(sorted(wanted & set(ACTION_STATUSES))))
    if f.pillar:
        stmt = stmt.where(ActionItem.pillar == f.pillar)
    if f.priority:
        stmt = stmt.where(ActionItem.priority == f.priority)
    if f.overdue:
        stmt = stmt.where(ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date < today)
    if f.due_after:
        stmt = stmt.where(ActionItem.due_date >= f.due_after)
    if f.due_before:
        stmt = stmt.where(ActionItem.due_date <= f.due_before)
    for name in ("owner_id", "meeting_id", "recommendation_id"):
        if getattr(f, name) is not None:
            stmt = stmt.where(getattr(ActionItem, name) == getattr(f, name))
    if f.q:
        like = contains_pattern(f.q)
        stmt = stmt.where(or_(func.lower(ActionItem.title).like(like, escape="\\"),
                              func.lower(ActionItem.description_md).like(like, escape="\\")))
    return stmt


def _visible_filters(session: Session, actor, f: ActionItemFilters) -> ActionItemFilters:
    """Filtering by a meeting or recommendation the actor may not see finds nothing, as for one that does not
    exist: the list must not tell which items came from a closed meeting or a draft."""
    if f.meeting_id is not None and not visibility.visible_meeting_ids(session, actor, [f.meeting_id]):
        f = replace(f, meeting_id=-1)
    if f.recommendation_id is not None and not visibility.visible_recommendation_ids(session, actor,
                                                                                      [f.recommendation_id]):
        f = replace(f, recommendation_id=-1)
    return f


def list_action_items(*, session: Session, actor, filters: ActionItemFilters, page: int = 1, per_page: int = 50,
                      today: date | None = None) -> tuple[list[ItemView], int]:
    """One page of items matching *filters*, and the total: three queries whatever the size."""
    if not permissions.can_view_action_items(actor):
        raise NotFound("No such list.")
    filters = _visible_filters(session, actor, filters)
    today = today or utcnow().date()
    agency_id = _agency_id(session, filters)  # looked up once for both queries
    base = _filtered(select(ActionItem.id).join(Agency, Agency.id == ActionItem.lead_agency_id), filters, session,
                     today, agency_id)
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar()
    stmt = _filtered(_view_select(), filters, session, today, agency_id).order_by(*SORTS[filters.sort])
    rows = session.execute(page_rows(stmt, page, per_page)).all()
    views = [ItemView(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    supporting = supporting_acronyms(session, [v.item.id for v in views])
    for v in views:
        v.supporting = supporting[v.item.id]
    resolve_related(session, actor, views)
    return views, total


def iter_action_items(*, session: Session, actor, filters: ActionItemFilters, today: date | None = None,
                      batch: int = 1000):
    """Every item matching *filters*, in batches (for CSV export)."""
    page = 1
    while True:
        views, _total = list_action_items(session=session, actor=actor, filters=filters, page=page,
                                          per_page=batch, today=today)
        yield from views
        if len(views) < batch:
            return
        page += 1


# ---- writing ---------------------------------------------------------------------------------

@dataclass
class Resolved:
    values: dict
    supporting_ids: list[int]


def _resolve(session: Session, data: dict, *, partial: bool, current: ActionItem | None, actor=None) -> Resolved:
    """Validate input fields and turn acronyms and ids into columns; ValidationFailed lists every problem."""
    errors: dict[str, str] = {}
    values: dict = {}

    def given(name: str) -> bool:
        return name in data and not (partial and data[name] is None and name in ("title", "due_date"))

    if not partial or "title" in data:
        title = (data.get("title") or "").strip()
        if not title:
            errors["title"] = "Enter a title."
        elif len(title) > 300:
            errors["title"] = "Use at most 300 characters."
        values["title"] = title
    if not partial or "description_md" in data:
        desc_md = data.get("description_md") or ""
        if not isinstance(desc_md, str):
            errors["description_md"] = "Must be text."
        elif len(desc_md) > MAX_SOURCE:
            errors["description_md"] = f"Use at most {MAX_SOURCE:,} characters."
        else:
            values["description_md"] = desc_md
    if not partial or "committee_id" in data:
        cid = data.get("committee_id")
        committee = session.get(Committee, cid) if isinstance(cid, int) and not isinstance(cid, bool) else None
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
            if isinstance(acronym, str) and acronym.strip() else None
        if agency is None:
            errors["lead_agency"] = "Choose the lead agency by its acronym, e.g. DOJ." if not acronym \
                else f"No agency has the acronym {acronym!r}."
        elif not agency.is_active:
            errors["lead_agency"] = f"{agency.acronym} is retired."
        else:
            values["lead_agency_id"] = lead_id = agency.id
    supporting_ids: list[int] | None = None
    if not partial or "supporting_agencies" in data:
        raw = data.get("supporting_agencies") or []
        if isinstance(raw, str):
            raw = raw.replace(";", ",").split(",")
        if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
            errors["supporting_agencies"] = "A list of agency acronyms."
        else:
            wanted = sorted({a.strip().upper() for a in raw if a.strip()})
            found = dict(session.execute(select(Agency.acronym, Agency.id).where(Agency.acronym.in_(wanted))).all())
            unknown = [a for a in wanted if a not in found]
            if unknown:
                errors["supporting_agencies"] = f"Unknown agency: {', '.join(unknown)}."
            supporting_ids = [found[a] for a in wanted if a in found and found[a] != lead_id]
    if not partial or "owner_id" in data:
        oid = data.get("owner_id")
        if oid in (None, ""):
            values["owner_id"] = None
        else:
            owner = session.get(User, oid) if isinstance(oid, int) and not isinstance(oid, bool) else None
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
    if not partial or "due_date" in data:
        raw = data.get("due_date")
        due = raw if isinstance(raw, date) else None
        problem = "Enter the due date, mm/dd/yyyy (for example 01/15/2027)."
        if isinstance(raw, str) and raw.strip():
            try:
                due = parse_date(raw)
            except BadDate as err:
                problem = str(err)
        if due is None:
            errors["due_date"] = problem
        elif not date(2000, 1, 1) <= due <= date(2100, 12, 31):
            errors["due_date"] = "Enter a due date between 2000 and 2100."
        else:
            values["due_date"] = due
    if not partial or "pillar" in data:
        pillar = data.get("pillar")
        if pillar not in PILLARS:
            errors["pillar"] = f"Choose one of {', '.join(PILLARS)}."
        else:
            values["pillar"] = pillar
    if not partial or "priority" in data:
        priority = data.get("priority") or "normal"
        if priority not in PRIORITIES:
            errors["priority"] = f"Choose one of {', '.join(PRIORITIES)}."
        else:
            values["priority"] = priority
    for name, model, label in (("meeting_id", Meeting, "meeting"), ("recommendation_id", Recommendation,
                                                                     "recommendation")):
        if not partial or name in data:
            ref = data.get(name)
            if ref in (None, ""):
                values[name] = None
            elif parse_id(ref) is None or not isinstance(ref, int) or session.get(model, ref) is None:
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
    acronym = session.get(Agency, item.lead_agency_id).acronym
    people = _agency_people(session, item.lead_agency_id)
    if item.owner_id:
        people.append(session.get(User, item.owner_id))
    verb = "reassigned to" if reassigned else "assigned to"
    notify(session, users=people, kind="action_item_assigned",
           title=f"Action item {verb} {acronym}: {item.title}",
           body=f"Due {item.due_date.isoformat()}. Open the item to post its status.",
           url=f"/action-items/{item.id}")


def _check_external_ref(session: Session, ref) -> tuple[str | None, dict[str, str]]:
    """The reference of the item in an agency's own tracker: blank means none; else text, short, unique."""
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return None, {}
    if not isinstance(ref, str):
        return None, {"external_ref": "Must be text."}
    ref = ref.strip()
    if len(ref) > 100:
        return None, {"external_ref": "Use at most 100 characters."}
    existing = session.execute(select(ActionItem.id).where(ActionItem.external_ref == ref)).scalar()
    if existing is not None:
        return None, {"external_ref": f"Action item {existing} already has this reference."}
    return ref, {}


def create_action_item(*, session: Session, actor, data: dict, external_ref: str | None = None,
                       status: str = "open", notify_agency: bool = True, authorized: bool = False) -> ActionItem:
    """Create an item. *authorized* is for callers that checked a narrower right themselves
    (an agency committing to an item of its own in a response to a recommendation)."""
    require(authorized or permissions.can_create_action_item(actor),
            "Only the secretariat creates action items.")
    external_ref, ref_errors = _check_external_ref(session, external_ref)
    try:
        resolved = _resolve(session, data, partial=False, current=None,
                            actor=None if permissions.is_system(actor) else actor)
    except ValidationFailed as err:
        err.fields.update(ref_errors)
        raise
    if ref_errors:
        raise ValidationFailed("The action item has problems.", fields=ref_errors)
    if status not in ACTION_STATUSES:
        raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(ACTION_STATUSES)}."})
    values = resolved.values
    item = ActionItem(**values, description_html=render_markdown(values.get("description_md")),
                      status=status, external_ref=external_ref, created_by_id=getattr(actor, "id", None),
                      closed_at=utcnow() if status in CLOSED_STATUSES else None,
                      percent_complete=100 if status == "done" else None)
    session.add(item)
    session.flush()
    _set_supporting(session, item, resolved.supporting_ids)
    changes = audit.creation_changes(item, ["title", "committee_id", "lead_agency_id", "owner_id", "due_date",
                                            "pillar", "priority", "status", "external_ref"])
    changes["supporting_agency_ids"] = [None, sorted(resolved.supporting_ids)]
    audit.record(session, actor=actor, action="action_item.created", obj=item, changes=changes)
    if notify_agency:
        _notify_assignment(session, item)
    session.flush()
    return item


def update_action_item(*, session: Session, actor, item_id: int, version, data: dict) -> ActionItem:
    """Change some fields (PATCH semantics). Status changes go through status updates."""
    item = get_action_item(session=session, actor=actor, item_id=item_id)
    require(permissions.can_edit_action_item(actor, item), "Only the secretariat edits action items.")
    unknown = sorted(set(data) - set(EDITABLE_FIELDS) - {"version"})
    if unknown:
        raise ValidationFailed("Unknown fields.", fields=dict.fromkeys(unknown, "This field cannot be changed here."))
    check_version(item, version)
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


def post_status_update(*, session: Session, actor, item_id: int, version, status: str | None = None,
                       note_md: str = "", percent_complete: int | None = None,
                       supporting_ids: list[int] | None = None) -> StatusUpdate:
    """Append to the item's history: a new status and/or a note. The version read must still be current."""
    item = get_action_item(session=session, actor=actor, item_id=item_id)
    if supporting_ids is None:
        supporting_ids = list(session.execute(select(ActionItemSupport.agency_id).where(
            ActionItemSupport.action_item_id == item.id)).scalars())
    note_md = note_md or ""
    status = status or None
    changing = status is not None and status != item.status
    if changing:
        if status not in ACTION_STATUSES:
            raise ValidationFailed("Unknown status.", fields={"status": f"Use one of {', '.join(ACTION_STATUSES)}."})
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
    if changing:
        item.status = status
        item.closed_at = now if status in CLOSED_STATUSES else None
        if status == "done":
            percent_complete = 100
        if status == "cancelled":
            item.cancel_reason = note_md.strip()[:2000]
    if percent_complete is not None:
        item.percent_complete = percent_complete
    item.last_update_at = now
    update = StatusUpdate(action_item_id=item.id, author_id=getattr(actor, "id", None),
                          status=item.status, previous_status=previous if changing else None,
                          note_md=note_md, note_html=render_markdown(note_md),
                          percent_complete=percent_complete, created_at=now)
    session.add(update)
    flush_or_conflict(session, "item")
    changes = {"status": [previous, item.status]} if changing else {}
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
    return post_status_update(session=session, actor=actor, item_id=item.id, version=version, status="cancelled",
                              note_md=reason)


def updates_of(*, session: Session, actor, item_id: int) -> list[tuple[StatusUpdate, str | None, str | None]]:
    get_action_item(session=session, actor=actor, item_id=item_id)
    return [tuple(r) for r in session.execute(
        select(StatusUpdate, User.name, Agency.acronym)
        .join(User, User.id == StatusUpdate.author_id, isouter=True)
        .join(Agency, Agency.id == User.agency_id, isouter=True)
        .where(StatusUpdate.action_item_id == item_id)
        .order_by(StatusUpdate.created_at.asc(), StatusUpdate.id.asc())
    ).all()]


def overdue_counts(session: Session, today: date) -> dict[int, int]:
    rows = session.execute(select(ActionItem.lead_agency_id, func.count()).where(
        ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date < today).group_by(ActionItem.lead_agency_id))
    return dict(rows.all())



def possible_owners(session: Session) -> list[tuple[int, str, str]]:
    """Active people of an agency as (id, name, agency acronym): who can own an item (of their own agency)."""
    return [tuple(r) for r in session.execute(
        select(User.id, User.name, Agency.acronym).join(Agency, Agency.id == User.agency_id)
        .where(User.is_active.is_(True)).order_by(Agency.acronym, User.name)).all()]
