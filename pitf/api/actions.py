"""API of action items: the list and its filters, create, read, PATCH, and the status history."""

from __future__ import annotations

from datetime import date

from flask import jsonify, url_for

from pitf.api import api_bp
from pitf.api.util import (
    ACRONYMS,
    ID,
    actor,
    check_fields,
    checked_id,
    filters_and_page,
    iso,
    json_body,
    page_of,
    pagination,
    with_current,
)
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed
from pitf.models import Agency, StatusUpdate, utcnow
from pitf.paging import page_slice
from pitf.services import actions
from pitf.services.actions import ItemView, is_overdue

# The JSON type each writable field must have (None is accepted where the service decides what it means).
ITEM_FIELD_TYPES = {"title": str, "description_md": str, "committee_id": ID, "meeting_id": ID,
                    "recommendation_id": ID, "lead_agency": str, "supporting_agencies": ACRONYMS, "owner_id": ID,
                    "due_date": str, "pillar": str, "priority": str, "external_ref": str}
PATCH_FIELD_TYPES = {**{k: v for k, v in ITEM_FIELD_TYPES.items() if k != "external_ref"}, "version": int}
UPDATE_FIELD_TYPES = {"version": int, "status": str, "note_md": str, "percent_complete": int}


def item_json(view: ItemView, today: date | None = None) -> dict:
    item = view.item
    return {
        "id": item.id, "title": item.title, "description_md": item.description_md,
        "description_html": item.description_html, "committee_id": item.committee_id,
        "committee_name": view.committee_name,
        # The meeting and recommendation the item came from, only when the caller may see them (null otherwise).
        "meeting_id": view.meeting.id if view.meeting else None,
        "recommendation_id": view.recommendation.id if view.recommendation else None, "lead_agency": view.lead_agency,
        "supporting_agencies": list(view.supporting), "owner_id": item.owner_id, "owner_name": view.owner_name,
        "due_date": iso(item.due_date), "status": item.status, "pillar": item.pillar, "priority": item.priority,
        "percent_complete": item.percent_complete, "overdue": is_overdue(item, today or utcnow().date()),
        "external_ref": item.external_ref, "cancel_reason": item.cancel_reason, "closed_at": iso(item.closed_at),
        "last_update_at": iso(item.last_update_at), "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at), "version": item.version,
    }


def update_json(update: StatusUpdate, author: str | None, author_agency: str | None) -> dict:
    return {"id": update.id, "action_item_id": update.action_item_id, "status": update.status,
            "previous_status": update.previous_status, "note_md": update.note_md, "note_html": update.note_html,
            "percent_complete": update.percent_complete, "author_id": update.author_id, "author": author,
            "author_agency": author_agency, "created_at": iso(update.created_at)}


def _current_item(err: Conflict, item_id: int) -> Conflict:
    """Attach the item as it is now to a conflict, so the client can show both versions."""
    return with_current(err, lambda: item_json(actions.item_view(get_session(), item_id, actor())))


def _location(item_id: int) -> str:
    return url_for("api.action_item", item_id=item_id)


@api_bp.get("/action-items")
def action_items():
    filters, page, per_page = filters_and_page(actions.parse_filters)
    today = utcnow().date()
    views, total = actions.list_action_items(session=get_session(), actor=actor(), filters=filters, page=page,
                                             per_page=per_page, today=today)
    return jsonify(page_of([item_json(v, today) for v in views], page, per_page, total))


@api_bp.post("/action-items")
def create_action_item():
    data = json_body()
    unknown = sorted(set(data) - set(ITEM_FIELD_TYPES))
    if unknown:
        raise ValidationFailed("Unknown fields.", fields=dict.fromkeys(unknown, "This field cannot be set here."))
    check_fields(data, allow_unknown=True, types=ITEM_FIELD_TYPES)
    db = get_session()
    fields = {k: v for k, v in data.items() if k != "external_ref"}
    item = actions.create_action_item(session=db, actor=actor(), data=fields, external_ref=data.get("external_ref"))
    response = jsonify(item_json(actions.item_view(db, item.id, actor())))
    response.status_code = 201
    response.headers["Location"] = _location(item.id)
    return response


@api_bp.get("/action-items/<int:item_id>")
def action_item(item_id: int):
    db = get_session()
    actions.get_action_item(session=db, actor=actor(), item_id=checked_id(item_id, "action item"))  # 404 / 403
    return jsonify(item_json(actions.item_view(db, item_id, actor())))


@api_bp.patch("/action-items/<int:item_id>")
def edit_action_item(item_id: int):
    data = json_body()
    check_fields(data, allow_unknown=True, types=PATCH_FIELD_TYPES)
    db = get_session()
    fields = {k: v for k, v in data.items() if k != "version"}
    try:
        actions.update_action_item(session=db, actor=actor(), item_id=checked_id(item_id, "action item"),
                                   version=data.get("version"), data=fields)
    except ValidationFailed as err:
        if "status" in err.fields:
            err.fields["status"] = f"Change the status with POST /api/v1/action-items/{item_id}/updates."
        raise
    except Conflict as err:
        raise _current_item(err, item_id) from None
    return jsonify(item_json(actions.item_view(db, item_id, actor())))


@api_bp.get("/action-items/<int:item_id>/updates")
def status_updates(item_id: int):
    page, per_page = pagination()
    rows = actions.updates_of(session=get_session(), actor=actor(), item_id=checked_id(item_id, "action item"))
    return jsonify(page_of([update_json(*row) for row in page_slice(rows, page, per_page)], page, per_page, len(rows)))


@api_bp.post("/action-items/<int:item_id>/updates")
def post_status_update(item_id: int):
    data = json_body()
    unknown = sorted(set(data) - set(UPDATE_FIELD_TYPES))
    if unknown:
        raise ValidationFailed("Unknown fields.", fields=dict.fromkeys(
            unknown, "A status update carries version, status, note_md and percent_complete."))
    check_fields(data, allow_unknown=True, types=UPDATE_FIELD_TYPES)
    db = get_session()
    user = actor()
    try:
        update = actions.post_status_update(session=db, actor=user, item_id=checked_id(item_id, "action item"),
                                            version=data.get("version"), status=data.get("status"),
                                            note_md=data.get("note_md") or "",
                                            percent_complete=data.get("percent_complete"))
    except Conflict as err:
        raise _current_item(err, item_id) from None
    agency = db.get(Agency, user.agency_id) if user.agency_id else None
    body = {"update": update_json(update, user.name, agency.acronym if agency else None),
            "item": item_json(actions.item_view(db, item_id, actor()))}
    response = jsonify(body)
    response.status_code = 201
    return response
