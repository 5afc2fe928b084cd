"""Every vocabulary of the platform, typed once: models, schemas, forms and the OpenAPI enums read these."""

from __future__ import annotations

from enum import StrEnum

# StrEnum members equal their strings ("open" == ActionStatus.OPEN), so rows stored before, tuples of
# values and comparisons with plain strings keep working while callers move over to the members.


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    LIAISON = "liaison"
    COUNCIL = "council"
    VIEWER = "viewer"


class AgencyKind(StrEnum):
    DEPARTMENT = "department"
    OTHER = "other"


class CommitteeKind(StrEnum):
    TASK_FORCE = "task_force"
    OPERATING_GROUP = "operating_group"
    COMMITTEE = "committee"
    WORKING_GROUP = "working_group"
    ADVISORY_COUNCIL = "advisory_council"


class MemberRole(StrEnum):
    """A person's or an agency's role on a committee."""

    CHAIR = "chair"
    CO_CHAIR = "co_chair"
    MEMBER = "member"
    OBSERVER = "observer"
    DFO = "dfo"


class AppointmentType(StrEnum):
    """How a member of a FACA body is appointed, in the words of GSA's FACA Database."""

    SPECIAL_GOVERNMENT_EMPLOYEE = "special_government_employee"
    REPRESENTATIVE = "representative"
    REGULAR_GOVERNMENT_EMPLOYEE = "regular_government_employee"
    EX_OFFICIO = "ex_officio"


class MeetingAccess(StrEnum):
    """Whether a meeting is open to the public, closed, or partly closed (FACA's three kinds)."""

    OPEN = "open"
    CLOSED = "closed"
    PARTLY_CLOSED = "partly_closed"


class MemberType(StrEnum):
    """Who sits on a committee: an agency or a person."""

    AGENCY = "agency"
    PERSON = "person"


class QuorumRule(StrEnum):
    MAJORITY_AGENCIES = "majority_agencies"
    MAJORITY_MEMBERS = "majority_members"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.CANCELLED)


class Pillar(StrEnum):
    """The four Ps of the anti-trafficking framework."""

    PREVENTION = "prevention"
    PROTECTION = "protection"
    PROSECUTION = "prosecution"
    PARTNERSHIP = "partnership"


class Priority(StrEnum):
    """An action item's priority."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    CIRCULATED = "circulated"
    APPROVED = "approved"


class AgendaOutcome(StrEnum):
    """What became of an agenda item at its meeting (none recorded: null). Continued and not reached items are
    carried into the next meeting (services.carry_over)."""

    DISCUSSED = "discussed"
    CONTINUED = "continued"
    NOT_REACHED = "not_reached"


CARRIED_OUTCOMES = (AgendaOutcome.CONTINUED, AgendaOutcome.NOT_REACHED)


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    REPRESENTED = "represented"


class AttendeeKind(StrEnum):
    MEMBER = "member"
    STAFF = "staff"
    AGENCY_EMPLOYEE = "agency_employee"
    PUBLIC_SPEAKER = "public_speaker"
    GUEST = "guest"


class AttachmentKind(StrEnum):
    RECEIVED = "received"
    ISSUED = "issued"
    EVIDENCE = "evidence"
    OTHER = "other"


class RecommendationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    OPEN = "open"
    CLOSED_IMPLEMENTED = "closed_implemented"
    CLOSED_NOT_IMPLEMENTED = "closed_not_implemented"
    WITHDRAWN = "withdrawn"


class Position(StrEnum):
    """An agency's position in its response to a recommendation."""

    CONCUR = "concur"
    PARTIALLY_CONCUR = "partially_concur"
    NON_CONCUR = "non_concur"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


ROLE_LABELS: dict[str, str] = {
    Role.ADMIN: "Administrator",
    Role.SECRETARIAT: "Secretariat (IGA)",
    Role.LIAISON: "Agency liaison",
    Role.COUNCIL: "Advisory Council member",
    Role.VIEWER: "Viewer",
}
COMMITTEE_KIND_LABELS: dict[str, str] = {
    CommitteeKind.TASK_FORCE: "Task force",
    CommitteeKind.OPERATING_GROUP: "Operating group",
    CommitteeKind.COMMITTEE: "Committee",
    CommitteeKind.WORKING_GROUP: "Working group",
    CommitteeKind.ADVISORY_COUNCIL: "Advisory council",
}
MEMBER_ROLE_LABELS: dict[str, str] = {
    MemberRole.CHAIR: "Chair",
    MemberRole.CO_CHAIR: "Co-chair",
    MemberRole.MEMBER: "Member",
    MemberRole.OBSERVER: "Observer",
    MemberRole.DFO: "Designated federal officer",
}
APPOINTMENT_TYPE_LABELS: dict[str, str] = {
    AppointmentType.SPECIAL_GOVERNMENT_EMPLOYEE: "Special government employee",
    AppointmentType.REPRESENTATIVE: "Representative",
    AppointmentType.REGULAR_GOVERNMENT_EMPLOYEE: "Regular government employee",
    AppointmentType.EX_OFFICIO: "Ex officio",
}
MEETING_ACCESS_LABELS: dict[str, str] = {
    MeetingAccess.OPEN: "Open",
    MeetingAccess.CLOSED: "Closed",
    MeetingAccess.PARTLY_CLOSED: "Partially closed",
}
ACTION_STATUS_LABELS: dict[str, str] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.BLOCKED: "Blocked",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}
PILLAR_LABELS: dict[str, str] = {p: p.capitalize() for p in Pillar}
AGENDA_OUTCOME_LABELS: dict[str, str] = {
    AgendaOutcome.DISCUSSED: "Discussed",
    AgendaOutcome.CONTINUED: "Continued",
    AgendaOutcome.NOT_REACHED: "Not reached",
}
