"""In-app notifications and the email outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, optional_time_field
from .fields import Timestamp
from .vocab import OutboxState

OUTBOX_STATES = tuple(OutboxState)  # the old name, kept while callers move over to the enum


class Notification(SQLModel, table=True):
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),
                      # The list's order, newest first, ending in the id: a page's ids from the index alone.
                      Index("ix_notification_user_created", "user_id", "created_at", "id"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=48)
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_type=Text)
    url: str = Field(default="", max_length=500)
    dedup_key: str | None = Field(default=None, max_length=255, unique=True)
    created_at: datetime = created_field()
    read_at: datetime | None = optional_time_field()


class NotificationPublic(SQLModel):
    """A notification as the API shows it to its recipient."""

    id: int
    kind: str = Field(description="e.g. action_item_assigned, action_overdue, escalation")
    title: str
    body: str
    url: str = Field(description="The path of the object it is about, on this site")
    created_at: Timestamp
    read_at: Timestamp | None


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


class ReminderLog(SQLModel, table=True):
    """One reminder given: the database's unique key is what makes each reminder go out once,
    however many schedulers run and however often."""

    __table_args__ = (UniqueConstraint("rule", "object_type", "object_id", "recipient_id", "window"),)
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=48)
    object_type: str = Field(max_length=32)
    object_id: int
    recipient_id: int = Field(foreign_key="user.id", index=True)
    window: str = Field(max_length=64)
    created_at: datetime = created_field()


class Setting(SQLModel, table=True):
    """A setting an administrator changes on a page (reminder rules), kept in the database."""

    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_type=JSON, nullable=False)
    updated_at: datetime = created_field()
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class JobRun(SQLModel, table=True):
    """A run of a scheduled job: when, where, and how it ended."""

    __table_args__ = (Index("ix_jobrun_job_started", "job_id", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=64)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = optional_time_field()
    outcome: str = Field(default="running", max_length=16)  # running, ok, error
    detail: str = Field(default="", sa_type=Text)
    runner: str = Field(default="", max_length=100)
