"""Tell people about something: an in-app notification, and an email queued in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import cast

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from pitf.models import Notification, OutboxEmail, User, utcnow


def _base_url() -> str:
    from pitf.settings import base_url_from_env

    return current_app.config["PITF_BASE_URL"].rstrip("/") if has_app_context() else base_url_from_env()


def notify(session: Session, *, users: Iterable[User], kind: str, title: str, url: str, body: str = "",
           email: bool = True, dedup_key: str | None = None, skip_existing: bool = False) -> list[Notification]:
    """Add a notification for each active user (once each), and queue its email when asked.
    With *dedup_key* and *skip_existing*, people who already have that notice are left out."""
    seen: set[int] = set()
    if dedup_key and skip_existing:
        from sqlalchemy import select

        # The LIKE leaves out rows without a key.
        seen = {int(cast(str, k).rsplit(":", 1)[1]) for k in session.execute(
            select(Notification.dedup_key).where(Notification.dedup_key.like(f"{dedup_key}:%"))).scalars()}
    created = []
    now = utcnow()
    for user in users:
        if user is None or user.id in seen or not user.is_active:
            continue
        assert user.id is not None  # people are stored accounts
        seen.add(user.id)
        key = f"{dedup_key}:{user.id}" if dedup_key else None
        note = Notification(user_id=user.id, kind=kind, title=title[:300], body=body, url=url[:500], dedup_key=key,
                            created_at=now)
        session.add(note)
        created.append(note)
        if email and user.email:
            link = f"{_base_url()}{url}"
            session.add(OutboxEmail(
                user_id=user.id, to_address=user.email, kind=kind, subject=title[:300],
                body_text=f"{title}\n\n{body}\n\n{link}\n".replace("\n\n\n", "\n\n"),
                message_id=f"<{uuid.uuid4()}@pitf.platform>", dedup_key=key, next_attempt_at=now,
            ))
    session.flush()
    return created
