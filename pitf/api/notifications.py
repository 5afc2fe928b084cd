"""API of a caller's own notifications: the list (unread filter) and the read mark."""

from __future__ import annotations

from flask import jsonify, request

from pitf.api import api_bp
from pitf.api.util import actor, iso, page_of, pagination
from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.models import Notification
from pitf.services import notifications
from pitf.services.visibility import NotificationView

BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def notification_json(note: Notification | NotificationView) -> dict:
    return {"id": note.id, "kind": note.kind, "title": note.title, "body": note.body, "url": note.url,
            "created_at": iso(note.created_at), "read_at": iso(note.read_at)}


@api_bp.get("/notifications")
def notification_list():
    problems = {}
    raw = (request.args.get("unread") or "false").strip().lower()
    if raw not in BOOLEANS:
        problems["unread"] = "true or false."
    try:
        page, per_page = pagination()
    except ValidationFailed as err:
        problems.update(err.fields)
    if problems:
        raise ValidationFailed("Some filters are not valid.", fields=problems)
    rows, total = notifications.list_notifications(session=get_session(), actor=actor(), unread_only=BOOLEANS[raw],
                                                   page=page, per_page=per_page)
    return jsonify(page_of([notification_json(n) for n in rows], page, per_page, total))


@api_bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int):
    note = notifications.mark_read(session=get_session(), actor=actor(), notification_id=notification_id)
    return jsonify(notification_json(note))
