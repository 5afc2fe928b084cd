"""A person's notifications (list, unread count, mark read) and their notification preferences;
and the outbox as administrators read it."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models import Notification, OutboxEmail, utcnow
from pitf.models.notifications import OUTBOX_STATES
from pitf.paging import page_rows
from pitf.services import audit, visibility
from pitf.services.filters import BadFilter, Filter, read_filters
from pitf.services.reminders import KINDS
from pitf.services.visibility import NotificationView
from pitf.textutil import parse_id

CHANNELS = {"email": "Email and in the app", "in_app": "In the app only"}
MAX_RECIPIENT_FILTER = 254


@functools.cache
def _zones() -> frozenset[str]:
    # available_timezones() walks the zone files on every call; the set does not change while we run.
    return frozenset(zoneinfo.available_timezones())


# ---- a person's notifications ------------------------------------------------------------------

def _mine(actor):
    require(permissions.is_signed_in(actor), "Sign in to read your notifications.")
    return Notification.user_id == actor.id


def list_notifications(*, session: Session, actor, unread_only: bool = False, page: int = 1,
                       per_page: int = 50) -> tuple[list[NotificationView], int]:
    """The actor's own notifications, newest first, one page of them, and how many there are in all.
    One about a meeting or recommendation the actor may not see (now) keeps neither its text nor its link."""
    where = [_mine(actor)]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    # One person's notifications are few (thousands at most): one query reads the page in the order of the
    # index (user_id, created_at, id), the count is index-only over (user_id, read_at).
    total = session.execute(select(func.count()).select_from(Notification).where(*where)).scalar_one()
    rows = list(session.execute(page_rows(
        select(Notification).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)).scalars())
    return visibility.notification_views(session, actor, rows), total


def unread_count(*, session: Session, actor) -> int:
    """How many of the actor's notifications are unread: one indexed COUNT (user_id, read_at)."""
    return session.execute(select(func.count()).select_from(Notification)
                           .where(_mine(actor), Notification.read_at.is_(None))).scalar_one()


def get_notification(*, session: Session, actor, notification_id) -> Notification:
    """One of the actor's own notifications; anyone else's is 404, as if it did not exist."""
    require(permissions.is_signed_in(actor), "Sign in to read your notifications.")
    number = parse_id(notification_id)
    note = session.get(Notification, number) if number is not None else None
    if note is None or note.user_id != actor.id:
        raise NotFound("No such notification.")
    return note


def mark_read(*, session: Session, actor, notification_id) -> NotificationView:
    """Mark one of the actor's notifications read (already read: left as it was), and return it as the actor
    may see it. Read marks are the reader's own bookkeeping, like the last sign-in: not audited."""
    note = get_notification(session=session, actor=actor, notification_id=notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return visibility.notification_views(session, actor, [note])[0]


def mark_all_read(*, session: Session, actor) -> int:
    """Mark every unread notification of the actor read, in one UPDATE; return how many."""
    result = session.execute(
        update(Notification).where(_mine(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session="evaluate"))
    return result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; execute() is typed as the base Result


# ---- preferences -------------------------------------------------------------------------------

def channel_of(user, kind: str) -> str:
    """How a kind of notification reaches *user*: "email" (and in the app, the default) or "in_app"."""
    value = (user.notification_prefs or {}).get(kind, "email")
    return value if value in CHANNELS else "email"


def update_notification_prefs(*, session: Session, actor, digest_enabled: bool | None = None,
                              prefs: dict[str, Any] | None = None, timezone: str | None = None) -> dict[str, list]:
    """Save the actor's choices: per kind "email" or "in_app", the weekly digest, the time zone.
    Everything is checked before anything changes; ValidationFailed names each bad field
    (`prefs.<kind>`, `digest_enabled`, `timezone`). Returns the audited changes."""
    require(permissions.is_signed_in(actor), "Sign in to change your preferences.")
    errors: dict[str, str] = {}
    prefs = prefs or {}
    if not isinstance(prefs, dict):
        raise ValidationFailed("Some preferences are not valid.",
                               fields={"prefs": "A mapping of kind of notification to email or in_app."})
    for kind, channel in prefs.items():
        if kind not in KINDS:
            errors[f"prefs.{kind}"[:100]] = "Unknown kind of notification."
        elif channel not in CHANNELS:
            errors[f"prefs.{kind}"] = "Choose email and in the app, or in the app only."
    if digest_enabled is not None and not isinstance(digest_enabled, bool):
        errors["digest_enabled"] = "On or off."
    if timezone is not None and (not isinstance(timezone, str) or timezone not in _zones()):
        errors["timezone"] = "Choose a time zone from the list."
    if errors:
        raise ValidationFailed("Some preferences are not valid.", fields=errors)
    values: dict[str, Any] = {}
    if prefs:
        values["notification_prefs"] = {**(actor.notification_prefs or {}), **prefs}
    if digest_enabled is not None:
        values["digest_enabled"] = digest_enabled
    if timezone is not None:
        values["timezone"] = timezone
    changes = audit.apply_changes(actor, values)
    if changes:
        audit.record(session, actor=actor, action="user.notification_preferences", obj=actor, changes=changes)
        session.flush()
    return changes


# ---- the outbox, for administrators ------------------------------------------------------------

def _text_of(most: int, message: str, allowed: tuple[str, ...] = ()):
    """Text of at most *most* characters (one of *allowed*, when given); blank is no filter."""
    def read(raw: str) -> str:
        text = raw.strip()
        if text and (len(text) > most or allowed and text not in allowed):
            raise BadFilter(message)
        return text
    return read


OUTBOX_FILTERS = (
    Filter("state", _text_of(64, f"Choose one of: {', '.join(OUTBOX_STATES)}.", OUTBOX_STATES)),
    Filter("recipient", _text_of(MAX_RECIPIENT_FILTER, f"Use at most {MAX_RECIPIENT_FILTER} characters.")),
    Filter("kind", _text_of(48, "No such kind of email.")),
)


def parse_outbox_filters(args) -> dict[str, str]:
    """The outbox page's filters (state, recipient, kind), checked; ValidationFailed names the bad ones."""
    return read_filters(args, lambda **given: {k: v for k, v in given.items() if v}, OUTBOX_FILTERS)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_outbox(*, session: Session, actor, state: str = "", recipient: str = "", kind: str = "", page: int = 1,
                per_page: int = 50) -> tuple[list[Row], int]:
    """Queued, sent and failed emails, newest first, filtered by state, recipient (address contains) and kind."""
    require(permissions.is_admin(actor), "Only administrators read the outbox.")
    where = []
    if state:
        where.append(OutboxEmail.state == state)
    if kind:
        where.append(OutboxEmail.kind == kind)
    if recipient:
        where.append(func.lower(OutboxEmail.to_address).like(f"%{_like_escape(recipient.lower())}%", escape="\\"))
    total = session.execute(select(func.count()).select_from(OutboxEmail).where(*where)).scalar_one()
    # Columns the page shows, not the bodies: a list of thousands of emails stays light.
    columns = (OutboxEmail.id, OutboxEmail.created_at, OutboxEmail.to_address, OutboxEmail.kind,
               OutboxEmail.subject, OutboxEmail.state, OutboxEmail.attempts, OutboxEmail.next_attempt_at,
               OutboxEmail.last_error, OutboxEmail.sent_at)
    rows = list(session.execute(page_rows(
        select(*columns).where(*where).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()),
        page, per_page)).all())
    return rows, total


def outbox_kinds(*, session: Session, actor) -> list[str]:
    """The kinds of email to filter by: every kind a person can choose for, and any other in the outbox."""
    require(permissions.is_admin(actor), "Only administrators read the outbox.")
    present = set(session.execute(select(OutboxEmail.kind).distinct()).scalars())
    return sorted(present | set(KINDS))


def get_outbox_email(*, session: Session, actor, email_id) -> OutboxEmail:
    require(permissions.is_admin(actor), "Only administrators read the outbox.")
    number = parse_id(email_id)
    row = session.get(OutboxEmail, number) if number is not None else None
    if row is None:
        raise NotFound("No such email in the outbox.")
    return row
