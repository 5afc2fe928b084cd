"""Organisation: agencies, people, committees and who sits on them."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from pitf.settings import platform_timezone

from .base import UTCDateTime, Versioned, optional_time_field
from .fields import _blank_if_none
from .vocab import (
    APPOINTMENT_TYPE_LABELS,
    COMMITTEE_KIND_LABELS,
    MEMBER_ROLE_LABELS,
    ROLE_LABELS,
    AgencyKind,
    AppointmentType,
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
__all__ = ["APPOINTMENT_TYPE_LABELS", "COMMITTEE_KIND_LABELS", "ROLE_LABELS"]  # still imported from here


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
    # An administrator's account whose password keeps working where administrators must sign in through single
    # sign-on (pitf/services/signin_policy.py): the way back in when the identity provider fails.
    local_sign_in_allowed: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
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
    # The appointment's start (started_on) and the end of its term (term_ends_on); ended_on is the day the
    # membership actually ended, which may come before the term's end (a resignation) or after it (holdover).
    started_on: date | None = Field(default=None)
    ended_on: date | None = Field(default=None)
    appointment_type: str | None = Field(default=None, max_length=32)
    term_ends_on: date | None = Field(default=None)


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
    since: date | None = Field(description="The appointment's start")
    appointment_type: AppointmentType | None = Field(
        default=None, description="For a FACA body: special_government_employee, representative, "
                                  "regular_government_employee or ex_officio")
    term_ends_on: date | None = Field(default=None, description="The end of the appointment's term")


class PersonMember(SQLModel):
    type: Literal["person"] = "person"
    user_id: int
    name: str
    role: MemberRole
    since: date | None = Field(description="The appointment's start")
    appointment_type: AppointmentType | None = Field(
        default=None, description="For a FACA body: special_government_employee, representative, "
                                  "regular_government_employee or ex_officio")
    term_ends_on: date | None = Field(default=None, description="The end of the appointment's term")


class CommitteePublic(SQLModel):
    id: int
    name: str
    short_name: str
    kind: CommitteeKind
    parent_id: int | None
    follows_faca: bool
    quorum_rule: QuorumRule
    members: list[AgencyMember | PersonMember]


# ---- what the administration pages write: their forms' limits and choices, validated by the services ----------
ACRONYM_LENGTH = 16
NAME_LENGTH = 200
EMAIL_LENGTH = 254
SHORT_NAME_LENGTH = 32
COMMITTEE_DESCRIPTION_LENGTH = 4000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _acronym(value):
    # An agency's key everywhere: letters or digits, kept in capitals.
    return value.strip().upper() if isinstance(value, str) else value


def _alphanumeric(value: str) -> str:
    if not value.isalnum():
        raise PydanticCustomError("acronym", "Use 1 to 16 letters or digits, e.g. DOJ.")
    return value


def _email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise PydanticCustomError("email", "Enter an email address like name@agency.gov.")
    return value


# A name: stripped, never blank, at most 200 characters.
Name = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(strip_whitespace=True),
                 Field(min_length=1, max_length=NAME_LENGTH)]
Acronym = Annotated[str, BeforeValidator(_acronym), Field(min_length=1, max_length=ACRONYM_LENGTH),
                    AfterValidator(_alphanumeric)]
Email = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(strip_whitespace=True, to_lower=True),
                  Field(max_length=EMAIL_LENGTH), AfterValidator(_email)]
OptionalText = Annotated[str, BeforeValidator(_blank_if_none), StringConstraints(strip_whitespace=True)]


class AgencyUpdate(SQLModel):
    """An agency renamed or reclassified (the acronym is its key and does not change)."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "acronym": "Use 1 to 16 letters or digits, e.g. DOJ.",
        "name": f"Enter the agency's name (at most {NAME_LENGTH} characters).",
        "kind": "Choose department or other."}

    name: Name
    kind: AgencyKind = AgencyKind.OTHER


class AgencyCreate(AgencyUpdate):
    """A new agency; whether the acronym is free is the service's check."""

    acronym: Acronym


class CommitteeCreate(SQLModel):
    """A body as the administration form writes it; whether the parent exists (and is not below it) and the
    name is free are the service's checks."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "name": f"Enter the committee's name (at most {NAME_LENGTH} characters).",
        "kind": "Choose a kind of body from the list.", "quorum_rule": "Choose a quorum rule from the list.",
        "short_name": f"Use at most {SHORT_NAME_LENGTH} characters.",
        "description": f"Use at most {COMMITTEE_DESCRIPTION_LENGTH:,} characters.",
        "parent_id": "No such parent committee."}

    name: Name
    kind: CommitteeKind
    parent_id: int | None = None
    short_name: Annotated[OptionalText, Field(max_length=SHORT_NAME_LENGTH)] = ""
    description: Annotated[OptionalText, Field(max_length=COMMITTEE_DESCRIPTION_LENGTH)] = ""
    follows_faca: bool = False
    quorum_rule: QuorumRule = QuorumRule.MAJORITY_AGENCIES


class CommitteeUpdate(CommitteeCreate):
    """A body changed: its fields, and whether it is active."""

    is_active: bool = True


class UserUpdate(SQLModel):
    """A person's account as the administration form writes it; the agency by its acronym (the service looks it
    up: a liaison needs one)."""

    model_config = SQLModelConfig(extra="forbid")
    messages: ClassVar[dict[str, str]] = {
        "email": "Enter an email address like name@agency.gov.",
        "name.string_too_short": "Enter the person's name.", "name.missing": "Enter the person's name.",
        "role": f"Choose one of: {', '.join(Role)}.", "title": f"Use at most {NAME_LENGTH} characters."}

    email: Email
    name: Name
    title: Annotated[OptionalText, Field(max_length=NAME_LENGTH)] = ""
    role: Role
    # An administrator's way back in where administrators must use single sign-on (services/signin_policy.py).
    local_sign_in_allowed: bool = False
    agency: Annotated[str | None, BeforeValidator(lambda v: v.strip().upper() or None if isinstance(v, str) else v)] \
        = None


class UserCreate(UserUpdate):
    """A new account with its initial password (the service checks the password's strength)."""

    password: str
