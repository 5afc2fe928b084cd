"""The federal clocks: FACA notice ahead of a meeting (and the reason for short notice), the chair's
certification of the minutes within its days, the Council meeting the SPOG ahead of each PITF meeting,
and the minutes still due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import require
from pitf.models import Committee, Meeting, Minutes, utcnow
from pitf.services import meetings as mtg
from pitf.services.timeutil import local_date, today_here


@dataclass(frozen=True)
class Clocks:
    """The federal day counts (settings, not constants)."""

    notice_days: int = 15
    certify_days: int = 90
    council_before_pitf_days: int = 45

    @classmethod
    def from_config(cls, config) -> Clocks:
        return cls(config.get("PITF_FACA_NOTICE_DAYS", 15), config.get("PITF_FACA_CERTIFY_DAYS", 90),
                   config.get("PITF_COUNCIL_BEFORE_PITF_DAYS", 45))


def federal_today(now: datetime | None = None) -> date:
    """Today on the secretariat's calendar (US Eastern): the federal day counts are calendar days there."""
    return today_here(now or utcnow())


@dataclass
class FederalClocks:
    applies: bool
    notice_days_ahead: int | None = None
    notice_late: bool = False
    notice_missing: bool = False
    certify_by: date | None = None
    certify_days_left: int | None = None
    certify_overdue: bool = False
    joint_meeting_missing: bool = False  # a PITF meeting with no Council-SPOG meeting early enough
    flags: list[str] = field(default_factory=list)


def federal_clocks(*, session: Session, meeting: Meeting, committee: Committee, clocks: Clocks,
                   today: date, minutes_certified: bool = False) -> FederalClocks:
    """FACA notice and certification for a FACA body; the Council's 45 days for a PITF meeting."""
    result = FederalClocks(applies=committee.follows_faca)
    meeting_day = mtg.meeting_local_date(meeting)
    if committee.follows_faca and meeting.status == "scheduled":
        if meeting.federal_register_notice_date is None:
            result.notice_missing = True
            if (meeting_day - today).days < clocks.notice_days:
                result.notice_late = True
                result.flags.append(f"No Federal Register notice recorded, and fewer than {clocks.notice_days} "
                                    "days remain before the meeting.")
        else:
            result.notice_days_ahead = (meeting_day - meeting.federal_register_notice_date).days
            if result.notice_days_ahead < clocks.notice_days:
                result.notice_late = True
                result.flags.append(f"Federal Register notice {result.notice_days_ahead} days ahead: "
                                    f"{clocks.notice_days} are required; record the reason for short notice.")
        result.certify_by = meeting_day + timedelta(days=clocks.certify_days)
        result.certify_days_left = (result.certify_by - today).days
        if not minutes_certified and result.certify_days_left < 0 and meeting_day <= today:
            result.certify_overdue = True
            result.flags.append(f"Minutes not certified within {clocks.certify_days} days "
                                f"(due {result.certify_by.isoformat()}).")
    if committee.kind == "task_force" and meeting.status == "scheduled":
        result.joint_meeting_missing = not has_council_spog_meeting_before(
            session=session, pitf_meeting=meeting, days=clocks.council_before_pitf_days)
        if result.joint_meeting_missing:
            result.flags.append(f"No Advisory Council meeting with the SPOG is scheduled at least "
                                f"{clocks.council_before_pitf_days} days before this PITF meeting.")
    return result


def has_council_spog_meeting_before(*, session: Session, pitf_meeting: Meeting, days: int) -> bool:
    council_ids = set(session.execute(select(Committee.id).where(Committee.kind == "advisory_council")).scalars())
    spog_ids = set(session.execute(select(Committee.id).where(Committee.kind == "operating_group")).scalars())
    if not council_ids or not spog_ids:
        return False
    latest_day = mtg.meeting_local_date(pitf_meeting) - timedelta(days=days)
    candidates = session.execute(select(Meeting).where(
        Meeting.status == "scheduled",
        or_((Meeting.committee_id.in_(council_ids)) & (Meeting.joint_with_committee_id.in_(spog_ids)),
            (Meeting.committee_id.in_(spog_ids)) & (Meeting.joint_with_committee_id.in_(council_ids))),
        Meeting.starts_at < pitf_meeting.starts_at)).scalars()
    return any(mtg.meeting_local_date(m) <= latest_day for m in candidates)


# ---- the minutes still due ----------------------------------------------------------------------

@dataclass
class MinutesDue:
    meeting_id: int
    title: str
    committee_name: str
    starts_at: datetime
    meeting_day: date
    status: str  # none, draft, circulated
    faca: bool
    certify_by: date | None
    days_left: int | None
    overdue: bool


def minutes_due(*, session: Session, actor, clocks: Clocks, now: datetime) -> list[MinutesDue]:
    """Meetings held whose minutes are not approved yet (none, draft or circulated): FACA bodies' by their
    certification deadline, overdue first, then the other bodies' by meeting date. The secretariat sees every
    body, a chair or co-chair their own. One query for the rows: deadlines are computed here."""
    chaired = set() if permissions.is_staff(actor) else mtg.chaired_committee_ids(session, actor)
    require(permissions.can_list_minutes_due(actor, chaired),
            "Only the secretariat and committee chairs follow the minutes still to approve.")
    stmt = (select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.timezone,
                   Committee.name.label("committee_name"), Committee.follows_faca, Minutes.status)
            .join(Committee, Committee.id == Meeting.committee_id)
            .join(Minutes, Minutes.meeting_id == Meeting.id, isouter=True)
            .where(Meeting.starts_at < now, Meeting.status == "scheduled", Minutes.approved_revision.is_(None)))
    if not permissions.is_staff(actor):
        stmt = stmt.where(Meeting.committee_id.in_(chaired))
    today = federal_today(now)
    rows = []
    for row in session.execute(stmt).all():
        day = local_date(row.starts_at, row.timezone)
        certify_by = day + timedelta(days=clocks.certify_days) if row.follows_faca else None
        days_left = (certify_by - today).days if certify_by else None
        rows.append(MinutesDue(meeting_id=row.id, title=row.title, committee_name=row.committee_name,
                               starts_at=row.starts_at, meeting_day=day, status=row.status or "none",
                               faca=row.follows_faca, certify_by=certify_by, days_left=days_left,
                               overdue=days_left is not None and days_left < 0))
    rows.sort(key=lambda r: (0 if r.overdue else 1 if r.faca else 2, r.certify_by or r.meeting_day, r.starts_at,
                             r.meeting_id))
    return rows
