"""API of meetings: the list and its filters, create, read, PATCH (and cancel), the agenda and its publication,
attendance with quorum, and the minutes with their lifecycle and revisions. Attachments and .ics live elsewhere."""

from __future__ import annotations

from typing import Literal

from flask import current_app, jsonify, url_for
from pydantic import Field
from sqlalchemy import select

from pitf import permissions
from pitf.api import api_bp
from pitf.api.spec import Page, PageQuery, documented, responses, spec
from pitf.api.util import (
    actor,
    checked_id,
    filters_and_page,
    page_of,
    with_current,
)
from pitf.db import get_session
from pitf.errors import Conflict, NotFound
from pitf.models import Agency, AgendaItem, Attendance, Committee, Meeting, User
from pitf.models.agendas import (
    AgendaItemOutcomeUpdate,
    AgendaItemPublic,
    AgendaPublic,
    AgendaPublish,
    AgendaUpdate,
    CarryEntryPublic,
    CarryProposalPublic,
)
from pitf.models.attendance import AttendanceEntryPublic, AttendancePublic, AttendanceUpdate, QuorumPublic
from pitf.models.meetings import (
    MeetingCopy,
    MeetingCreate,
    MeetingDetail,
    MeetingPublic,
    MeetingUpdate,
    MinutesPublic,
    MinutesRevisionList,
    MinutesRevisionPublic,
    MinutesStep,
    MinutesUpdate,
)
from pitf.models.vocab import AgendaOutcome, MinutesStatus, QuorumRule
from pitf.services import agendas, carry_over, meeting_series, visibility
from pitf.services import attendance as att
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services.search_query import LANGUAGE_HELP, MAX_QUERY
from pitf.services.timeutil import to_local

# The meeting's own columns a MeetingPublic shows as they are.
PUBLIC_MEETING_FIELDS = set(MeetingPublic.model_fields) & set(Meeting.model_fields)
# The item's own columns an AgendaItemPublic shows as they are.
PUBLIC_ITEM_FIELDS = set(AgendaItemPublic.model_fields) & set(AgendaItem.model_fields) - {
    "recommendation_id", "starts_at", "carried_from_meeting_id"}
# The entry's own columns an AttendanceEntryPublic shows as they are.
PUBLIC_ENTRY_FIELDS = {"id", "user_id", "name", "status", "attendee_kind"}


# ---- reading the request ----------------------------------------------------------------------

def _clocks() -> fc.Clocks:
    return fc.Clocks.from_config(current_app.config)


def _meeting_id(meeting_id: int) -> int:
    return checked_id(meeting_id, "meeting")


# ---- serialization -----------------------------------------------------------------------------

def meeting_public(meeting: Meeting, committee: Committee | None = None) -> MeetingPublic:
    return MeetingPublic(
        **meeting.model_dump(include=PUBLIC_MEETING_FIELDS),
        committee_name=committee.name if committee is not None else None,
        starts_at_local=to_local(meeting.starts_at, meeting.timezone),
        ends_at_local=to_local(meeting.ends_at, meeting.timezone), state=mtg.meeting_state(meeting))


def meeting_detail(meeting: Meeting, committee: Committee) -> MeetingDetail:
    """One meeting, with its federal-clock flags (FACA notice and certification, the Council's 45 days)."""
    db = get_session()
    certified = False
    if committee.follows_faca:
        minutes = mins.get_minutes(db, meeting)
        certified = minutes is not None and minutes.approved_revision is not None
    state = fc.federal_clocks(session=db, meeting=meeting, committee=committee, clocks=_clocks(),
                              today=fc.federal_today(), minutes_certified=certified)
    return MeetingDetail(**meeting_public(meeting, committee).model_dump(), flags=list(state.flags),
                         certify_by=state.certify_by)


def _meeting_now(meeting_id: int) -> MeetingDetail:
    meeting, committee, _access = mtg.get_meeting(session=get_session(), actor=actor(), meeting_id=meeting_id)
    return meeting_detail(meeting, committee)


def agenda_public(meeting: Meeting, view: agendas.AgendaView) -> AgendaPublic:
    # A linked recommendation the caller may not see (someone's draft) is neither named nor linked.
    assert meeting.id is not None  # a stored meeting
    shown = visibility.visible_recommendation_ids(get_session(), actor(),
                                                  [row.item.recommendation_id for row in view.rows])
    # So is a closed meeting an item was carried from.
    sources = visibility.visible_meeting_ids(get_session(), actor(),
                                             [row.item.carried_from_meeting_id for row in view.rows])
    return AgendaPublic(
        meeting_id=meeting.id,
        items=[AgendaItemPublic(
            **row.item.model_dump(include=PUBLIC_ITEM_FIELDS), presenter_agency=row.presenter_agency,
            action_item_title=row.action_item_title,
            recommendation_id=row.item.recommendation_id if row.item.recommendation_id in shown else None,
            recommendation_label=row.recommendation_label if row.item.recommendation_id in shown else None,
            carried_from_meeting_id=row.item.carried_from_meeting_id
            if row.item.carried_from_meeting_id in sources else None,
            carried_from_label=row.carried_from_label if row.item.carried_from_meeting_id in sources else None,
            starts_at=row.starts_at) for row in view.rows],
        published_at=view.agenda.published_at, version=view.agenda.version, starts_at=meeting.starts_at,
        ends_at=view.ends_at, meeting_ends_at=meeting.ends_at, overruns=view.overruns,
        overrun_minutes=view.overrun_minutes)


def _agenda_now(meeting_id: int) -> AgendaPublic:
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting(session=db, actor=actor(), meeting_id=meeting_id)
    return agenda_public(meeting, agendas.agenda_view(db, meeting))


def _agenda_conflict(err: Conflict, meeting_id: int) -> Conflict:
    """The conflict with the agenda as it is now in error.current."""
    return with_current(err, lambda: _agenda_now(meeting_id).model_dump(mode="json"))


def attendance_public(rows: list[Attendance], quorum: att.Quorum) -> AttendancePublic:
    acronyms = dict(get_session().execute(select(Agency.id, Agency.acronym)).tuples().all())
    return AttendancePublic(
        entries=[AttendanceEntryPublic(
            **a.model_dump(include=PUBLIC_ENTRY_FIELDS), agency=acronyms.get(a.agency_id),
            represented_by=a.represented_by or None) for a in rows],
        quorum=QuorumPublic(required=quorum.required, present=quorum.present, met=quorum.met,
                            rule=QuorumRule(quorum.rule)))


def _names(user_ids) -> dict[int | None, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(get_session().execute(select(User.id, User.name).where(User.id.in_(ids))).tuples().all())


def minutes_public(meeting: Meeting, reader: mins.MinutesForReader) -> MinutesPublic:
    minutes, approved = reader.minutes, reader.approved
    approver = approved.approved_by_id if approved is not None else None
    assert meeting.id is not None  # a stored meeting
    return MinutesPublic(
        meeting_id=meeting.id, body_md=reader.body_md, body_html=reader.body_html,
        status=MinutesStatus(reader.status),
        revision=reader.revision, version=minutes.version if minutes is not None else None,
        approved_revision=approved.revision if approved is not None else None,
        approved_by=_names([approver]).get(approver), approved_by_id=approver,
        approved_at=approved.approved_at if approved is not None else None,
        certification_text=(approved.certification_text or None) if approved is not None else None,
        correction_in_progress=reader.working_differs)


def _minutes_now(meeting_id: int) -> MinutesPublic:
    db = get_session()
    meeting, _committee, access = mtg.get_meeting(session=db, actor=actor(), meeting_id=meeting_id)
    reader = mins.minutes_for(db, actor(), meeting, access)
    if reader.minutes is None or reader.status == "none":
        raise NotFound("This meeting has no minutes you can read yet.")
    return minutes_public(meeting, reader)


def _minutes_conflict(err: Conflict, meeting_id: int) -> Conflict:
    """The conflict with the minutes as they are now in error.current."""
    return with_current(err, lambda: _minutes_now(meeting_id).model_dump(mode="json"))


# ---- meetings ----------------------------------------------------------------------------------

MEETING_TAGS = ["meetings"]


def _created(detail: MeetingDetail):
    response = jsonify(detail.model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = url_for("api.meeting", meeting_id=detail.id)
    return response


class MeetingListQuery(PageQuery):
    """The meeting list's filters, for the document: the view reads them with the meetings' own parser, which
    reports a bad filter and a bad page together in one 422."""

    committee_id: int | None = None
    from_: str | None = Field(default=None, alias="from",
                              description="A date (US Eastern) or an ISO 8601 time: starting on or after")
    to: str | None = Field(default=None,
                            description="A date (US Eastern, inclusive) or an ISO 8601 time: starting before")
    status: Literal["scheduled", "cancelled"] | None = None
    upcoming: bool | None = Field(default=None, description="Not yet ended, soonest first")
    q: str | None = Field(default=None, max_length=MAX_QUERY,
                          description="In the title, the agenda's items and notes or the place: " + LANGUAGE_HELP)


@api_bp.get("/meetings")
@documented(query=MeetingListQuery, resp=responses(200, Page[MeetingPublic], errors=(401, 422)),
            tags=MEETING_TAGS)
def meetings():
    """Meetings the caller may see, latest first"""
    filters, page, per_page = filters_and_page(mtg.parse_meeting_filters)
    rows, total = mtg.list_meetings(session=get_session(), actor=actor(), filters=filters, page=page,
                                    per_page=per_page)
    return jsonify(page_of([meeting_public(m, c).model_dump(mode="json") for m, c in rows], page, per_page, total))


@api_bp.post("/meetings")
@spec.validate(json=MeetingCreate, resp=responses(201, MeetingDetail, errors=(400, 401, 403, 422)), tags=MEETING_TAGS,
               also_refuse=lambda body, invalid: mtg.meeting_problems(get_session(), body, invalid))
def create_meeting(json: MeetingCreate):
    """Schedule a meeting (the secretariat, or the committee's chair and co-chairs)"""
    db = get_session()
    meeting = mtg.create_meeting(session=db, actor=actor(), meeting_in=json)
    return _created(meeting_detail(meeting, db.get_one(Committee, meeting.committee_id)))


@api_bp.get("/meetings/<int:meeting_id>")
@spec.validate(resp=responses(200, MeetingDetail, errors=(401, 404)), tags=MEETING_TAGS)
def meeting(meeting_id: int):
    """One meeting, with its federal-clock flags"""
    return _meeting_now(_meeting_id(meeting_id))


@api_bp.patch("/meetings/<int:meeting_id>")
@spec.validate(json=MeetingUpdate, resp=responses(200, MeetingDetail, errors=(400, 401, 403, 404, 409, 422)),
               tags=MEETING_TAGS)
def edit_meeting(meeting_id: int, json: MeetingUpdate):
    """Change or cancel a meeting (its planners)"""
    try:
        mtg.update_meeting(session=get_session(), actor=actor(), meeting_id=_meeting_id(meeting_id),
                           meeting_in=json)
    except Conflict as err:
        raise with_current(err, lambda: _meeting_now(meeting_id).model_dump(mode="json")) from None
    return _meeting_now(meeting_id)


@api_bp.post("/meetings/<int:meeting_id>/copy")
@spec.validate(json=MeetingCopy, resp=responses(201, MeetingDetail, errors=(400, 401, 403, 404, 422)),
               tags=MEETING_TAGS)
def copy_meeting(meeting_id: int, json: MeetingCopy):
    """Plan the next meeting from this one: same body, place, length and agenda (unpublished); without
    starts_at, on the date suggested for the next meeting"""
    db = get_session()
    meeting = meeting_series.copy_meeting(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id),
                                          copy_in=json)
    return _created(meeting_detail(meeting, db.get_one(Committee, meeting.committee_id)))


@api_bp.get("/meetings/<int:meeting_id>/copy")
@spec.validate(resp=responses(200, CarryProposalPublic, errors=(401, 403, 404)), tags=MEETING_TAGS)
def copy_proposal(meeting_id: int):
    """What a copy would bring to the next meeting's agenda: the continued, not reached and standing items, and
    one item listing the open action items born in this meeting; nothing is created (the meeting's planners)"""
    meeting, entries = carry_over.carry_proposal(session=get_session(), actor=actor(),
                                                 meeting_id=_meeting_id(meeting_id))
    assert meeting.id is not None  # a stored meeting
    return CarryProposalPublic(meeting_id=meeting.id, items=[CarryEntryPublic(
        key=e.key, kind=e.kind, title=e.title, presenter=e.presenter, duration_minutes=e.duration_minutes,
        notes_md=e.notes_md, outcome=AgendaOutcome(e.outcome) if e.outcome else None,
        action_item_ids=[c.id for c in e.commitments]) for e in entries])


# ---- agenda ------------------------------------------------------------------------------------

AGENDA_TAGS = ["agenda"]


@api_bp.get("/meetings/<int:meeting_id>/agenda")
@spec.validate(resp=responses(200, AgendaPublic, errors=(401, 404)), tags=AGENDA_TAGS)
def agenda(meeting_id: int):
    """The agenda, each item with its computed start"""
    return _agenda_now(_meeting_id(meeting_id))


@api_bp.put("/meetings/<int:meeting_id>/agenda")
@spec.validate(json=AgendaUpdate, resp=responses(200, AgendaPublic, errors=(400, 401, 403, 404, 409, 422)),
               tags=AGENDA_TAGS)
def put_agenda(meeting_id: int, json: AgendaUpdate):
    """Replace the agenda's items (the meeting's planners)"""
    db = get_session()
    # Who may plan it first (404, 403), then the items (422), as a refusal has always been ordered.
    mtg.get_meeting_for_planning(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id))
    items = agendas.read_items(db, json.items)
    try:
        view = agendas.put_agenda(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id),
                                  version=json.version, items=items)
    except Conflict as err:
        raise _agenda_conflict(err, meeting_id) from None
    return agenda_public(db.get_one(Meeting, meeting_id), view)


@api_bp.post("/meetings/<int:meeting_id>/agenda/items/<int:item_id>/outcome")
@spec.validate(json=AgendaItemOutcomeUpdate,
               resp=responses(200, AgendaPublic, errors=(400, 401, 403, 404, 409, 422)), tags=AGENDA_TAGS)
def agenda_item_outcome(meeting_id: int, item_id: int, json: AgendaItemOutcomeUpdate):
    """Record what became of an item at the meeting: discussed, continued or not_reached (null: none); sends the
    agenda's version read (the meeting's planners, once it has started)"""
    db = get_session()
    try:
        view = agendas.set_item_outcome(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id),
                                        item_id=checked_id(item_id, "agenda item"), outcome_in=json)
    except Conflict as err:
        raise _agenda_conflict(err, meeting_id) from None
    return agenda_public(db.get_one(Meeting, meeting_id), view)


@api_bp.post("/meetings/<int:meeting_id>/agenda/publish")
@spec.validate(json=AgendaPublish, resp=responses(200, AgendaPublic, errors=(400, 401, 403, 404, 409, 422)),
               tags=AGENDA_TAGS)
def publish_agenda(meeting_id: int, json: AgendaPublish):
    """Publish the agenda: the committee's members are notified"""
    try:
        agendas.publish_agenda(session=get_session(), actor=actor(), meeting_id=_meeting_id(meeting_id),
                               clocks=_clocks(), today=fc.federal_today(),
                               short_notice_reason=json.short_notice_reason or "")
    except Conflict as err:
        raise _agenda_conflict(err, meeting_id) from None
    return _agenda_now(meeting_id)


# ---- attendance --------------------------------------------------------------------------------

ATTENDANCE_TAGS = ["attendance"]


@api_bp.get("/meetings/<int:meeting_id>/attendance")
@spec.validate(resp=responses(200, AttendancePublic, errors=(401, 404)), tags=ATTENDANCE_TAGS)
def attendance(meeting_id: int):
    """Attendance and quorum"""
    db = get_session()
    meeting, committee, _access = mtg.get_meeting(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id))
    rows = att.attendance_of(db, meeting)
    return attendance_public(rows, att.quorum(db, committee, rows))


@api_bp.put("/meetings/<int:meeting_id>/attendance")
@spec.validate(json=AttendanceUpdate, resp=responses(200, AttendancePublic, errors=(400, 401, 403, 404, 422)),
               tags=ATTENDANCE_TAGS)
def put_attendance(meeting_id: int, json: AttendanceUpdate):
    """Replace the attendance list (the meeting's planners)"""
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting_for_planning(session=db, actor=actor(),
                                                                meeting_id=_meeting_id(meeting_id))
    if json.entries:  # clearing a list recorded by mistake stays possible
        att.require_attendance_day(meeting)
    rows, quorum = att.put_attendance(session=db, actor=actor(), meeting_id=_meeting_id(meeting_id),
                                      entries=att.read_entries(db, json.entries))
    return attendance_public(rows, quorum)


# ---- minutes -----------------------------------------------------------------------------------

MINUTES_ERRORS = (400, 401, 403, 404, 409, 422)


@api_bp.get("/meetings/<int:meeting_id>/minutes")
@spec.validate(resp=responses(200, MinutesPublic, errors=(401, 404)), tags=["minutes"])
def minutes(meeting_id: int):
    """The minutes the caller may read"""
    return _minutes_now(_meeting_id(meeting_id))


@api_bp.put("/meetings/<int:meeting_id>/minutes")
@spec.validate(json=MinutesUpdate, resp=responses(200, MinutesPublic, errors=MINUTES_ERRORS), tags=["minutes"])
def put_minutes(meeting_id: int, json: MinutesUpdate):
    """Write the minutes (the meeting's planners); approved minutes need revision_reason"""
    try:
        mins.save_minutes(session=get_session(), actor=actor(), meeting_id=_meeting_id(meeting_id), changes=json)
    except Conflict as err:
        raise _minutes_conflict(err, meeting_id) from None
    return _minutes_now(meeting_id)


def _minutes_step(meeting_id: int, step, version: int | None) -> MinutesPublic:
    try:
        step(session=get_session(), actor=actor(), meeting_id=_meeting_id(meeting_id), version=version)
    except Conflict as err:
        raise _minutes_conflict(err, meeting_id) from None
    return _minutes_now(meeting_id)


@api_bp.post("/meetings/<int:meeting_id>/minutes/circulate")
@spec.validate(json=MinutesStep, resp=responses(200, MinutesPublic, errors=MINUTES_ERRORS), tags=["minutes"])
def circulate_minutes(meeting_id: int, json: MinutesStep):
    """Circulate draft minutes to the members for comment"""
    return _minutes_step(meeting_id, mins.circulate, json.version)


@api_bp.post("/meetings/<int:meeting_id>/minutes/approve")
@spec.validate(json=MinutesStep, resp=responses(200, MinutesPublic, errors=MINUTES_ERRORS), tags=["minutes"])
def approve_minutes(meeting_id: int, json: MinutesStep):
    """Approve circulated minutes (the chair, or the secretariat where the body is not under FACA; a FACA body:
    the chair's certification)"""
    return _minutes_step(meeting_id, mins.approve, json.version)


@api_bp.get("/meetings/<int:meeting_id>/minutes/revisions")
@spec.validate(resp=responses(200, MinutesRevisionList, errors=(401, 404)), tags=["minutes"])
def minutes_revisions(meeting_id: int):
    """Every revision for those who plan the meeting; the approved ones for everyone else who may see it."""
    db = get_session()
    user = actor()
    meeting, _committee, access = mtg.get_meeting(session=db, actor=user, meeting_id=_meeting_id(meeting_id))
    record = mins.get_minutes(db, meeting)
    revs = mins.revisions(db, record) if record is not None else []
    if not permissions.can_plan_meetings(user, access):
        revs = [r for r in revs if r.status == "approved"]
    names = _names(r.approved_by_id for r in revs)
    return MinutesRevisionList(items=[MinutesRevisionPublic(
        revision=r.revision, status=MinutesStatus(r.status), reason=r.reason, body_md=r.body_md, body_html=r.body_html,
        approved_by=names.get(r.approved_by_id), approved_by_id=r.approved_by_id, approved_at=r.approved_at,
        certification_text=r.certification_text or None, created_at=r.created_at) for r in revs])
