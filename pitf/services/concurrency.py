"""Optimistic concurrency: a write names the version it read, or it conflicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pitf.errors import Conflict, ValidationFailed


def check_version(obj: Any, version: int | str | None, *, current: dict | None = None) -> None:
    """Raise Conflict unless *version* is the object's current version."""
    if version is None or version == "":
        raise ValidationFailed("The version you read is required.", fields={"version": "Send the version you read."})
    try:
        version = int(version)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("The version must be a whole number.",
                               fields={"version": "Must be a whole number."}) from exc
    if obj.version != version:
        raise Conflict("Someone else changed this since you opened it. Review their change and submit again.",
                       current=current)


def flush_or_conflict(session: Session, what: str) -> None:
    """Flush, and turn a write that lost the race to another transaction into the conflict the user sees.

    The version column guards ORM updates at flush (StaleDataError): another transaction wrote between our
    read and our write, so *what* ("item", "meeting", "recommendation") changed under the user."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"Someone else changed this {what} at the same moment. Reload it and try again.") from exc
