"""Reading action items: one item with its names, its history, and the filtered lists (pages, API, CSV export)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated, Literal, NamedTuple

from pydantic import Field
from sqlalchemy import Select, asc, desc, func, or_, select
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import UnaryExpression
from werkzeug.datastructures import MultiDict

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed
from pitf.models import ActionItem, ActionItemSupport, Agency, Committee, StatusUpdate, User, utcnow
from pitf.models.actions import SORT_KEYS
from pitf.models.fields import QueryDate, QueryId
from pitf.models.vocab import CLOSED_ACTION_STATUSES as CLOSED_STATUSES
from pitf.models.vocab import ActionStatus, Pillar, Priority
from pitf.paging import count_rows, in_order, page_keys, table_rows
from pitf.services import visibility
from pitf.services.filters import (
    BadFilter,
    agency_acronym,
    choice,
    day,
    declared_filters,
    filter_field,
    flag,
    read_filters,
    record_id,
    search_words,
    sort_order,
)
from pitf.services.search import matching_ids
from pitf.services.search_query import LANGUAGE_HELP, MAX_QUERY
from pitf.services.visibility import Related

SORTS: dict[str, tuple[UnaryExpression, ...]] = {
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

    @property
    def item_id(self) -> int:
        """The id of the item, read from the database (so never None)."""
        assert self.item.id is not None
        return self.item.id


class HistoryEntry(NamedTuple):
    """One entry of an item's history with who wrote it."""

    update: StatusUpdate
    author: str | None
    author_agency: str | None


@dataclass
class ItemDetail(ItemView):
    updates: list[HistoryEntry] = field(default_factory=list)
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
        v.meeting = meetings.get(v.item.meeting_id) if v.item.meeting_id is not None else None
        v.recommendation = recs.get(v.item.recommendation_id) if v.item.recommendation_id is not None else None


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
    detail.updates = _history(session, item_id, newest_first=True)
    return detail


def _history(session: Session, item_id: int, *, newest_first: bool) -> list[HistoryEntry]:
    order = (StatusUpdate.created_at.desc(), StatusUpdate.id.desc()) if newest_first else \
        (StatusUpdate.created_at.asc(), StatusUpdate.id.asc())
    return [HistoryEntry(*row) for row in session.execute(
        select(StatusUpdate, User.name, Agency.acronym)
        .join(User, User.id == StatusUpdate.author_id, isouter=True)
        .join(Agency, Agency.id == User.agency_id, isouter=True)
        .where(StatusUpdate.action_item_id == item_id)
        .order_by(*order)
    ).all()]


# ---- filters and lists -----------------------------------------------------------------------

def _statuses(raw: list[str]) -> list[str]:
    """?status=open,blocked or ?status=open&status=blocked; "closed" and "active" name groups."""
    statuses = [s for item in raw for s in item.split(",") if s]
    if bad := [s for s in statuses if s not in (*ActionStatus, "closed", "active")]:
        raise BadFilter(f"Unknown status {bad[0]!r}; use {', '.join(ActionStatus)}.")
    return statuses


@dataclass
class ActionItemFilters:
    """The filters of the action item lists (pages, API, CSV export), each declared once: its type and default,
    how the one list-filter parser reads it, and what the API's document says (api/actions.py derives the
    list's query model from these fields)."""

    agency: str | None = filter_field(agency_acronym, description="Acronym")
    agency_role: Literal["lead", "supporting"] | None = filter_field(  # None: either
        choice(("lead", "supporting"), "Use lead or supporting."))
    committee_id: QueryId | None = filter_field(record_id)
    status: list[str] = filter_field(_statuses, many=True,
                                     description="Statuses, comma-separated or repeated; also closed and active")
    pillar: Pillar | None = filter_field(choice(Pillar))
    priority: Priority | None = filter_field(choice(Priority))
    # The words a boolean query argument has always taken here (pydantic's, in any case).
    overdue: bool = filter_field(flag(true=("true", "1", "yes", "on", "t", "y"),
                                      false=("false", "0", "no", "off", "f", "n")), default=False)
    due_after: QueryDate | None = filter_field(day)
    due_before: QueryDate | None = filter_field(day)
    owner_id: QueryId | None = filter_field(record_id)
    meeting_id: QueryId | None = filter_field(record_id)
    recommendation_id: QueryId | None = filter_field(record_id)
    q: Annotated[str, Field(max_length=MAX_QUERY)] = filter_field(search_words, default="",
                                                                 description="In the title, description or status "
                                                                             "updates: " + LANGUAGE_HELP)
    sort: Literal[SORT_KEYS] = filter_field(sort_order(SORT_KEYS), default="due_date")  # type: ignore[valid-type]

    def query_args(self) -> dict:
        """The filters as URL query arguments (for links that keep them)."""
        args = {"agency": self.agency, "agency_role": self.agency_role, "committee_id": self.committee_id,
                "status": self.status or None, "pillar": self.pillar, "priority": self.priority,
                "overdue": "true" if self.overdue else None, "due_after": self.due_after,
                "due_before": self.due_before, "owner_id": self.owner_id, "q": self.q or None,
                "sort": self.sort if self.sort != "due_date" else None}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items() if v not in (None, "")}


# The filters of the action item lists (pages, API, CSV export), read by the one list-filter parser.
FILTERS = declared_filters(ActionItemFilters)


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
            wanted |= {s for s in ActionStatus if s not in CLOSED_STATUSES}
        stmt = stmt.where(ActionItem.status.in_(sorted(wanted & set(ActionStatus))))
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
    if f.q:  # the search's index: the item's own text or any of its status updates' notes
        stmt = stmt.where(ActionItem.id.in_(matching_ids(session, f.q, "action_item")))
    return stmt


def _unfiltered(f: ActionItemFilters) -> bool:
    """Whether *f* keeps every item (whatever the order): the total is then the table's row tally."""
    return replace(f, sort="due_date") == ActionItemFilters()


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
                      today: date | None = None, descriptions: bool = False) -> tuple[list[ItemView], int]:
    """One page of items matching *filters*, and the total, in a fixed number of queries whatever the size.

    The total is the table's row tally when nothing is filtered, else a count over the ids (indexes, not rows);
    the page's ids are found through the sort's index (pitf.paging.page_keys) before its rows are read; the
    rows leave out the descriptions unless *descriptions* (the API and the CSV export show them)."""
    if not permissions.can_view_action_items(actor):
        raise NotFound("No such list.")
    filters = _visible_filters(session, actor, filters)
    today = today or utcnow().date()
    agency_id = _agency_id(session, filters)  # looked up once for both queries
    keys = select(ActionItem.id)
    if filters.sort in ("lead_agency", "-lead_agency"):
        keys = keys.join(Agency, Agency.id == ActionItem.lead_agency_id)
    keys = _filtered(keys, filters, session, today, agency_id)
    total = table_rows(session, "actionitem") if _unfiltered(filters) else count_rows(session, keys)
    ids = page_keys(session, keys, SORTS[filters.sort], page, per_page, total)
    shown = [] if descriptions else [defer(ActionItem.description_md), defer(ActionItem.description_html)]
    rows = session.execute(_view_select().where(ActionItem.id.in_(ids)).options(*shown)).all() if ids else []
    views = [ItemView(r[0], r[1], r[2], r[3], r[4]) for r in in_order(rows, ids, key=lambda r: r[0].id)]
    supporting = supporting_acronyms(session, [v.item_id for v in views])
    for v in views:
        v.supporting = supporting[v.item_id]
    resolve_related(session, actor, views)
    return views, total


def iter_action_items(*, session: Session, actor, filters: ActionItemFilters, today: date | None = None,
                      batch: int = 1000):
    """Every item matching *filters*, in batches (for CSV export)."""
    page = 1
    while True:
        views, _total = list_action_items(session=session, actor=actor, filters=filters, page=page,
                                          per_page=batch, today=today, descriptions=True)
        yield from views
        if len(views) < batch:
            return
        page += 1


def updates_of(*, session: Session, actor, item_id: int) -> list[HistoryEntry]:
    """The item's history, oldest first."""
    get_action_item(session=session, actor=actor, item_id=item_id)
    return _history(session, item_id, newest_first=False)


def overdue_counts(session: Session, today: date) -> dict[int, int]:
    rows = session.execute(select(ActionItem.lead_agency_id, func.count()).where(
        ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date < today).group_by(ActionItem.lead_agency_id))
    return dict(rows.tuples().all())



def possible_owners(session: Session) -> list[tuple[int, str, str]]:
    """Active people of an agency as (id, name, agency acronym): who can own an item (of their own agency)."""
    return [tuple(r) for r in session.execute(
        select(User.id, User.name, Agency.acronym).join(Agency, Agency.id == User.agency_id)
        .where(User.is_active.is_(True)).order_by(Agency.acronym, User.name)).all()]
