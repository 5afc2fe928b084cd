"""API of a caller's own notifications: the list (unread filter) and the read mark."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field

from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, responses, spec
from pitf.api.util import actor
from pitf.db import get_session
from pitf.models.notifications import NotificationPublic
from pitf.services import notifications
from pitf.services.visibility import NotificationView

TAGS = ["notifications"]
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _boolean_word(value):
    # Only the four words a query string has always taken here: true, 1, false, 0.
    if isinstance(value, str):
        if value.strip().lower() not in BOOLEANS:
            raise ValueError("true or false.")
        return BOOLEANS[value.strip().lower()]
    return value


class NotificationQuery(PageQuery):
    messages: ClassVar[dict[str, str]] = {**PageQuery.messages, "unread": "true or false."}

    unread: Annotated[bool, BeforeValidator(_boolean_word)] = Field(default=False, description="Only the unread ones")


def notification_public(note: NotificationView) -> NotificationPublic:
    return NotificationPublic.model_validate(note, from_attributes=True)


@api_bp.get("/notifications")
@spec.validate(query=NotificationQuery, resp=responses(200, Page[NotificationPublic], errors=(401, 422)), tags=TAGS)
def notification_list(query: NotificationQuery):
    """The caller's own notifications, newest first"""
    rows, total = notifications.list_notifications(session=get_session(), actor=actor(), unread_only=query.unread,
                                                   page=query.page, per_page=query.per_page)
    return Page[NotificationPublic](items=[notification_public(n) for n in rows], page=query.page,
                                    per_page=query.per_page, total=total)


@api_bp.post("/notifications/<int:notification_id>/read")
@spec.validate(resp=responses(200, NotificationPublic, errors=(401, 404)), tags=TAGS)
def notification_read(notification_id: int):
    """Mark one of the caller's notifications read (someone else's: 404)"""
    note = notifications.mark_read(session=get_session(), actor=actor(), notification_id=notification_id)
    return notification_public(note)
