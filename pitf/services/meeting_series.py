"""Planning ahead: a series of meetings, the copy of a meeting, and the date suggested for the next one."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.errors import ValidationFailed
from pitf.models import Committee, Meeting, MeetingSeries, utcnow
from pitf.models.meetings import MeetingCopy, MeetingCreate, MeetingSeriesPlan
from pitf.services import audit, carry_over
from pitf.services import meetings as mtg
from pitf.services.timeutil import local_to_utc, parse_instant, to_local
from pitf.validation import validate


def copy_meeting(*, session: Session, actor, meeting_id: int, copy_in: MeetingCopy) -> Meeting:
    """Plan the next meeting from a past one: same body, place, length (unless *copy_in* gives the end), and an
    agenda (unpublished) starting with the open work carried over (services.carry_over: the continued, not reached
    and standing items, and the open commitments born in the meeting; *copy_in.carry* names those to bring, all
    when left out). Without a start, on the date suggested for the next meeting (see next_meeting)."""
    source, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    carried = carry_over.chosen_entries(carry_over.proposal(session, actor, source), copy_in.carry)
    starts_at, ends_at = copy_in.starts_at, copy_in.ends_at
    if starts_at is None:
        suggested = next_meeting(session, source, committee)  # wall-clock times, read in the meeting's zone
        starts_at = suggested.starts_at
        ends_at = suggested.ends_at if ends_at is None else ends_at
    start = parse_instant(starts_at, field="starts_at", tz_name=source.timezone)
    if start <= mtg.clock():
        raise ValidationFailed("Choose a coming date.", fields={
            "starts_at": "A copy plans the next meeting: choose a date and time still to come. "
                         "To record a past meeting, schedule it instead."})
    length = source.ends_at - source.starts_at
    meeting_in = validate(MeetingCreate, {
        "committee_id": source.committee_id, "title": copy_in.title or source.title, "starts_at": start,
        "ends_at": start + length if ends_at is None else ends_at, "timezone": source.timezone,
        "location": source.location, "virtual_url": source.virtual_url, "is_open": source.is_open,
        "joint_with_committee_id": source.joint_with_committee_id})
    meeting = mtg.create_meeting(session=session, actor=actor, meeting_in=meeting_in)
    carry_over.write_entries(session, actor, source=source, target=meeting, entries=carried)
    audit.record(session, actor=actor, action="meeting.copied", obj=meeting, changes={"copied_from": [None, source.id]})
    session.flush()
    return meeting


def series_rule(session: Session, meeting: Meeting) -> str:
    """How the meeting's series was made ("quarterly:1:4"), or "" for a meeting on its own."""
    if not meeting.series_key:
        return ""
    return session.execute(select(MeetingSeries.rule).where(MeetingSeries.key == meeting.series_key)).scalar() or ""


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def create_series(*, session: Session, actor, meeting_in: MeetingCreate,
                  plan: MeetingSeriesPlan) -> list[Meeting]:
    """Create the coming meetings of a series at once, the first as *meeting_in*, repeated as *plan* says;
    each is then edited on its own. The wall-clock time stays the same across daylight-saving changes."""
    rule, count, interval = plan.rule, plan.count, plan.interval
    first = mtg.check_new_meeting(session=session, actor=actor, meeting_in=meeting_in)
    tz_name = first["timezone"]
    local_start, local_end = to_local(first["starts_at"], tz_name), to_local(first["ends_at"], tz_name)
    key = uuid.uuid4().hex
    session.add(MeetingSeries(key=key, rule=f"{rule}:{interval}:{count}", created_at=utcnow()))
    meetings = []
    for n in range(count):
        if rule == "weekly":
            day = local_start.date() + timedelta(weeks=interval * n)
        else:
            day = _add_months(local_start.date(), (3 if rule == "quarterly" else 1) * interval * n)
        end_day = day + (local_end.date() - local_start.date())
        m = mtg.create_meeting(session=session, actor=actor, meeting_in=meeting_in.model_copy(update={
            "starts_at": local_to_utc(day, local_start.time().replace(tzinfo=None), tz_name),
            "ends_at": local_to_utc(end_day, local_end.time().replace(tzinfo=None), tz_name, field="ends_at"),
            "title": first["title"]}))
        m.series_key = key
        meetings.append(m)
    session.flush()
    return meetings


# ---- the next meeting ----------------------------------------------------------------------------

def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (the last one when the month has no n-th)."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    return days[min(n, len(days)) - 1]


def suggest_next_date(day: date, months: int) -> date:
    """The same weekday *months* later, in the same week of the month ("the second Tuesday of each quarter")."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return _nth_weekday(year, month, day.weekday(), (day.day - 1) // 7 + 1)


def is_quarterly(session: Session, meeting: Meeting, committee: Committee) -> bool:
    """The SPOG meets quarterly, and so does any body whose meeting came from a quarterly series."""
    return committee.kind == "operating_group" or series_rule(session, meeting).startswith("quarterly")


@dataclass(frozen=True)
class NextMeeting:
    """When the meeting after one is suggested, on the meeting's own wall clock (no zone: the meeting's)."""

    months: int  # how far ahead: 3 for a body that meets quarterly, else 1
    starts_at: datetime
    ends_at: datetime

    @property
    def day(self) -> date:
        return self.starts_at.date()


def next_meeting(session: Session, meeting: Meeting, committee: Committee) -> NextMeeting:
    """The meeting after *meeting*: the same weekday of the same week of the month, a quarter later for a body
    that meets quarterly and a month later for the others, at the same times on the meeting's own clock."""
    months = 3 if is_quarterly(session, meeting, committee) else 1
    start, end = to_local(meeting.starts_at, meeting.timezone), to_local(meeting.ends_at, meeting.timezone)
    day = suggest_next_date(start.date(), months)
    end_day = day + (end.date() - start.date())
    return NextMeeting(months, datetime.combine(day, start.time().replace(tzinfo=None)),
                       datetime.combine(end_day, end.time().replace(tzinfo=None)))
