"""Organisation: agencies, people, committees and who sits on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from pitf.settings import platform_timezone

from .base import UTCDateTime, Versioned, optional_time_field
from .vocab import (
    COMMITTEE_KIND_LABELS,
    MEMBER_ROLE_LABELS,
    ROLE_LABELS,
    AgencyKind,
    CommitteeKind,
    MemberRole,
    QuorumRule,
    Role,
)

# The old names of the vocabularies, kept while callers move over to the enums of .vocab.
ROLES = tuple(Role)
COMMITTEE_KINDS = tuple(CommitteeKind)
MEMBERSHIP_ROLES = tuple(MemberRole)
MEMBERSHIP_ROLE_LABELS = MEMBER_ROLE_LABELS
QUORUM_RULES = tuple(QuorumRule)
AGENCY_KINDS = tuple(AgencyKind)
__all__ = ["COMMITTEE_KIND_LABELS", "ROLE_LABELS"]  # still imported from here


class Agency(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    acronym: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="other", max_length=16)
    is_active: bool = Field(default=True)
    retired_at: datetime | None = optional_time_field()


class User(Versioned, SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("role <> 'liaison' OR agency_id IS NOT NULL", name="liaison_has_agency"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16, index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    title: str = Field(default="", max_length=200)
    is_active: bool = Field(default=True)
    # Rotated at sign-out and password change: a copied session cookie dies with it.
    session_token: str = Field(max_length=64)
    timezone: str = Field(default_factory=platform_timezone, max_length=64)  # PITF_TIMEZONE when the row is made
    calendar_secret: str | None = Field(default=None, max_length=64, unique=True)
    password_changed_at: datetime | None = optional_time_field()
    last_login_at: datetime | None = optional_time_field()
    deactivated_at: datetime | None = optional_time_field()
    # Notification preferences: the weekly digest, and per kind of reminder "email" or "in_app".
    digest_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    notification_prefs: dict = Field(default_factory=dict, sa_type=JSON, nullable=False,
                                     sa_column_kwargs={"server_default": "{}"})

    # Flask-Login's user protocol. The id names the session token, so rotating the token ends
    # every session of this user, copied cookies included.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class Committee(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    short_name: str = Field(default="", max_length=32)
    kind: str = Field(max_length=24)
    parent_id: int | None = Field(default=None, foreign_key="committee.id", index=True)
    description: str = Field(default="", max_length=4000)
    follows_faca: bool = Field(default=False)
    quorum_rule: str = Field(default="majority_agencies", max_length=24)
    # Days without a status update before an open item's lead agency is asked for one (None: the default).
    status_request_days: int | None = Field(default=None)
    is_active: bool = Field(default=True)


class Membership(Versioned, SQLModel, table=True):
    """A person or an agency on a committee, with a role; ended, never deleted."""

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (agency_id IS NULL)", name="person_or_agency"),
        Index("ix_membership_committee_active", "committee_id", "ended_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    committee_id: int = Field(foreign_key="committee.id")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    role: str = Field(default="member", max_length=16)
    started_on: date | None = Field(default=None)
    ended_on: date | None = Field(default=None)


class LoginAttempt(SQLModel, table=True):
    """Sign-in attempts, kept in the database so every worker and machine sees the same count."""

    __table_args__ = (
        Index("ix_loginattempt_email_created", "email", "created_at"),
        Index("ix_loginattempt_ip_created", "ip", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(max_length=64)
    succeeded: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ApiToken(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(default="", max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = optional_time_field()
    revoked_at: datetime | None = optional_time_field()


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: the before and after of every write."""

    __table_args__ = (Index("ix_auditentry_object", "object_type", "object_id"),
                      # The filter's list of actions is read from it (one probe per distinct action).
                      Index("ix_auditentry_action", "action"))
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(default="", max_length=254)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=64)
    object_id: int | None = Field(default=None)
    changes: dict = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


# ---- what the API shows ---------------------------------------------------------------------------

class AgencyPublic(SQLModel):
    id: int
    acronym: str = Field(description="e.g. DOJ")
    name: str
    kind: AgencyKind
    is_active: bool


class MePublic(SQLModel):
    """The caller."""

    id: int
    email: str
    name: str
    role: Role
    agency: str | None = Field(description="The agency's acronym")
    timezone: str


class AgencyMember(SQLModel):
    type: Literal["agency"] = "agency"
    agency: str = Field(description="The agency's acronym")
    role: MemberRole
    since: date | None


class PersonMember(SQLModel):
    type: Literal["person"] = "person"
    user_id: int
    name: str
    role: MemberRole
    since: date | None


class CommitteePublic(SQLModel):
    id: int
    name: str
    short_name: str
    kind: CommitteeKind
    parent_id: int | None
    follows_faca: bool
    quorum_rule: QuorumRule
    members: list[AgencyMember | PersonMember]
