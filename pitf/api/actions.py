"""API of action items: the list and its filters, create, read, PATCH, and the status history."""

from __future__ import annotations

from datetime import date

from flask import jsonify, url_for

from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, documented, list_query, responses, spec
from pitf.api.util import actor, checked_id, filters_and_page, with_current
from pitf.db import get_session
from pitf.errors import Conflict
from pitf.models import Agency, utcnow
from pitf.models.actions import (
    ActionItem,
    ActionItemCreate,
    ActionItemPublic,
    ActionItemUpdate,
    StatusPosted,
    StatusUpdateCreate,
    StatusUpdatePublic,
)
from pitf.paging import page_slice
from pitf.services import actions
from pitf.services.action_queries import ActionItemFilters
from pitf.services.actions import HistoryEntry, ItemView, is_overdue

TAGS = ["action items"]


# The list's filters, for the document, derived from the one declaration of them (ActionItemFilters).
ActionItemListQuery = list_query(
    "ActionItemListQuery", ActionItemFilters,
    """The list's filters, for the document: the view reads them with the one list-filter parser (as the pages
    and the CSV export do), which reports a bad filter and a bad page together in one 422.""")


# What the API shows straight from the row: every public field that is a column, except the two links, which
# are shown only to those who may see what they link to.
STORED_PUBLIC_FIELDS = (set(ActionItemPublic.model_fields) & set(ActionItem.model_fields)) - {
    "meeting_id", "recommendation_id"}


def item_public(view: ItemView, today: date | None = None) -> ActionItemPublic:
    item = view.item
    return ActionItemPublic(
        **item.model_dump(include=STORED_PUBLIC_FIELDS),
        committee_name=view.committee_name,
        # The meeting and recommendation the item came from, only when the caller may see them (null otherwise).
        meeting_id=view.meeting.id if view.meeting else None,
        recommendation_id=view.recommendation.id if view.recommendation else None,
        lead_agency=view.lead_agency, supporting_agencies=list(view.supporting), owner_name=view.owner_name,
        overdue=is_overdue(item, today or utcnow().date()))


def update_public(entry: HistoryEntry) -> StatusUpdatePublic:
    return StatusUpdatePublic(**entry.update.model_dump(include={
        "id", "action_item_id", "status", "previous_status", "note_md", "note_html", "percent_complete", "author_id",
        "created_at"}), author=entry.author, author_agency=entry.author_agency)


def _current_item(err: Conflict, item_id: int) -> Conflict:
    """Attach the item as it is now to a conflict, so the client can show both versions."""
    return with_current(err, lambda: item_public(actions.item_view(get_session(), item_id, actor())).model_dump(
        mode="json"))


def _database_problems(body: dict, invalid: dict[str, str]) -> dict[str, str]:
    return actions.problems_beside(get_session(), body, invalid, actor=actor())


@api_bp.get("/action-items")
@documented(query=ActionItemListQuery, resp=responses(200, Page[ActionItemPublic], errors=(401, 422)), tags=TAGS)
def action_items():
    """Action items, filtered; sorted by due date unless `sort` says otherwise"""
    filters, page, per_page = filters_and_page(actions.parse_filters, "Some fields are not valid.")
    today = utcnow().date()
    views, total = actions.list_action_items(session=get_session(), actor=actor(), filters=filters, page=page,
                                             per_page=per_page, today=today, descriptions=True)
    return jsonify(Page[ActionItemPublic](items=[item_public(v, today) for v in views], page=page,
                                          per_page=per_page, total=total).model_dump(mode="json"))


@api_bp.post("/action-items")
@spec.validate(json=ActionItemCreate, resp=responses(201, ActionItemPublic, errors=(400, 401, 403, 422)),
               tags=TAGS, also_refuse=_database_problems)
def create_action_item(json: ActionItemCreate):
    """Create an action item (the secretariat)"""
    db = get_session()
    item = actions.create_action_item(session=db, actor=actor(), item_in=json)
    assert item.id is not None  # flushed
    return item_public(actions.item_view(db, item.id, actor())), 201, {
        "Location": url_for("api.action_item", item_id=item.id)}


@api_bp.get("/action-items/<int:item_id>")
@spec.validate(resp=responses(200, ActionItemPublic, errors=(401, 404)), tags=TAGS)
def action_item(item_id: int):
    """One action item"""
    db = get_session()
    actions.get_action_item(session=db, actor=actor(), item_id=checked_id(item_id, "action item"))  # or NotFound
    return item_public(actions.item_view(db, item_id, actor()))


@api_bp.patch("/action-items/<int:item_id>")
@spec.validate(json=ActionItemUpdate, resp=responses(200, ActionItemPublic, errors=(400, 401, 403, 404, 409, 422)),
               tags=TAGS)
def edit_action_item(item_id: int, json: ActionItemUpdate):
    """Change some fields of an item, sending the `version` read (the status changes through /updates)"""
    db = get_session()
    try:
        actions.update_action_item(session=db, actor=actor(), item_id=checked_id(item_id, "action item"),
                                   item_in=json)
    except Conflict as err:
        raise _current_item(err, item_id) from None
    return item_public(actions.item_view(db, item_id, actor()))


@api_bp.get("/action-items/<int:item_id>/updates")
@spec.validate(query=PageQuery, resp=responses(200, Page[StatusUpdatePublic], errors=(401, 404, 422)), tags=TAGS)
def status_updates(item_id: int, query: PageQuery):
    """The item's status history, oldest first (append-only)"""
    entries = actions.updates_of(session=get_session(), actor=actor(), item_id=checked_id(item_id, "action item"))
    return Page[StatusUpdatePublic](items=[update_public(e) for e in page_slice(entries, query.page, query.per_page)],
                                    page=query.page, per_page=query.per_page, total=len(entries))


@api_bp.post("/action-items/<int:item_id>/updates")
@spec.validate(json=StatusUpdateCreate, resp=responses(201, StatusPosted, errors=(400, 401, 403, 404, 409, 422)),
               tags=TAGS)
def post_status_update(item_id: int, json: StatusUpdateCreate):
    """Post a new status and/or a note, with the `version` read"""
    db = get_session()
    user = actor()
    try:
        update = actions.post_status_update(session=db, actor=user, item_id=checked_id(item_id, "action item"),
                                            update_in=json)
    except Conflict as err:
        raise _current_item(err, item_id) from None
    agency = db.get(Agency, user.agency_id) if user.agency_id else None
    entry = HistoryEntry(update, user.name, agency.acronym if agency else None)
    return StatusPosted(update=update_public(entry), item=item_public(actions.item_view(db, item_id, actor()))), 201
