"""Every table of the platform; importing this module registers them all on the metadata."""

from pitf import db as _db  # noqa: F401  (sets the naming convention before any table)

from .actions import ActionItem, ActionItemSupport, OpenCommitment, ScoreTally, StatusUpdate
from .base import utcnow
from .factors import RecoveryCode, SecondFactorAttempt, TotpFactor, WebAuthnCredential
from .identity import UserIdentity
from .meetings import (
    Agenda,
    AgendaItem,
    Attachment,
    Attendance,
    Meeting,
    MeetingSeries,
    Minutes,
    MinutesAction,
    MinutesComment,
    MinutesRevision,
)
from .notifications import JobRun, Notification, OutboxEmail, ReminderLog, Setting
from .org import Agency, ApiToken, AuditEntry, Committee, LoginAttempt, Membership, User
from .recommendations import (
    AgencyResponse,
    Recommendation,
    RecommendationCosponsor,
    RecommendationCounter,
    RecommendationEvent,
    RecommendationTarget,
    ResponseActionItem,
)
from .search import SearchDocument
from .tallies import RowTally

__all__ = [
    "ActionItem",
    "ActionItemSupport",
    "Agency",
    "AgencyResponse",
    "Agenda",
    "AgendaItem",
    "ApiToken",
    "Attachment",
    "Attendance",
    "AuditEntry",
    "Committee",
    "LoginAttempt",
    "Meeting",
    "MeetingSeries",
    "Membership",
    "Minutes",
    "MinutesAction",
    "MinutesComment",
    "MinutesRevision",
    "JobRun",
    "Notification",
    "OpenCommitment",
    "OutboxEmail",
    "Recommendation",
    "RecommendationCosponsor",
    "RecommendationCounter",
    "RecommendationEvent",
    "RecommendationTarget",
    "RecoveryCode",
    "ReminderLog",
    "ResponseActionItem",
    "RowTally",
    "ScoreTally",
    "SearchDocument",
    "SecondFactorAttempt",
    "Setting",
    "StatusUpdate",
    "TotpFactor",
    "User",
    "UserIdentity",
    "WebAuthnCredential",
    "utcnow",
]
