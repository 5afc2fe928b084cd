"""The audit log: who changed what, when, with the fields before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from pitf.models import AuditEntry, utcnow

REDACTED_FIELDS = {"password_hash", "session_token", "token_hash", "calendar_secret"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, list]:
    """Set *values* on *obj*; return {field: [before, after]} for those that changed."""
    changes: dict[str, list] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changes[field] = [_plain(old), _plain(new)]
    return changes


def creation_changes(obj: Any, fields: list[str]) -> dict[str, list]:
    return {f: [None, _plain(getattr(obj, f))] for f in fields}


def record(
    session: Session,
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    changes: dict[str, list] | None = None,
) -> AuditEntry:
    """Add an audit entry for a write; the caller's transaction commits it with the change."""
    cleaned = {}
    for field, pair in (changes or {}).items():
        cleaned[field] = ["[redacted]", "[redacted]"] if field in REDACTED_FIELDS else pair
    if obj is not None:
        if obj.id is None:
            session.flush()
        object_type = object_type or type(obj).__name__
        object_id = obj.id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",  # SYSTEM, the platform itself, has no email
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        changes=cleaned,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry
