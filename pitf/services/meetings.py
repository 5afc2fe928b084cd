"""Meetings: who sits on a committee, when a meeting is held, reading and listing them, and planning one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models import (
    Agenda,
    Attendance,
    Committee,
    Meeting,
    Membership,
    Minutes,
    User,
    utcnow,
)
from pitf.models.meetings import MeetingCancel, MeetingCreate, MeetingUpdate
from pitf.paging import count_rows, in_order, page_keys
from pitf.services import audit, visibility
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.filters import BadFilter, Filter, choice, read_filters, search_words, whole_number
from pitf.services.notify import notify
from pitf.services.search import matching_ids
from pitf.services.timeutil import local_date, local_to_utc, parse_instant, to_local
from pitf.settings import platform_timezone
from pitf.textutil import BadDate, parse_date
from pitf.validation import validate

MAX_MEETING_HOURS = 24
MEETING_YEARS = (1900, 2999)
M = TypeVar("M", MeetingCreate, MeetingUpdate)
# The fields stored as validated, with no check against the stored data.
PLAIN_FIELDS = ("title", "location", "virtual_url", "is_open", "partly_closed", "purpose",
                "federal_register_notice_date", "federal_register_citation", "joint_with_committee_id")


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
            (Membership.agency_id == actor.agency_id) if actor.agency_id and actor.role == "liaison" else false()),
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


def chaired_committee_ids(session: Session, actor) -> set[int]:
    """Committees *actor* chairs or co-chairs in person."""
    if not permissions.is_signed_in(actor):
        return set()
    return set(session.execute(select(Membership.committee_id).where(
        Membership.user_id == actor.id, Membership.ended_on.is_(None),
        Membership.role.in_(("chair", "co_chair")))).scalars())


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
    return state_at(meeting.status, meeting.starts_at, meeting.ends_at, now)


def state_at(status: str, starts_at: datetime, ends_at: datetime, now: datetime | None = None) -> str:
    """meeting_state from the meeting's columns (for a query that reads them without the meeting)."""
    if status == "cancelled":
        return "cancelled"
    now = now or clock()
    if starts_at > now:
        return "scheduled"
    return "in_progress" if ends_at > now else "held"


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


def is_over(meeting: Meeting, now: datetime | None = None) -> bool:
    """Whether the meeting has ended (its agenda is then no longer published to the members)."""
    return meeting.ends_at <= (now or clock())


def require_held(meeting: Meeting, what: str, now: datetime | None = None) -> None:
    """Refuse a step that belongs after the meeting (minutes, attendance) while it has not happened."""
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={
            "status": f"This meeting is cancelled: {what} only for a meeting that took place."})
    if not has_started(meeting, now):
        when = to_local(meeting.starts_at, meeting.timezone).strftime("%B %-d, %Y at %-I:%M %p %Z")
        raise ValidationFailed("The meeting has not happened yet.", fields={
            "status": f"The meeting has not happened yet (it starts {when}): {what} once it has been held."})


def meeting_local_date(meeting: Meeting) -> date:
    """The meeting's day on its own wall calendar."""
    return local_date(meeting.starts_at, meeting.timezone)


# ---- reading ---------------------------------------------------------------------------------

def get_meeting(*, session: Session, actor, meeting_id: int) -> tuple[Meeting, Committee, CommitteeAccess]:
    """The meeting if *actor* may see it; a closed meeting is NotFound to non-members."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not permissions.is_signed_in(actor):
        raise NotFound("No such meeting.")
    access = committee_access(session, actor, meeting.committee_id)
    if not visibility.can_see(session, actor, meeting, access=access):
        raise NotFound("No such meeting.")
    return meeting, session.get_one(Committee, meeting.committee_id), access


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
    q: str = ""  # words of the title or the agenda (the search's index and language)


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
    Filter("q", search_words),
)


def parse_meeting_filters(args) -> MeetingFilters:
    return read_filters(args, MeetingFilters, MEETING_FILTERS)


def _visible(stmt, session: Session, actor):
    return stmt.where(visibility.meeting_clause(session, actor))


def list_meetings(*, session: Session, actor, filters: MeetingFilters, page: int = 1, per_page: int = 50,
                  now: datetime | None = None) -> tuple[list[tuple[Meeting, Committee]], int]:
    if not permissions.is_signed_in(actor):
        raise NotFound("No such list.")
    stmt = _visible(select(Meeting.id), session, actor)
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
    if filters.q:  # the search's index: the title, the agenda's items and notes, the place
        stmt = stmt.where(Meeting.id.in_(matching_ids(session, filters.q, "meeting")))
    # Counted over the ids, the page's ids found first (pitf.paging.page_keys), then their rows.
    total = count_rows(session, stmt)
    order = Meeting.starts_at.asc() if filters.upcoming else Meeting.starts_at.desc()
    ids = page_keys(session, stmt, (order, Meeting.id), page, per_page, total)
    rows = session.execute(select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id)
                           .where(Meeting.id.in_(ids))).all() if ids else []
    return [(m, c) for m, c in in_order(rows, ids, key=lambda r: r[0].id)], total


# ---- planning --------------------------------------------------------------------------------

def _resolve(session: Session, data: dict[str, Any], *, partial: bool, current: Meeting | None) -> dict[str, Any]:
    """Check validated input (the fields sent: *data*, from MeetingCreate or MeetingUpdate) against the stored
    data, reading the times in the meeting's zone; the columns to set, or ValidationFailed naming each field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: data[name] for name in PLAIN_FIELDS if name in data}

    if not partial or "committee_id" in data:
        committee = session.get(Committee, data["committee_id"]) if data.get("committee_id") is not None else None
        if committee is None or not committee.is_active:
            errors["committee_id"] = "Choose an existing, active committee."
        else:
            values["committee_id"] = committee.id
    tz_name = data.get("timezone") or (current.timezone if current else platform_timezone())
    if not partial or "timezone" in data:
        values["timezone"] = tz_name
    for name in ("starts_at", "ends_at"):
        if name in data:
            try:
                values[name] = parse_instant(data[name], field=name, tz_name=tz_name)
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
    if (joint := data.get("joint_with_committee_id")) is not None and session.get(Committee, joint) is None:
        errors["joint_with_committee_id"] = "No such committee."
    is_open = values.get("is_open", current.is_open if current else True)
    if values.get("partly_closed", current.partly_closed if current else False) and not is_open:
        # A partly closed meeting is open for its open part; a wholly closed one says so with is_open false.
        errors["partly_closed"] = "A closed meeting is not partly closed: choose open, closed or partly closed."
    if errors:
        raise ValidationFailed("The meeting has problems.", fields=errors)
    if values.get("joint_with_committee_id") and values.get("joint_with_committee_id") == values.get(
            "committee_id", current.committee_id if current else None):
        raise ValidationFailed("A joint meeting is with another body.",
                               fields={"joint_with_committee_id": "Choose another body than the meeting's own."})
    return values


def meeting_problems(session: Session, raw: dict[str, Any], invalid: dict[str, str], *,
                     current: Meeting | None = None) -> dict[str, str]:
    """What the stored data says about the fields of *raw* that passed validation when others did not
    (*invalid*), so every problem is named at once: a blank title and a committee that does not exist."""
    rest = {k: v for k, v in raw.items() if k in MeetingUpdate.model_fields and k not in invalid}
    try:
        fields = validate(MeetingUpdate, rest).changes()
        if current is None and "committee_id" in raw and "committee_id" not in invalid:
            fields["committee_id"] = raw["committee_id"]  # valid, so a whole number (a new meeting's only)
        _resolve(session, fields, partial=True, current=current)
    except ValidationFailed as err:
        return {k: v for k, v in err.fields.items() if k not in invalid}
    return {}


def _read(session: Session, model: type[M], raw: dict[str, Any], current: Meeting | None) -> M:
    try:
        return validate(model, raw)
    except ValidationFailed as err:
        err.fields.update(meeting_problems(session, raw, err.fields, current=current))
        raise


def read_meeting(session: Session, raw: dict[str, Any]) -> MeetingCreate:
    """*raw* (a form's fields) validated by MeetingCreate, or ValidationFailed naming every problem, those of
    the stored data included."""
    return _read(session, MeetingCreate, raw, None)


def read_meeting_update(session: Session, raw: dict[str, Any], *, current: Meeting) -> MeetingUpdate:
    """*raw* validated by MeetingUpdate, or ValidationFailed naming every problem (see read_meeting)."""
    return _read(session, MeetingUpdate, raw, current)


def _require_planner(session: Session, actor, committee_id: int) -> None:
    access = committee_access(session, actor, committee_id)
    require(permissions.can_plan_meetings(actor, access),
            "Only the secretariat and the committee's chair and co-chairs plan its meetings.")


def check_new_meeting(*, session: Session, actor, meeting_in: MeetingCreate) -> dict[str, Any]:
    """The columns of a meeting to create, checked, and refused unless *actor* plans its committee's meetings."""
    values = _resolve(session, meeting_in.model_dump(), partial=False, current=None)
    _require_planner(session, actor, values["committee_id"])
    return values


def create_meeting(*, session: Session, actor, meeting_in: MeetingCreate) -> Meeting:
    """Schedule the meeting *meeting_in*."""
    values = check_new_meeting(session=session, actor=actor, meeting_in=meeting_in)
    meeting = Meeting(**values, status="scheduled", created_by_id=getattr(actor, "id", None))
    session.add(meeting)
    session.flush()
    assert meeting.id is not None  # flushed
    session.add(Agenda(meeting_id=meeting.id))
    audit.record(session, actor=actor, action="meeting.created", obj=meeting, changes=audit.creation_changes(
        meeting, ["committee_id", "title", "starts_at", "ends_at", "location", "virtual_url", "is_open"]))
    session.flush()
    return meeting


def update_meeting(*, session: Session, actor, meeting_id: int, meeting_in: MeetingUpdate) -> Meeting:
    """Change the fields *meeting_in* carries (PATCH semantics); `status: cancelled` cancels the meeting."""
    meeting, _committee, _access = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    version = meeting_in.version
    if meeting_in.status == "cancelled":
        return cancel_meeting(session=session, actor=actor, meeting_id=meeting_id, cancel_in=MeetingCancel(
            version=version, cancel_reason=meeting_in.cancel_reason or ""))
    if "status" in meeting_in.model_fields_set and meeting_in.status != meeting.status:
        raise ValidationFailed("Bad status.", fields={"status": "A meeting can only be set to cancelled."})
    check_version(meeting, version)
    values = _resolve(session, meeting_in.changes(), partial=True, current=meeting)
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


def cancel_meeting(*, session: Session, actor, meeting_id: int, cancel_in: MeetingCancel) -> Meeting:
    """Cancel with the reason the members are told; a past meeting that took place is not cancelled."""
    meeting, committee, _ = get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    check_version(meeting, cancel_in.version)
    reason = cancel_in.cancel_reason
    if not reason:
        raise ValidationFailed("Give the reason.", fields={"cancel_reason": "Say why the meeting is cancelled."})
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


def may_be_cancelled(session: Session, meeting: Meeting) -> bool:
    """Whether cancelling is still open: not already cancelled, and not a meeting that took place
    (cancel_meeting says which refusal applies)."""
    return meeting.status != "cancelled" and not (has_started(meeting) and held_record(session, meeting))


def held_record(session: Session, meeting: Meeting) -> bool:
    """Whether anything shows the meeting took place: attendance, or minutes."""
    return bool(session.execute(select(Attendance.id).where(Attendance.meeting_id == meeting.id).limit(1)).first()
                or session.execute(select(Minutes.id).where(Minutes.meeting_id == meeting.id).limit(1)).first())
