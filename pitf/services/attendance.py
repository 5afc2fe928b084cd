"""Attendance: who was present, absent or represented at a meeting, and whether it had its quorum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.errors import ValidationFailed
from pitf.models import Agency, Attendance, Committee, Meeting, Membership, User
from pitf.models.agendas import read_entries as entries_of
from pitf.models.attendance import MAX_ATTENDANCE_ENTRIES, AttendanceEntryInput
from pitf.models.vocab import AttendanceStatus, AttendeeKind
from pitf.services import audit
from pitf.services import meetings as mtg
from pitf.services.timeutil import local_date
from pitf.validation import check_entries


@dataclass
class Quorum:
    required: int
    present: int
    met: bool
    rule: str


def quorum(session: Session, committee: Committee, entries: list[Attendance]) -> Quorum:
    """Quorum by the committee's rule: a majority of member agencies (default) or of members."""
    counted = [e for e in entries if e.status in ("present", "represented")]
    if committee.quorum_rule == "majority_members":
        member_ids = set(session.execute(select(Membership.user_id).where(
            Membership.committee_id == committee.id, Membership.ended_on.is_(None), Membership.user_id.is_not(None),
            Membership.role.in_(("chair", "co_chair", "member")))).scalars())
        total = len(member_ids)
        present = len({e.user_id for e in counted if e.user_id in member_ids})
    else:
        agency_ids = set(session.execute(select(Membership.agency_id).where(
            Membership.committee_id == committee.id, Membership.ended_on.is_(None),
            Membership.agency_id.is_not(None), Membership.role.in_(("chair", "co_chair", "member")))).scalars())
        total = len(agency_ids)
        present = len({e.agency_id for e in counted if e.agency_id in agency_ids})
    required = total // 2 + 1 if total else 0
    return Quorum(required=required, present=present, met=total > 0 and present >= required,
                  rule=committee.quorum_rule)


def attendee_label(name: str, acronym: str | None, *, with_acronym: bool = True) -> str:
    """A person or agency as attended, the agency once: "Ana Ruiz (DOJ)", and an agency that stands for itself
    "Department of Health and Human Services (HHS)", not "... (HHS) (HHS)"."""
    name = (name or "").strip()
    if acronym and name.endswith(f"({acronym})"):
        name = name[: -len(f"({acronym})")].rstrip()
    if not acronym or not with_acronym or name == acronym:
        return name or (acronym or "")
    return f"{name} ({acronym})" if name else acronym


def attendance_of(session: Session, meeting: Meeting) -> list[Attendance]:
    return list(session.execute(select(Attendance).where(Attendance.meeting_id == meeting.id)
                                .order_by(Attendance.id)).scalars())


def require_attendance_day(meeting: Meeting, now: datetime | None = None) -> None:
    """Attendance is taken from the meeting's day on (in its own zone), never for a cancelled meeting.
    Who is expected beforehand is not attendance: the roster says who is invited."""
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={
            "status": "This meeting is cancelled: attendance is recorded only for a meeting that took place."})
    day = mtg.meeting_local_date(meeting)
    if local_date(now or mtg.clock(), meeting.timezone) < day:
        raise ValidationFailed("The meeting has not happened yet.", fields={
            "status": f"Attendance is taken on the day of the meeting ({day.strftime('%B %-d, %Y')}) or after: "
                      "the meeting has not happened yet."})


def attendance_day_reached(meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether attendance may be taken now (see require_attendance_day)."""
    try:
        require_attendance_day(meeting, now)
    except ValidationFailed:
        return False
    return True


def _entry_values(session: Session, entry: AttendanceEntryInput, prefix: str) -> tuple[dict[str, Any], dict[str, str]]:
    """What only the stored data can tell of an entry (the person, the agency) and what follows from it (the
    name, the kind); the columns, and the problems named as the API names them: `entries[2].name`."""
    errors: dict[str, str] = {}
    user = session.get(User, entry.user_id) if entry.user_id is not None else None
    if entry.user_id is not None and user is None:
        errors[prefix + "user_id"] = "No such person."
    name = (entry.name or (user.name if user else "")).strip()
    if not name:
        errors[prefix + "name"] = "Give the person's name or choose their account."
    agency_id = user.agency_id if user else None
    if entry.agency:
        agency = session.execute(select(Agency).where(Agency.acronym == entry.agency.upper())).scalar()
        if agency is None:
            errors[prefix + "agency"] = f"No agency has the acronym {entry.agency!r}."
        else:
            agency_id = agency.id
    if entry.status == AttendanceStatus.REPRESENTED and not entry.represented_by:
        errors[prefix + "represented_by"] = "Name the alternate who represents them."
    kind = entry.attendee_kind or (AttendeeKind.MEMBER if user else AttendeeKind.GUEST)
    return {"user_id": user.id if user else None, "name": name, "agency_id": agency_id, "attendee_kind": kind,
            "status": entry.status, "represented_by": entry.represented_by}, errors


def _require_few_enough(entries: Sequence[object]) -> None:
    if len(entries) > MAX_ATTENDANCE_ENTRIES:
        raise ValidationFailed("Bad attendance.", fields={
            "entries": f"A list of at most {MAX_ATTENDANCE_ENTRIES} entries."})


def read_entries(session: Session, raws: Sequence[AttendanceEntryInput | dict[str, Any]]) \
        -> list[AttendanceEntryInput]:
    """Attendance entries given as dicts (a form's, a client's) validated by AttendanceEntryInput;
    ValidationFailed names every problem of every entry, the stored data's included (`entries[2].agency`)."""
    _require_few_enough(raws)
    return entries_of(AttendanceEntryInput, raws, "entries",
                      beside=lambda entry, prefix: _entry_values(session, entry, prefix)[1])


def put_attendance(*, session: Session, actor, meeting_id: int,
                   entries: Sequence[AttendanceEntryInput]) -> tuple[list[Attendance], Quorum]:
    """Replace the attendance list: people by account or by name, their agency, and their status (read_entries
    makes the entries of a client's dicts)."""
    meeting, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    if entries:  # clearing a list recorded by mistake stays possible
        require_attendance_day(meeting)
    _require_few_enough(entries)
    rows = [Attendance(meeting_id=meeting.id, **values) for values in check_entries(
        entries, "entries", lambda entry, prefix: _entry_values(session, entry, prefix),
        "The attendance list has problems.")]
    before = [a.name for a in attendance_of(session, meeting)]
    for old in attendance_of(session, meeting):
        session.delete(old)
    session.flush()
    session.add_all(rows)
    audit.record(session, actor=actor, action="attendance.saved", obj=meeting,
                 changes={"attendance": [before, [f"{r.name} ({r.status})" for r in rows]]})
    session.flush()
    return rows, quorum(session, committee, rows)
