"""iCalendar (RFC 5545) files of meetings, and each user's personal subscription feed behind a secret URL.

Each meeting is one VEVENT whose UID never changes (``meeting-<id>@pitf.platform``) and whose SEQUENCE is
the meeting's ``ics_sequence``, which the meetings service raises on every change, so calendar clients
replace their copy. A cancelled meeting stays in the feed with STATUS:CANCELLED (clients then remove or
strike it; METHOD:CANCEL belongs to scheduling messages, not to a published feed). Times are written in
the meeting's own zone with the matching VTIMEZONE, so daylight saving is the client's to apply right.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed
from pitf.models import Committee, Meeting, User, utcnow
from pitf.services import audit, visibility
from pitf.services.meetings import member_committee_ids
from pitf.services.timeutil import zone

UID_DOMAIN = "pitf.platform"  # a constant, so UIDs survive a change of the server's address
PRODID = "-//PITF Coordination Platform//Meetings//EN"
FEED_PAST_DAYS = 90
FEED_REFRESH = timedelta(hours=1)
REMINDER_BEFORE = timedelta(days=1)
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CONTENT_TYPE = "text/calendar; charset=utf-8"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{UID_DOMAIN}"


def meeting_url(meeting: Meeting, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/meetings/{meeting.id}"


def _local(instant: datetime, tz_name: str) -> datetime:
    try:
        return instant.astimezone(zone(tz_name))
    except ValidationFailed:  # a zone the database holds but this machine does not know: UTC is still right
        return instant.astimezone(UTC)


def _description(meeting: Meeting, committee: Committee, url: str) -> str:
    lines = []
    if meeting.status == "cancelled":
        lines += [f"CANCELLED: {meeting.cancel_reason}".rstrip(": "), ""]
    lines.append(committee.name)
    lines.append("Open meeting" if meeting.is_open else "Closed meeting (members only)")
    if meeting.location:
        lines.append(f"Location: {meeting.location}")
    if meeting.virtual_url:
        lines.append(f"Join online: {meeting.virtual_url}")
    lines.append(f"Agenda, documents and minutes: {url}")
    return "\n".join(lines)


def meeting_event(meeting: Meeting, committee: Committee, base_url: str, *, now: datetime | None = None) -> Event:
    """The VEVENT of one meeting."""
    url = meeting_url(meeting, base_url)
    cancelled = meeting.status == "cancelled"
    body = committee.short_name or committee.name
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", (now or utcnow()).astimezone(UTC))
    event.add("created", meeting.created_at.astimezone(UTC))
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("dtstart", _local(meeting.starts_at, meeting.timezone))
    event.add("dtend", _local(meeting.ends_at, meeting.timezone))
    event.add("summary", f"{'Cancelled: ' if cancelled else ''}{body}: {meeting.title}")
    if meeting.location or meeting.virtual_url:
        event.add("location", meeting.location or meeting.virtual_url)
    event.add("url", url)
    event.add("description", _description(meeting, committee, url))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("class", "PUBLIC" if meeting.is_open else "PRIVATE")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if not cancelled:  # no reminder of a meeting that will not happen
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Tomorrow: {meeting.title}")
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
    return event


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _finish(cal: Calendar, meetings: list[Meeting]) -> Calendar:
    """Add the VTIMEZONEs the events use, covering (only) the years they span."""
    if meetings:
        first = min(m.starts_at for m in meetings).date() - timedelta(days=366)
        last = max(m.ends_at for m in meetings).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=max(first, date(1970, 1, 1)), last_date=last)
    return cal


def meeting_calendar(meeting: Meeting, committee: Committee, base_url: str, *,
                     now: datetime | None = None) -> Calendar:
    """A calendar file holding one meeting (the per-meeting download)."""
    cal = _calendar()
    cal.add_component(meeting_event(meeting, committee, base_url, now=now))
    return _finish(cal, [meeting])


def feed_meetings(session: Session, user: User, *, now: datetime | None = None) -> list[tuple[Meeting, Committee]]:
    """The meetings of *user*'s feed: their committees' (all of them for staff), from 90 days ago on,
    cancelled ones included; never a closed meeting the user may not see."""
    since = (now or utcnow()) - timedelta(days=FEED_PAST_DAYS)
    stmt = (select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id)
            .where(Meeting.starts_at >= since).order_by(Meeting.starts_at, Meeting.id))
    if not permissions.is_staff(user):
        ids = member_committee_ids(session, user)
        if not ids:
            return []
        # A joint meeting is on both bodies' calendars; the other body's members see it only when open
        # (the meeting page follows the meeting's own committee).
        stmt = stmt.where(or_(Meeting.committee_id.in_(ids),
                              and_(Meeting.joint_with_committee_id.in_(ids), Meeting.is_open.is_(True))))
    # Whatever the feed selects, the one visibility rule has the last word.
    stmt = stmt.where(visibility.meeting_clause(session, user))
    return [(row.Meeting, row.Committee) for row in session.execute(stmt).all()]


def feed_calendar(session: Session, user: User, base_url: str, *, now: datetime | None = None) -> Calendar:
    """The personal subscription feed of *user*."""
    cal = _calendar("PITF meetings")
    cal.add("x-wr-caldesc", f"Meetings of {user.name}'s committees on the PITF Coordination Platform")
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    rows = feed_meetings(session, user, now=now)
    for meeting, committee in rows:
        cal.add_component(meeting_event(meeting, committee, base_url, now=now))
    return _finish(cal, [m for m, _c in rows])


def to_ics(cal: Calendar) -> bytes:
    return cal.to_ical()


def ics_filename(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}.ics"


# ---- the personal feed's secret address -----------------------------------------------------------

def feed_path(secret: str) -> str:
    return f"/calendar/{secret}.ics"


def _require_self(actor) -> User:
    if not permissions.is_signed_in(actor):
        raise NotFound("No such user.")
    return actor


def ensure_feed_secret(*, session: Session, actor) -> str:
    """The actor's feed secret, made on first use."""
    user = _require_self(actor)
    if user.calendar_secret:
        return user.calendar_secret
    return _new_secret(session, user, action="calendar_feed.created")


def reset_feed_secret(*, session: Session, actor) -> str:
    """A new feed address for the actor; the old one stops working at once."""
    return _new_secret(session, _require_self(actor), action="calendar_feed.reset")


def _new_secret(session: Session, user: User, *, action: str) -> str:
    old = user.calendar_secret
    user.calendar_secret = secrets.token_urlsafe(24)
    audit.record(session, actor=user, action=action, obj=user, changes={"calendar_secret": [old, "new"]})
    session.flush()
    return user.calendar_secret


def user_for_feed(*, session: Session, secret: str) -> User | None:
    """The active user whose feed *secret* names, or None (unknown, reset, or a deactivated account)."""
    if not isinstance(secret, str) or not SECRET_RE.fullmatch(secret):
        return None
    user = session.execute(select(User).where(User.calendar_secret == secret)).scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    return user
