"""In-app notifications and the email outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, optional_time_field

OUTBOX_STATES = ("pending", "sending", "sent", "failed")


class Notification(SQLModel, table=True):
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=48)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_type=Text)
    url: str = Field(default="", max_length=500)
    dedup_key: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = created_field()
    read_at: datetime | None = optional_time_field()


class OutboxEmail(SQLModel, table=True):
    """An email to send; the sender claims rows so that each goes out once."""

    __table_args__ = (Index("ix_outboxemail_state_next", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(max_length=254)
    kind: str = Field(max_length=48, index=True)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    message_id: str = Field(max_length=255, unique=True)
    dedup_key: str | None = Field(default=None, max_length=255, unique=True)
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    claimed_at: datetime | None = optional_time_field()
    claimed_by: str = Field(default="", max_length=100)
    last_error: str = Field(default="", max_length=2000)
    sent_at: datetime | None = optional_time_field()
    created_at: datetime = created_field()
