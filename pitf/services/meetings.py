"""Meetings: planning (one-off, copied, series), visibility, agendas, attendance and quorum, federal clocks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlmodel import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.markdown import MAX_SOURCE, render_markdown
from pitf.models import (
    ActionItem,
    Agency,
    Agenda,
    AgendaItem,
    Attendance,
    Committee,
    Meeting,
    MeetingSeries,
    Membership,
    Minutes,
    Recommendation,
    User,
    utcnow,
)
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.meetings import ATTENDANCE_STATUSES, ATTENDEE_KINDS
from pitf.paging import page_rows
from pitf.services import agenda_links, audit, visibility
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.filters import BadFilter, Filter, choice, read_filters, whole_number
from pitf.services.notify import notify
from pitf.services.timeutil import local_date, local_to_utc, parse_instant, to_local, zone
from pitf.settings import platform_timezone
from pitf.textutil import BadDate, parse_date, parse_id

MAX_MEETING_HOURS = 24
MEETING_YEARS = (1900, 2999)
SERIES_RULES = ("weekly", "monthly", "quarterly")
MAX_SERIES = 24


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


# ---- who is on a committee -------------------------------------------------------------------

@dataclass(frozen=True)
class CommitteeAccess:
    is_member: bool = False
    is_chair: bool = False
    is_chair_or_co_chair: bool = False


def committee_access(session: Session, actor, committee_id: int) -> CommitteeAccess:
    """Whether *actor* sits on the committee, in person or through their agency, and as chair."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "id", None):
        return CommitteeAccess()
    roles = set(session.execute(select(Membership.role).where(
        Membership.committee_id == committee_id, Membership.ended_on.is_(None),
        or_(Membership.user_id == actor.id,
            (Membership.agency_id == actor.agency_id) if actor.agency_id and actor.role == "liaison" else False),
    )).scalars())
    person_roles = set(session.execute(select(Membership.role).where(
        Membership.committee_id == committee_id, Membership.ended_on.is_(None), Membership.user_id == actor.id,
    )).scalars()) if roles else set()
    return CommitteeAccess(is_member=bool(roles), is_chair="chair" in person_roles,
                           is_chair_or_co_chair=bool({"chair", "co_chair"} & person_roles))


def member_committee_ids(session: Session, actor) -> set[int]:
    """Committees *actor* sits on, in person or (for a liaison) through their agency."""
    if actor is None or not getattr(actor, "id", None):
        return set()
    cond = Membership.user_id == actor.id
    if actor.role == "liaison" and actor.agency_id:
        cond = or_(cond, Membership.agency_id == actor.agency_id)
    return set(session.execute(select(Membership.committee_id).where(cond, Membership.ended_on.is_(None))).scalars())


def members_of(session: Session, committee_id: int) -> list[User]:
    """People to tell about a committee's meeting: individual members and the liaisons of member agencies."""
    people = session.execute(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.committee_id == committee_id, Membership.ended_on.is_(None), User.is_active.is_(True))).scalars()
    liaisons = session.execute(select(User).join(Membership, Membership.agency_id == User.agency_id).where(
        Membership.committee_id == committee_id, Membership.ended_on.is_(None), User.role == "liaison",
        User.is_active.is_(True))).scalars()
    seen, result = set(), []
    for u in [*people, *liaisons]:
        if u.id not in seen:
            seen.add(u.id)
            result.append(u)
    return result


# ---- when a meeting is held: the guard rails' clock and the status people see ------------------------

def clock() -> datetime:
    """Now, as the guard rails read it (one place, so tests can set it)."""
    return utcnow()


MEETING_STATES = ("scheduled", "in_progress", "held", "cancelled")
STATE_LABELS = {"scheduled": "Scheduled", "in_progress": "In progress", "held": "Held",
                "cancelled": "Cancelled"}


def meeting_state(meeting: Meeting, now: datetime | None = None) -> str:
    """What the meeting is now, derived from its times (the stored status only says scheduled or cancelled):
    scheduled before it starts, in_progress until it ends, held after, or cancelled."""
    if meeting.status == "cancelled":
        return "cancelled"
    now = now or clock()
    if meeting.starts_at > now:
        return "scheduled"
    return "in_progress" if meeting.ends_at > now else "held"


def state_label(meeting: Meeting, minutes_approved: bool, now: datetime | None = None) -> str:
    """The status shown on the meeting page and in the list: "Held, awaiting minutes" once it is over."""
    state = meeting_state(meeting, now)
    if state == "held":
        return "Held" if minutes_approved else "Held, awaiting minutes"
    return STATE_LABELS[state]


def approved_minutes_ids(session: Session, meeting_ids) -> set[int]:
    """Which of these meetings have approved minutes (one query for a page of meetings)."""
    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(session.execute(select(Minutes.meeting_id).where(
        Minutes.meeting_id.in_(ids), Minutes.approved_revision.is_not(None))).scalars())


def has_started(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.starts_at <= (now or clock())


def require_held(meeting: Meeting, what: str, now: datetime | None = None) -> None:
    """Refuse a step that belongs after the meeting (minutes, attendance) while it has not happened."""
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={
            "status": f"This meeting is cancelled: {what} only for a meeting that took place."})
    if not has_started(meeting, now):
        when = to_local(meeting.starts_at, meeting.timezone).strftime("%B %-d, %Y at %-I:%M %p %Z")
        raise ValidationFailed("The meeting has not happened yet.", fields={
            "status": f"The meeting has not happened yet (it starts {when}): {what} once it has been held."})


def require_attendance_day(meeting: Meeting, now: datetime | None = None) -> None:
    """Attendance is taken from the meeting's day on (in its own zone), never for a cancelled meeting.
    Who is expected beforehand is not attendance: the roster says who is invited."""
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={
            "status": "This meeting is cancelled: attendance is recorded only for a meeting that took place."})
    day = meeting_local_date(meeting)
    if local_date(now or clock(), meeting.timezone) < day:
        raise ValidationFailed("The meeting has not happened yet.", fields={
            "status": f"Attendance is taken on the day of the meeting ({day.strftime('%B %-d, %Y')}) or after: "
                      "the meeting has not happened yet."})


# ---- reading ---------------------------------------------------------------------------------

def get_meeting(*, session: Session, actor, meeting_id: int) -> tuple[Meeting, Committee, CommitteeAccess]:
    """The meeting if *actor* may see it; a closed meeting is NotFound to non-members."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not permissions.is_signed_in(actor):
        raise NotFound("No such meeting.")
    access = committee_access(session, actor, meeting.committee_id)
    if not visibility.can_see(session, actor, meeting, access=access):
        raise NotFound("No such meeting.")
    return meeting, session.get(Committee, meeting.committee_id), access


def get_meeting_for_planning(*, session: Session, actor, meeting_id: int):
    meeting, committee, access = get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    require(permissions.can_plan_meetings(actor, access),
            "Only the secretariat and the committee's chair and co-chairs plan its meetings.")
    return meeting, committee, access


def plannable_committees(session: Session, actor) -> list[Committee]:
    """Active committees whose meetings *actor* may plan: every one for the secretariat, their own for chairs."""
    if not permissions.is_signed_in(actor):
        return []
    stmt = select(Committee).where(Committee.is_active.is_(True)).order_by(Committee.name)
    if not permissions.is_staff(actor):
        stmt = stmt.where(Committee.id.in_(select(Membership.committee_id).where(
            Membership.user_id == actor.id, Membership.ended_on.is_(None),
            Membership.role.in_(("chair", "co_chair")))))
    return list(session.execute(stmt).scalars())


@dataclass
class MeetingFilters:
    committee_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None
    upcoming: bool = False


def _moment(name: str):
    """The first moment of the `from` day, or the first moment after the `to` day; or an ISO 8601 time."""
    def read(raw: str) -> datetime:
        try:
            if len(raw) == 10:
                return local_to_utc(parse_date(raw), datetime.min.time(), platform_timezone(),
                                    field=name) + (timedelta(days=1) if name == "to" else timedelta())
            return parse_instant(raw, field=name)
        except BadDate as err:
            raise BadFilter(str(err)) from err
        except (ValueError, OverflowError, ValidationFailed) as err:
            raise BadFilter("Use a date like 01/15/2027 (mm/dd/yyyy) or an ISO 8601 time.") from err
    return read


MEETING_FILTERS = (
    Filter("committee_id", whole_number),
    Filter("from", _moment("from"), attr="start"),
    Filter("to", _moment("to"), attr="end"),
    Filter("status", choice(("scheduled", "cancelled"), "Use scheduled or cancelled.")),
    Filter("upcoming", lambda raw: raw in ("true", "1")),
)


def parse_meeting_filters(args) -> MeetingFilters:
    return read_filters(args, MeetingFilters, MEETING_FILTERS)


def _visible(stmt, session: Session, actor):
    return stmt.where(visibility.meeting_clause(session, actor))


def list_meetings(*, session: Session, actor, filters: MeetingFilters, page: int = 1, per_page: int = 50,
                  now: datetime | None = None) -> tuple[list[tuple[Meeting, Committee]], int]:
    if not permissions.is_signed_in(actor):
        raise NotFound("No such list.")
    stmt = _visible(select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id), session, actor)
    if filters.committee_id is not None:
        stmt = stmt.where(Meeting.committee_id == filters.committee_id)
    if filters.start:
        stmt = stmt.where(Meeting.starts_at >= filters.start)
    if filters.end:
        stmt = stmt.where(Meeting.starts_at < filters.end)
    if filters.status:
        stmt = stmt.where(Meeting.status == filters.status)
    if filters.upcoming:
        stmt = stmt.where(Meeting.ends_at >= (now or utcnow()))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    order = Meeting.starts_at.asc() if filters.upcoming else Meeting.starts_at.desc()
    rows = session.execute(page_rows(stmt.order_by(order, Meeting.id), page, per_page)).all()
    return [tuple(r) for r in rows], total


def published_agenda_ids(session: Session, meeting_ids) -> set[int]:
    """Which of these meetings have a published agenda (one query for a whole page of meetings)."""
    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(session.execute(select(Agenda.meeting_id).where(
        Agenda.meeting_id.in_(ids), Agenda.published_at.is_not(None))).scalars())


# ---- planning --------------------------------------------------------------------------------

def _check_url(url: str) -> bool:
    return url == "" or (url.startswith(("https://", "http://")) and " " not in url and len(url) <= 500)


def _resolve(session: Session, data: dict, *, partial: bool, current: Meeting | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}

    def want(name):
        return not partial or name in data

    if want("committee_id"):
        cid = data.get("committee_id")
        committee = session.get(Committee, cid) if isinstance(cid, int) and not isinstance(cid, bool) else None
        if committee is None or not committee.is_active:
            errors["committee_id"] = "Choose an existing, active committee."
        else:
            values["committee_id"] = committee.id
    if want("title"):
        title = (data.get("title") or "").strip() if isinstance(data.get("title"), str | type(None)) else None
        if not title:
            errors["title"] = "Enter a title."
        elif len(title) > 200:
            errors["title"] = "Use at most 200 characters."
        else:
            values["title"] = title
    tz_name = data.get("timezone") or (current.timezone if current else platform_timezone())
    try:
        zone(tz_name)
        if want("timezone"):
            values["timezone"] = tz_name
    except ValidationFailed as exc:
        errors.update(exc.fields)
        tz_name = platform_timezone()
    for name in ("starts_at", "ends_at"):
        if want(name):
            try:
                values[name] = parse_instant(data.get(name), field=name, tz_name=tz_name)
            except ValidationFailed as exc:
                errors.update(exc.fields)
    starts = values.get("starts_at", current.starts_at if current else None)
    ends = values.get("ends_at", current.ends_at if current else None)
    if starts and ends and "starts_at" not in errors and "ends_at" not in errors:
        if not MEETING_YEARS[0] <= starts.year <= MEETING_YEARS[1]:  # and the deadlines computed from it fit a date
            errors["starts_at"] = f"Use a year from {MEETING_YEARS[0]} to {MEETING_YEARS[1]}."
        elif ends <= starts:
            errors["ends_at"] = "The meeting must end after it starts."
        elif ends - starts > timedelta(hours=MAX_MEETING_HOURS):
            errors["ends_at"] = f"A meeting lasts at most {MAX_MEETING_HOURS} hours."
    for name, limit in (("location", 300),):
        if want(name):
            v = data.get(name) or ""
            if not isinstance(v, str) or len(v) > limit:
                errors[name] = f"Use at most {limit} characters."
            else:
                values[name] = v.strip()
    if want("virtual_url"):
        v = (data.get("virtual_url") or "").strip() if isinstance(data.get("virtual_url"), str | type(None)) else None
        if v is None or not _check_url(v):
            errors["virtual_url"] = "Enter a web address starting with https://."
        else:
            values["virtual_url"] = v
    if want("is_open"):
        v = data.get("is_open", True)
        if not isinstance(v, bool):
            errors["is_open"] = "true or false."
        else:
            values["is_open"] = v
    if want("federal_register_notice_date"):
        v = data.get("federal_register_notice_date")
        if v in (None, ""):
            values["federal_register_notice_date"] = None
        else:
            try:
                values["federal_register_notice_date"] = parse_date(v)
            except BadDate as err:
                errors["federal_register_notice_date"] = str(err)
    if want("joint_with_committee_id"):
        v = data.get("joint_with_committee_id")
        if v in (None, ""):
            values["joint_with_committee_id"] = None
        elif not isinstance(v, int) or session.get(Committee, v) is None:
            errors["joint_with_committee_id"] = "No such committee."
        else:
            values["joint_with_committee_id"] = v
    if errors:
        raise ValidationFailed("The meeting has problems.", fields=errors)
    if values.get("joint_with_committee_id") and values.get("joint_with_committee_id") == values.get(
            "committee_id", current.committee_id if current else None):
        raise ValidationFailed("A joint meeting is with another body.",
                               fields={"joint_with_committee_id": "Choose another body than the meeting's own."})
    return values


def _require_planner(session: Session, actor, committee_id: int) -> None:
    access = committee_access(session, actor, committee_id)
    require(permissions.can_plan_meetings(actor, access),
            "Only the secretariat and the committee's chair and co-chairs plan its meetings.")


def create_meeting(*, session: Session, actor, data: dict) -> Meeting:
    values = _resolve(session, data, partial=False, current=None)
    _require_planner(session, actor, values["committee_id"])
    meeting = Meeting(**values, status="scheduled", created_by_id=getattr(actor, "id", None))
    session.add(meeting)
    session.flush()
    session.add(Agenda(meeting_id=meeting.id))
    audit.record(session, actor=actor, action="meeting.created", obj=meeting, changes=audit.creation_changes(
        meeting, ["committee_id", "title", "starts_at", "ends_at", "location", "virtual_url", "is_open"]))
    session.flush()
    return meeting


def update_meeting(*, session: Session, actor, meeting_id: int, version, data: dict) -> Meeting:
    meeting, _committee, _access = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    allowed = {"title", "starts_at", "ends_at", "timezone", "location", "virtual_url", "is_open",
               "federal_register_notice_date", "joint_with_committee_id", "version", "status", "cancel_reason"}
    if unknown := sorted(set(data) - allowed):
        raise ValidationFailed("Unknown fields.", fields=dict.fromkeys(unknown, "This field cannot be changed."))
    if data.get("status") == "cancelled":
        return cancel_meeting(session=session, actor=actor, meeting_id=meeting_id, version=version,
                              reason=data.get("cancel_reason") or "")
    if "status" in data and data["status"] != meeting.status:
        raise ValidationFailed("Bad status.", fields={"status": "A meeting can only be set to cancelled."})
    check_version(meeting, version)
    values = _resolve(session, {k: v for k, v in data.items() if k not in ("version", "status", "cancel_reason")},
                      partial=True, current=meeting)
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={"status": "A cancelled meeting is not edited."})
    if ("starts_at" in values and values["starts_at"] > clock() and has_started(meeting)
            and held_record(session, meeting)):
        raise ValidationFailed("This meeting took place.", fields={
            "starts_at": "This meeting took place (its attendance or minutes are recorded): it cannot move to a "
                         "date still to come. Plan the next one with Copy."})
    changes = audit.apply_changes(meeting, values)
    if changes:
        meeting.ics_sequence += 1  # calendar clients replace their copy only when SEQUENCE grows
        audit.record(session, actor=actor, action="meeting.updated", obj=meeting, changes=changes)
        flush_or_conflict(session, "meeting")
    return meeting


def cancel_meeting(*, session: Session, actor, meeting_id: int, version, reason: str) -> Meeting:
    meeting, committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    check_version(meeting, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason.", fields={"cancel_reason": "Say why the meeting is cancelled."})
    if len(reason) > 2000:
        raise ValidationFailed("Too long.", fields={"cancel_reason": "Use at most 2,000 characters."})
    if meeting.status == "cancelled":
        raise ValidationFailed("Already cancelled.", fields={"status": "This meeting is already cancelled."})
    past = has_started(meeting)
    if past and held_record(session, meeting):
        raise ValidationFailed("This meeting took place.", fields={
            "status": "This meeting took place: its attendance or minutes are recorded, so it is not cancelled."})
    changes = audit.apply_changes(meeting, {"status": "cancelled", "cancel_reason": reason})
    meeting.ics_sequence += 1
    audit.record(session, actor=actor, action="meeting.cancelled", obj=meeting, changes=changes)
    flush_or_conflict(session, "meeting")
    if past:
        return meeting  # recording that a past meeting did not take place: nobody needs telling now
    notify(session, users=members_of(session, meeting.committee_id), kind="meeting_cancelled",
           title=f"Cancelled: {meeting.title} ({committee.short_name or committee.name})",
           body=f"Reason: {reason}", url=f"/meetings/{meeting.id}")
    return meeting


def held_record(session: Session, meeting: Meeting) -> bool:
    """Whether anything shows the meeting took place: attendance, or minutes."""
    return bool(session.execute(select(Attendance.id).where(Attendance.meeting_id == meeting.id).limit(1)).first()
                or session.execute(select(Minutes.id).where(Minutes.meeting_id == meeting.id).limit(1)).first())


def copy_meeting(*, session: Session, actor, meeting_id: int, starts_at, title: str | None = None,
                 ends_at=None) -> Meeting:
    """Plan the next meeting from a past one: same body, place, length (unless *ends_at* is given) and agenda
    (unpublished)."""
    source, _committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    start = parse_instant(starts_at, field="starts_at", tz_name=source.timezone)
    if start <= clock():
        raise ValidationFailed("Choose a coming date.", fields={
            "starts_at": "A copy plans the next meeting: choose a date and time still to come. "
                         "To record a past meeting, schedule it instead."})
    length = source.ends_at - source.starts_at
    meeting = create_meeting(session=session, actor=actor, data={
        "committee_id": source.committee_id, "title": title or source.title, "starts_at": start,
        "ends_at": start + length if ends_at in (None, "") else ends_at, "timezone": source.timezone,
        "location": source.location,
        "virtual_url": source.virtual_url, "is_open": source.is_open,
        "joint_with_committee_id": source.joint_with_committee_id})
    source_agenda = session.execute(select(Agenda).where(Agenda.meeting_id == source.id)).scalar_one_or_none()
    if source_agenda is not None:
        agenda = session.execute(select(Agenda).where(Agenda.meeting_id == meeting.id)).scalar_one()
        for item in session.execute(select(AgendaItem).where(AgendaItem.agenda_id == source_agenda.id)
                                    .order_by(AgendaItem.position)).scalars():
            session.add(AgendaItem(agenda_id=agenda.id, position=item.position, title=item.title,
                                   presenter=item.presenter, presenter_user_id=item.presenter_user_id,
                                   presenter_agency_id=item.presenter_agency_id,
                                   duration_minutes=item.duration_minutes, notes_md=item.notes_md,
                                   notes_html=item.notes_html, action_item_id=item.action_item_id,
                                   recommendation_id=item.recommendation_id))
    audit.record(session, actor=actor, action="meeting.copied", obj=meeting, changes={"copied_from": [None, source.id]})
    session.flush()
    return meeting


def series_rule(session: Session, meeting: Meeting) -> str:
    """How the meeting's series was made ("quarterly:1:4"), or "" for a meeting on its own."""
    if not meeting.series_key:
        return ""
    return session.execute(select(MeetingSeries.rule).where(MeetingSeries.key == meeting.series_key)).scalar() or ""


def _add_months(day: date, months: int) -> date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def create_series(*, session: Session, actor, data: dict, rule: str, count: int, interval: int = 1) -> list[Meeting]:
    """Create the coming meetings of a series at once; each is then edited on its own.
    The wall-clock time stays the same across daylight-saving changes."""
    errors = {}
    if rule not in SERIES_RULES:
        errors["rule"] = f"Choose {', '.join(SERIES_RULES)}."
    if not isinstance(count, int) or not 2 <= count <= MAX_SERIES:
        errors["count"] = f"Between 2 and {MAX_SERIES} meetings."
    if not isinstance(interval, int) or not 1 <= interval <= 52:
        errors["interval"] = "Between 1 and 52."
    if errors:
        raise ValidationFailed("The series has problems.", fields=errors)
    first = _resolve(session, data, partial=False, current=None)
    _require_planner(session, actor, first["committee_id"])
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
        m = create_meeting(session=session, actor=actor, data={
            **{k: v for k, v in data.items() if k not in ("starts_at", "ends_at")},
            "starts_at": local_to_utc(day, local_start.time().replace(tzinfo=None), tz_name),
            "ends_at": local_to_utc(end_day, local_end.time().replace(tzinfo=None), tz_name, field="ends_at"),
            "title": first["title"]})
        m.series_key = key
        meetings.append(m)
    session.flush()
    return meetings


# ---- the federal clocks -----------------------------------------------------------------------

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


def meeting_local_date(meeting: Meeting) -> date:
    return local_date(meeting.starts_at, meeting.timezone)


def federal_clocks(*, session: Session, meeting: Meeting, committee: Committee, clocks: Clocks,
                   today: date, minutes_certified: bool = False) -> FederalClocks:
    """FACA notice and certification for a FACA body; the Council's 45 days for a PITF meeting."""
    result = FederalClocks(applies=committee.follows_faca)
    meeting_day = meeting_local_date(meeting)
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
    latest_day = meeting_local_date(pitf_meeting) - timedelta(days=days)
    candidates = session.execute(select(Meeting).where(
        Meeting.status == "scheduled",
        or_((Meeting.committee_id.in_(council_ids)) & (Meeting.joint_with_committee_id.in_(spog_ids)),
            (Meeting.committee_id.in_(spog_ids)) & (Meeting.joint_with_committee_id.in_(council_ids))),
        Meeting.starts_at < pitf_meeting.starts_at)).scalars()
    return any(meeting_local_date(m) <= latest_day for m in candidates)


# ---- agenda ---------------------------------------------------------------------------------

@dataclass
class AgendaRow:
    item: AgendaItem
    starts_at: datetime
    presenter_agency: str | None
    action_item_title: str | None
    recommendation_label: str | None


@dataclass
class AgendaView:
    agenda: Agenda
    rows: list[AgendaRow]
    ends_at: datetime
    overruns: bool
    overrun_minutes: int


def get_agenda(session: Session, meeting: Meeting) -> Agenda:
    agenda = session.execute(select(Agenda).where(Agenda.meeting_id == meeting.id)).scalar_one_or_none()
    if agenda is None:
        agenda = Agenda(meeting_id=meeting.id)
        session.add(agenda)
        session.flush()
    return agenda


def agenda_view(session: Session, meeting: Meeting) -> AgendaView:
    """The ordered items with each one's computed start, and whether the agenda runs past the end."""
    agenda = get_agenda(session, meeting)
    rows = session.execute(
        select(AgendaItem, Agency.acronym, ActionItem.title, Recommendation.number, Recommendation.title)
        .join(Agency, Agency.id == AgendaItem.presenter_agency_id, isouter=True)
        .join(ActionItem, ActionItem.id == AgendaItem.action_item_id, isouter=True)
        .join(Recommendation, Recommendation.id == AgendaItem.recommendation_id, isouter=True)
        .where(AgendaItem.agenda_id == agenda.id).order_by(AgendaItem.position, AgendaItem.id)).all()
    at = meeting.starts_at
    result = []
    for item, acronym, ai_title, rec_number, rec_title in rows:
        label = f"{rec_number or 'Draft'}: {rec_title}" if rec_title else None
        result.append(AgendaRow(item, at, acronym, ai_title, label))
        at = at + timedelta(minutes=item.duration_minutes)
    overrun = int((at - meeting.ends_at).total_seconds() // 60)
    return AgendaView(agenda, result, at, overrun > 0, max(0, overrun))


def _agenda_item_values(session: Session, raw: dict, index: int, errors: dict) -> dict:
    prefix = f"items[{index}]."
    if not isinstance(raw, dict):
        errors[f"items[{index}]"] = "Each item is an object."
        return {}
    values = {}
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        errors[prefix + "title"] = "Enter a title."
    elif len(title) > 300:
        errors[prefix + "title"] = "Use at most 300 characters."
    else:
        values["title"] = title.strip()
    presenter = raw.get("presenter") or ""
    if not isinstance(presenter, str) or len(presenter) > 200:
        errors[prefix + "presenter"] = "Use at most 200 characters."
    else:
        values["presenter"] = presenter.strip()
    acronym = raw.get("presenter_agency")
    values["presenter_agency_id"] = None
    if acronym:
        agency = session.execute(select(Agency).where(Agency.acronym == str(acronym).upper())).scalar()
        if agency is None:
            errors[prefix + "presenter_agency"] = f"No agency has the acronym {acronym!r}."
        else:
            values["presenter_agency_id"] = agency.id
    duration = raw.get("duration_minutes", 15)
    if isinstance(duration, str) and parse_id(duration) is not None:
        duration = parse_id(duration)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= 480:
        errors[prefix + "duration_minutes"] = "A whole number of minutes from 1 to 480."
    else:
        values["duration_minutes"] = duration
    notes = raw.get("notes_md") or ""
    if not isinstance(notes, str) or len(notes) > MAX_SOURCE:
        errors[prefix + "notes_md"] = f"Text of at most {MAX_SOURCE:,} characters."
    else:
        values["notes_md"] = notes
        values["notes_html"] = render_markdown(notes)
    ref = raw.get("action_item_id")
    if isinstance(ref, str) and ref.strip():
        ref = parse_id(ref) or -1
    if ref in (None, ""):
        values["action_item_id"] = None
    elif isinstance(ref, bool) or not isinstance(ref, int) or session.get(ActionItem, ref) is None:
        errors[prefix + "action_item_id"] = "No such action item."
    else:
        values["action_item_id"] = ref
    # A recommendation by id, or by the number people know it by ("2026-01"); drafts are private to their authors.
    ref, number = raw.get("recommendation_id"), raw.get("recommendation_number")
    name = "recommendation_id"
    if isinstance(ref, str) and ref.strip():
        ref = ref.strip() if agenda_links.REC_NUMBER.match(ref.strip()) else (parse_id(ref) or -1)
    if ref in (None, "") and number not in (None, ""):
        ref, name = (number.strip() if isinstance(number, str) else -1), "recommendation_number"
    if ref in (None, ""):
        values["recommendation_id"] = None
    elif (found := agenda_links.resolve_recommendation(session, ref)) is None:
        errors[prefix + name] = (f"No submitted recommendation has the number {ref}." if isinstance(ref, str)
                                 else "No such recommendation.")
    else:
        values["recommendation_id"] = found
    return values


def put_agenda(*, session: Session, actor, meeting_id: int, version, items: list) -> AgendaView:
    """Replace the agenda's items (in order). The version read must be current."""
    meeting, _committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    agenda = get_agenda(session, meeting)
    check_version(agenda, version)
    if not isinstance(items, list) or len(items) > 100:
        raise ValidationFailed("Bad agenda.", fields={"items": "A list of at most 100 items."})
    errors: dict[str, str] = {}
    new_values = [_agenda_item_values(session, raw, i, errors) for i, raw in enumerate(items)]
    if errors:
        raise ValidationFailed("The agenda has problems.", fields=errors)
    existing = list(session.execute(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id)
                                    .order_by(AgendaItem.position, AgendaItem.id)).scalars())
    before = [i.title for i in existing]
    for item in existing:
        session.delete(item)
    session.flush()
    for position, values in enumerate(new_values):
        session.add(AgendaItem(agenda_id=agenda.id, position=position, **values))
    agenda.updated_at = utcnow()  # bumps the agenda's version
    meeting.ics_sequence += 1 if agenda.published_at else 0
    audit.record(session, actor=actor, action="agenda.saved", obj=agenda,
                 changes={"items": [before, [v["title"] for v in new_values]]})
    flush_or_conflict(session, "meeting")
    return agenda_view(session, meeting)


def agenda_items_as_input(view: AgendaView) -> list[dict]:
    return [{"title": r.item.title, "presenter": r.item.presenter, "presenter_agency": r.presenter_agency,
             "duration_minutes": r.item.duration_minutes, "notes_md": r.item.notes_md,
             "action_item_id": r.item.action_item_id, "recommendation_id": r.item.recommendation_id}
            for r in view.rows]


def move_agenda_item(*, session: Session, actor, meeting_id: int, version, item_id: int, direction: str):
    """Move one item up or down (the keyboard-friendly reorder)."""
    meeting, _c, _a = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    view = agenda_view(session, meeting)
    ids = [r.item.id for r in view.rows]
    if item_id not in ids or direction not in ("up", "down"):
        raise NotFound("No such agenda item.")
    items = agenda_items_as_input(view)
    i = ids.index(item_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
    return put_agenda(session=session, actor=actor, meeting_id=meeting_id, version=version, items=items), j


def add_overdue_review(*, session: Session, actor, meeting_id: int, version, today: date) -> AgendaView:
    """Add one item reviewing every overdue commitment of the meeting's committee."""
    meeting, committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    overdue = session.execute(select(ActionItem.id, ActionItem.title, Agency.acronym, ActionItem.due_date)
                              .join(Agency, Agency.id == ActionItem.lead_agency_id)
                              .where(ActionItem.committee_id == committee.id,
                                     ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date < today)
                              .order_by(ActionItem.due_date)).all()
    if not overdue:
        raise ValidationFailed("Nothing is overdue.", fields={"items": f"{committee.name} has no overdue commitments."})
    lines = [f"- [{title}](/action-items/{i}): {acronym}, due {due.isoformat()}" for i, title, acronym, due in overdue]
    items = agenda_items_as_input(agenda_view(session, meeting))
    items.append({"title": "Review of overdue commitments", "presenter": "Secretariat",
                  "duration_minutes": max(10, min(60, 5 * len(overdue))), "notes_md": "\n".join(lines)})
    return put_agenda(session=session, actor=actor, meeting_id=meeting_id, version=version, items=items)


def publish_agenda(*, session: Session, actor, meeting_id: int, clocks: Clocks, today: date,
                   short_notice_reason: str = "", now: datetime | None = None) -> Agenda:
    """Publish: members are told in the app and by email. A FACA body's short notice needs a reason.
    A meeting that is over is not published (*now*: when it is published, for records made afterwards)."""
    meeting, committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={"status": "A cancelled meeting's agenda "
                                                                               "is not published."})
    if meeting.ends_at <= (now or clock()):
        raise ValidationFailed("This meeting is over.", fields={
            "status": "This meeting is over: its agenda is no longer published to the members. "
                      "The agenda page keeps it as it was; the minutes record what was discussed."})
    agenda = get_agenda(session, meeting)
    view = agenda_view(session, meeting)
    if not view.rows:
        raise ValidationFailed("The agenda is empty.", fields={"items": "Add at least one item before publishing."})
    state = federal_clocks(session=session, meeting=meeting, committee=committee, clocks=clocks, today=today)
    reason = (short_notice_reason or "").strip()
    if state.notice_late and not (reason or meeting.short_notice_reason):
        raise ValidationFailed("Short notice needs a reason.", fields={
            "short_notice_reason": f"The Federal Register notice is less than {clocks.notice_days} days ahead "
                                   "of the meeting: record the reason for the short notice (41 CFR 102-3.150)."})
    if len(reason) > 2000:
        raise ValidationFailed("Too long.", fields={"short_notice_reason": "Use at most 2,000 characters."})
    if reason:
        meeting.short_notice_reason = reason
    first = agenda.published_at is None
    agenda.published_at = utcnow()
    agenda.published_by_id = getattr(actor, "id", None)
    meeting.ics_sequence += 1
    audit.record(session, actor=actor, action="agenda.published", obj=agenda,
                 changes={"published_at": [None, agenda.published_at.isoformat()],
                          "short_notice_reason": [None, reason] if reason else [None, None]})
    flush_or_conflict(session, "meeting")
    when = to_local(meeting.starts_at, meeting.timezone).strftime("%A, %B %-d, %Y at %-I:%M %p %Z")
    notify(session, users=members_of(session, meeting.committee_id), kind="agenda_published",
           title=f"{'Agenda' if first else 'Updated agenda'}: {meeting.title}",
           body=f"{committee.name}, {when}. " + (meeting.location or meeting.virtual_url),
           url=f"/meetings/{meeting.id}")
    return agenda


# ---- attendance and quorum ---------------------------------------------------------------------

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


def put_attendance(*, session: Session, actor, meeting_id: int, entries: list) -> tuple[list[Attendance], Quorum]:
    """Replace the attendance list: people by account or by name, their agency, and their status."""
    meeting, committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    if not isinstance(entries, list) or len(entries) > 500:
        raise ValidationFailed("Bad attendance.", fields={"entries": "A list of at most 500 entries."})
    if entries:  # clearing a list recorded by mistake stays possible
        require_attendance_day(meeting)
    errors, rows = {}, []
    for i, raw in enumerate(entries):
        p = f"entries[{i}]."
        if not isinstance(raw, dict):
            errors[f"entries[{i}]"] = "Each entry is an object."
            continue
        user = None
        if raw.get("user_id") not in (None, ""):
            uid = raw["user_id"]
            if isinstance(uid, str):
                uid = parse_id(uid) or -1
            user = session.get(User, uid) if isinstance(uid, int) and not isinstance(uid, bool) else None
            if user is None:
                errors[p + "user_id"] = "No such person."
        name = raw.get("name") or (user.name if user else "")
        if not isinstance(name, str) or not name.strip():
            errors[p + "name"] = "Give the person's name or choose their account."
        elif len(name) > 200:
            errors[p + "name"] = "Use at most 200 characters."
        agency_id = user.agency_id if user else None
        if raw.get("agency"):
            agency = session.execute(select(Agency).where(Agency.acronym == str(raw["agency"]).upper())).scalar()
            if agency is None:
                errors[p + "agency"] = f"No agency has the acronym {raw['agency']!r}."
            else:
                agency_id = agency.id
        status = raw.get("status", "present")
        if status not in ATTENDANCE_STATUSES:
            errors[p + "status"] = f"Use {', '.join(ATTENDANCE_STATUSES)}."
        represented_by = (raw.get("represented_by") or "").strip() if isinstance(raw.get("represented_by"),
                                                                                 str | type(None)) else None
        if status == "represented" and not represented_by:
            errors[p + "represented_by"] = "Name the alternate who represents them."
        kind = raw.get("attendee_kind") or ("member" if user else "guest")
        if kind not in ATTENDEE_KINDS:
            errors[p + "attendee_kind"] = f"Use {', '.join(ATTENDEE_KINDS)}."
        if not errors:
            rows.append(Attendance(meeting_id=meeting.id, user_id=user.id if user else None,
                                   name=(name or "").strip(), agency_id=agency_id, attendee_kind=kind,
                                   status=status, represented_by=represented_by or ""))
    if errors:
        raise ValidationFailed("The attendance list has problems.", fields=errors)
    before = [a.name for a in attendance_of(session, meeting)]
    for old in attendance_of(session, meeting):
        session.delete(old)
    session.flush()
    session.add_all(rows)
    audit.record(session, actor=actor, action="attendance.saved", obj=meeting,
                 changes={"attendance": [before, [f"{r.name} ({r.status})" for r in rows]]})
    session.flush()
    return rows, quorum(session, committee, rows)
