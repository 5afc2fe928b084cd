"""Meeting, agenda and attendance pages: the list, one meeting, the planner's forms, the printable agenda and PDF."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, NotFound, ValidationFailed, require
from pitf.models import utcnow
from pitf.models.meetings import ATTENDANCE_STATUSES, ATTENDEE_KINDS
from pitf.models.org import MEMBERSHIP_ROLE_LABELS
from pitf.services import agenda_links, org
from pitf.services import meetings as mtg
from pitf.services import minutes as minutes_service
from pitf.services.pdf import render_pdf
from pitf.services.timeutil import to_local, today_here
from pitf.settings import platform_timezone
from pitf.textutil import BadDate, parse_date, parse_id, parse_time
from pitf.web.account.forms import zone_choices
from pitf.web.choices import options
from pitf.web.confirm import ask, confirmed, question
from pitf.web.form_errors import apply_form_errors
from pitf.web.list_page import read_list
from pitf.web.meetings.forms import (
    AgendaItemForm,
    CancelMeetingForm,
    CopyMeetingForm,
    EditMeetingForm,
    NewMeetingForm,
    PublishAgendaForm,
)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

PER_PAGE = 50
WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All"}
FILTER_ARGS = ("committee_id", "from", "to", "status")
PLANNING_HELP = "Only the secretariat and the committee's chair and co-chairs plan its meetings."
# Service field names -> the form fields that show them ("-": at the top of the form).
MEETING_FIELDS = {"starts_at": "start_time", "ends_at": "end_time", "is_open": "access", "rule": "repeat",
                  "version": "-", "status": "-"}
ITEM_FIELDS = ("title", "presenter", "presenter_agency", "duration_minutes", "notes_md", "action_item_id",
               "recommendation_id")
STATUS_LABELS = {"present": "Present", "absent": "Absent", "represented": "Represented by an alternate"}
KIND_LABELS = {"member": "Member", "staff": "Staff", "agency_employee": "Agency employee",
               "public_speaker": "Public speaker", "guest": "Guest"}


def _publish_values(agenda) -> dict:
    """The words of the publishing question (pitf/web/confirm.py) for this agenda."""
    return {"again": ", as an updated agenda" if agenda.published_at else ""}


def _remove_values(agenda, title: str) -> dict:
    return {"title": title, "published": ", and members reading the published agenda see it gone"
            if agenda.published_at else ""}


BLANK_ROWS = 5
MAX_EXTRA_ROWS = 200
TIME_FORMAT = "%-I:%M %p %Z"
LONG_FORMAT = "%A, %B %-d, %Y, %-I:%M %p %Z"


def _in_zone(value: datetime | None, tz_name: str | None, fmt: str = LONG_FORMAT) -> str:
    """A stored UTC time on the wall clock of *tz_name* (the meeting's own zone)."""
    return to_local(value, tz_name).strftime(fmt) if value else ""


def _quorum_text(q: mtg.Quorum) -> str:
    return f"Quorum: {q.present} of {q.required} required present — {'met' if q.met else 'not met'}"


@bp.context_processor
def _helpers():
    return {"in_zone": _in_zone, "quorum_text": _quorum_text, "status_labels": STATUS_LABELS,
            "kind_labels": KIND_LABELS, "TIME_FORMAT": TIME_FORMAT, "LONG_FORMAT": LONG_FORMAT,
            "meeting_state": mtg.meeting_state, "state_label": mtg.state_label, "confirm_text": question,
            "publish_values": _publish_values, "remove_values": _remove_values,
            "attendee_label": mtg.attendee_label}


def _clocks() -> mtg.Clocks:
    return mtg.Clocks.from_config(current_app.config)


def _today() -> date:
    """Today on the secretariat's calendar (PITF_TIMEZONE): the federal day counts are calendar days there."""
    return today_here(utcnow())


# ---- the list --------------------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    db = get_session()
    problems: dict[str, str] = {}
    when = request.args.get("when") or "upcoming"
    if when not in WHEN:
        problems["when"] = "Choose upcoming, past or all meetings."
        when = "upcoming"
    args = {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}
    now = utcnow()

    def fetch(filters, page, per_page):
        if when == "past":
            filters.end = min(filters.end, now) if filters.end else now
        return mtg.list_meetings(session=db, actor=current_user, filters=filters, page=page, per_page=per_page,
                                 now=now)

    listed = read_list(lambda: mtg.parse_meeting_filters({**args, "upcoming": "true" if when == "upcoming" else ""}),
                       fetch, per_page=PER_PAGE, max_per_page=PER_PAGE, problems=problems, fixed_size=True)
    listed.query_args = {**args, "when": when}
    rows = listed.found
    return render_template(
        "meetings/list.html", rows=rows, **listed.context(), when=when, whens=WHEN,
        published=mtg.published_agenda_ids(db, [m.id for m, _c in rows]),
        approved=mtg.approved_minutes_ids(db, [m.id for m, _c in rows]),
        committees=org.list_committees(session=db, include_inactive=True),
        can_schedule=bool(mtg.plannable_committees(db, current_user)),
    ), listed.status


# ---- one meeting -----------------------------------------------------------------------------

def _agency_acronyms(db) -> dict[int, str]:
    return {a.id: a.acronym for a in org.list_agencies(session=db, include_retired=True)}


@bp.route("/<int:meeting_id>", endpoint="meeting")
@login_required
def meeting_page(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    minutes = minutes_service.get_minutes(db, meeting)
    certified = minutes is not None and minutes.approved_revision is not None
    attendance = mtg.attendance_of(db, meeting)
    joint = (org.get_committee(session=db, actor=current_user, committee_id=meeting.joint_with_committee_id)
             if meeting.joint_with_committee_id else None)
    return render_template(
        "meetings/meeting.html", meeting=meeting, committee=committee, joint=joint,
        can_plan=permissions.can_plan_meetings(current_user, access),
        clocks=mtg.federal_clocks(session=db, meeting=meeting, committee=committee, clocks=_clocks(),
                                  today=_today(), minutes_certified=certified),
        settings=_clocks(), view=mtg.agenda_view(db, meeting), attendance=attendance,
        can_cancel=meeting.status != "cancelled" and not (mtg.has_started(meeting) and mtg.held_record(db, meeting)),
        attendance_open=bool(attendance) or _attendance_day_reached(meeting),
        quorum=mtg.quorum(db, committee, attendance), acronyms=_agency_acronyms(db), minutes=minutes,
        viewer_zone_differs=getattr(current_user, "timezone", platform_timezone()) != meeting.timezone,
    )


def _attendance_day_reached(meeting) -> bool:
    try:
        mtg.require_attendance_day(meeting)
    except ValidationFailed:
        return False
    return True


# ---- scheduling, editing, cancelling, copying --------------------------------------------------

def _parse_local(form, errors: dict[str, str]) -> tuple[str | None, str | None]:
    """ISO wall-clock strings (no offset) from the date and time inputs; the service applies the zone."""
    day = start = end = None
    try:
        day = parse_date(form.date.data)
    except BadDate as err:
        errors["date"] = str(err) if (form.date.data or "").strip() else "Enter the date, mm/dd/yyyy."
    for name in ("start_time", "end_time"):
        raw = (getattr(form, name).data or "").strip()
        try:
            value = parse_time(raw)
        except BadDate as err:
            value = None
            errors[name] = str(err) if raw else "Enter the time."
        if value is None:
            pass
        elif name == "start_time":
            start = value
        else:
            end = value
    if day is None:
        return None, None
    return tuple(datetime.combine(day, t).isoformat() if t else None for t in (start, end))


def _meeting_data(form) -> tuple[dict, dict[str, str]]:
    """The form's input in the service's words, with the errors found reading it."""
    errors: dict[str, str] = {}
    starts_at, ends_at = _parse_local(form, errors)
    data = {
        "title": form.title.data or "", "starts_at": starts_at, "ends_at": ends_at,
        "timezone": form.timezone.data or platform_timezone(), "location": form.location.data or "",
        "virtual_url": (form.virtual_url.data or "").strip(), "is_open": form.access.data != "closed",
        "federal_register_notice_date": (form.federal_register_notice_date.data or "").strip() or None,
        # An id from the list; anything else goes as typed, for the service to refuse by name.
        "joint_with_committee_id": (parse_id(form.joint_with_committee_id.data) or form.joint_with_committee_id.data)
        if form.joint_with_committee_id.data else None,
    }
    if hasattr(form, "committee_id"):
        data["committee_id"] = parse_id(form.committee_id.data or "")
    return data, errors


def _show_errors(form, err: ValidationFailed | None, local: dict[str, str], mapping: dict[str, str]) -> None:
    """Errors found reading the form win over the service's for the same field (theirs would be about the
    empty value the form had to send)."""
    shown = {mapping.get(k, k) for k in local}
    if "date" in local:  # without a date neither time could be read
        shown |= {"start_time", "end_time"}
    fields = {k: v for k, v in (err.fields if err else {}).items() if mapping.get(k, k) not in shown}
    fields.update(local)
    apply_form_errors(form, ValidationFailed(err.message if err else "Check the fields marked below.",
                                             fields=fields), mapping=mapping)


def _never_half_read(local: dict[str, str]) -> None:
    """The form's own errors always come with the service's refusal (a missing start or end time is never
    valid); should that ever change, refuse rather than save input that was only half read."""
    if local:
        raise ValidationFailed("Check the fields marked below.", fields=local)


def _fill_meeting_choices(form, *, committees=None) -> None:
    db = get_session()
    form.timezone.choices = zone_choices()
    form.joint_with_committee_id.choices = options(
        [("", "Not a joint meeting")] + [(c.id, c.name) for c in org.list_committees(session=db)])
    if committees is not None:
        form.committee_id.choices = options([("", "Choose a committee")] + [(c.id, c.name) for c in committees])


def _int_field(raw, default: int) -> int | str:
    """A whole number typed in a form, or the text as typed (the service refuses it by name)."""
    raw = (raw or "").strip()
    return default if not raw else (parse_id(raw) or raw)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    db = get_session()
    committees = mtg.plannable_committees(db, current_user)
    require(bool(committees), PLANNING_HELP)
    form = NewMeetingForm()
    _fill_meeting_choices(form, committees=committees)
    if request.method == "GET":
        form.timezone.data = platform_timezone()
        form.start_time.data, form.end_time.data = "10:00", "12:00"
        if (cid := parse_id(request.args.get("committee_id", ""))) and any(c.id == cid for c in committees):
            form.committee_id.data = str(cid)
        return render_template("meetings/form.html", form=form, meeting=None)
    if form.validate_on_submit():
        data, local = _meeting_data(form)
        rule = form.repeat.data or "none"
        try:
            # Sent even when the form already found errors: the service then reports every other field too.
            # (It always refuses then: a missing start or end time is never valid.)
            if rule == "none":
                created = [mtg.create_meeting(session=db, actor=current_user, data=data)]
            else:
                created = mtg.create_series(session=db, actor=current_user, data=data, rule=rule,
                                            count=_int_field(form.count.data, 4),
                                            interval=_int_field(form.interval.data, 1))
        except ValidationFailed as err:
            _show_errors(form, err, local, MEETING_FIELDS)
        else:
            _never_half_read(local)
            if len(created) > 1:
                flash(f"{len(created)} meetings scheduled; each can be edited on its own.", "success")
            else:
                flash("Meeting scheduled.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=created[0].id))
    return render_template("meetings/form.html", form=form, meeting=None), 422


def _fill_edit_form(form: EditMeetingForm, meeting) -> None:
    local_start, local_end = to_local(meeting.starts_at, meeting.timezone), to_local(meeting.ends_at, meeting.timezone)
    form.title.data = meeting.title
    form.date.data = local_start.date().isoformat()
    form.start_time.data, form.end_time.data = local_start.strftime("%H:%M"), local_end.strftime("%H:%M")
    form.timezone.data = meeting.timezone
    form.location.data, form.virtual_url.data = meeting.location, meeting.virtual_url
    form.access.data = "open" if meeting.is_open else "closed"
    form.federal_register_notice_date.data = (meeting.federal_register_notice_date.isoformat()
                                              if meeting.federal_register_notice_date else "")
    form.joint_with_committee_id.data = str(meeting.joint_with_committee_id or "")
    form.version.data = meeting.version


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    db = get_session()
    meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                               meeting_id=meeting_id)
    form = EditMeetingForm()
    _fill_meeting_choices(form)
    if request.method == "GET":
        _fill_edit_form(form, meeting)
        return render_template("meetings/form.html", form=form, meeting=meeting, committee=committee)
    if form.validate_on_submit():
        data, local = _meeting_data(form)
        try:
            mtg.update_meeting(session=db, actor=current_user, meeting_id=meeting_id, version=form.version.data,
                               data=data)
        except Conflict:
            db.rollback()  # a conflict found at flush leaves the session unusable
            meeting, committee, _access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
            form.version.data = meeting.version
            if local:
                _show_errors(form, None, local, MEETING_FIELDS)
            return render_template("meetings/form.html", form=form, meeting=meeting, committee=committee,
                                   conflict=True), 409
        except ValidationFailed as err:
            _show_errors(form, err, local, MEETING_FIELDS)
        else:
            _never_half_read(local)
            flash("Meeting saved. Calendars that subscribed get the change.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, meeting=meeting, committee=committee), 422


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(meeting_id: int):
    db = get_session()
    meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                               meeting_id=meeting_id)
    form = CancelMeetingForm()
    conflict = False
    if request.method == "GET":
        form.version.data = meeting.version
        return render_template("meetings/cancel.html", form=form, meeting=meeting, committee=committee)
    if form.validate_on_submit():
        try:
            mtg.cancel_meeting(session=db, actor=current_user, meeting_id=meeting_id, version=form.version.data,
                               reason=form.reason.data or "")
        except Conflict:
            db.rollback()
            meeting, committee, _access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
            form.version.data = meeting.version
            conflict = True
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping={"cancel_reason": "reason", "status": "-", "version": "-"})
        else:
            flash("Meeting cancelled; members are told, with the reason.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=meeting_id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting, committee=committee,
                           conflict=conflict), (409 if conflict else 422)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (the last one when the month has no n-th)."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    return days[min(n, len(days)) - 1]


def suggest_next_date(day: date, months: int) -> date:
    """The same weekday *months* later, in the same week of the month ("the second Tuesday of each quarter")."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return _nth_weekday(year, month, day.weekday(), (day.day - 1) // 7 + 1)


def _is_quarterly(db, meeting, committee) -> bool:
    """The SPOG meets quarterly, and so does any body whose meeting came from a quarterly series."""
    return committee.kind == "operating_group" or mtg.series_rule(db, meeting).startswith("quarterly")


@bp.route("/<int:meeting_id>/copy", methods=["GET", "POST"])
@login_required
def copy(meeting_id: int):
    db = get_session()
    meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                               meeting_id=meeting_id)
    form = CopyMeetingForm()
    months = 3 if _is_quarterly(db, meeting, committee) else 1
    if request.method == "GET":
        start, end = to_local(meeting.starts_at, meeting.timezone), to_local(meeting.ends_at, meeting.timezone)
        form.title.data = meeting.title
        form.date.data = suggest_next_date(start.date(), months).isoformat()
        form.start_time.data, form.end_time.data = start.strftime("%H:%M"), end.strftime("%H:%M")
        return render_template("meetings/copy.html", form=form, meeting=meeting, committee=committee, months=months)
    if form.validate_on_submit():
        local: dict[str, str] = {}
        starts_at, ends_at = _parse_local(form, local)
        try:
            if local:
                raise ValidationFailed("Check the fields marked below.", fields=local)
            created = mtg.copy_meeting(session=db, actor=current_user, meeting_id=meeting_id,
                                       starts_at=starts_at, ends_at=ends_at,
                                       title=(form.title.data or "").strip() or None)
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping=MEETING_FIELDS)
        else:
            flash("Meeting copied: place, length and agenda (not yet published) came along.", "success")
            return redirect(url_for("meetings.meeting", meeting_id=created.id))
    return render_template("meetings/copy.html", form=form, meeting=meeting, committee=committee,
                           months=months), 422


# ---- the agenda ------------------------------------------------------------------------------

def _item_form(meeting, linked: list[int] = ()) -> AgendaItemForm:
    db = get_session()
    form = AgendaItemForm()
    form.presenter_agency.choices = options(
        [("", "No agency")] + [(a.acronym, f"{a.acronym}: {a.name}")
                               for a in org.list_agencies(session=db)])
    typed = parse_id(form.action_item_id.data or "")
    form.action_item_id.choices = options([("", "No action item")] + agenda_links.action_item_choices(
        db, current_user, meeting, [*linked, *([typed] if typed else [])]))
    form.recommendation_id.choices = options([("", "No recommendation")]
                                             + agenda_links.recommendation_choices(db, current_user))
    return form


def _item_input(form: AgendaItemForm) -> dict:
    return {"title": form.title.data or "", "presenter": form.presenter.data or "",
            "presenter_agency": form.presenter_agency.data or None,
            "duration_minutes": (form.duration_minutes.data or "").strip() or "0",
            "notes_md": (form.notes_md.data or "").replace("\r\n", "\n"),
            "action_item_id": (form.action_item_id.data or "").strip() or None,
            "recommendation_id": (form.recommendation_id.data or "").strip() or None}


def _fill_item_form(form: AgendaItemForm, row: mtg.AgendaRow) -> None:
    item = row.item
    form.title.data, form.presenter.data = item.title, item.presenter
    form.presenter_agency.data = row.presenter_agency or ""
    form.duration_minutes.data = str(item.duration_minutes)
    form.notes_md.data = item.notes_md
    form.action_item_id.data = str(item.action_item_id or "")
    form.recommendation_id.data = str(item.recommendation_id or "")


def _render_agenda(meeting, committee, access, *, form=None, editing: int | None = None, status: int = 200,
                   conflict: bool = False, publish_form=None, overdue_error: str | None = None):
    db = get_session()
    view = mtg.agenda_view(db, meeting)
    can_plan = permissions.can_plan_meetings(current_user, access)
    clocks = mtg.federal_clocks(session=db, meeting=meeting, committee=committee, clocks=_clocks(), today=_today())
    if can_plan:
        form = form or _item_form(meeting, [r.item.action_item_id for r in view.rows])
        form.version.data = view.agenda.version  # every action below is checked against the agenda read here
        publish_form = publish_form or PublishAgendaForm()
        if publish_form.short_notice_reason.data is None:
            publish_form.short_notice_reason.data = meeting.short_notice_reason
    return render_template(
        "meetings/agenda.html", meeting=meeting, committee=committee, view=view, can_plan=can_plan, form=form,
        editing=editing, conflict=conflict, publish_form=publish_form, clocks=clocks, overdue_error=overdue_error,
        over=meeting.ends_at <= mtg.clock(),
    ), status


@bp.route("/<int:meeting_id>/agenda")
@login_required
def agenda(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    editing = None
    form = None
    if permissions.can_plan_meetings(current_user, access) and (edit_id := parse_id(request.args.get("edit", ""))):
        rows = {r.item.id: r for r in mtg.agenda_view(db, meeting).rows}
        if edit_id not in rows:
            raise NotFound("That agenda item is gone: the agenda was changed since you opened it.")
        form = _item_form(meeting, [rows[edit_id].item.action_item_id])
        _fill_item_form(form, rows[edit_id])
        editing = edit_id
    return _render_agenda(meeting, committee, access, form=form, editing=editing)


def _agenda_conflict(meeting_id: int, *, form=None):
    """Someone changed the agenda since it was read: show it as it is now, with what was typed kept."""
    db = get_session()
    db.rollback()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    return _render_agenda(meeting, committee, access, form=form, status=409, conflict=True)


def _stale(db, meeting, version) -> bool:
    return str(mtg.get_agenda(db, meeting).version) != str(version or "")


def _item_errors(form: AgendaItemForm, err: ValidationFailed, index: int) -> None:
    """The errors of the item being typed go beside its fields; the other items' (rare) on top of the form."""
    prefix = f"items[{index}]."
    mapped = {}
    for name, message in err.fields.items():
        if name.startswith(prefix) and name[len(prefix):] in ITEM_FIELDS:
            mapped[name[len(prefix):]] = message
        else:
            number = re.match(r"items\[(\d+)\]", name)
            mapped[f"-{name}"] = (f"Item {int(number.group(1)) + 1}: {message}" if number else message)
    apply_form_errors(form, ValidationFailed(err.message, fields=mapped))


def _save_item(meeting_id: int, item_id: int | None):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    form = _item_form(meeting)
    form.validate_on_submit()
    view = mtg.agenda_view(db, meeting)
    items = mtg.agenda_items_as_input(view)
    ids = [r.item.id for r in view.rows]
    if item_id is None:
        index = len(items)
        items.append(_item_input(form))
    elif item_id in ids:
        index = ids.index(item_id)
        items[index] = _item_input(form)
    elif _stale(db, meeting, form.version.data):
        return _agenda_conflict(meeting_id, form=form)
    else:
        raise NotFound("No such agenda item.")
    try:
        saved = mtg.put_agenda(session=db, actor=current_user, meeting_id=meeting_id, version=form.version.data,
                               items=items)
    except Conflict:
        return _agenda_conflict(meeting_id, form=form)
    except ValidationFailed as err:
        _item_errors(form, err, index)
        return _render_agenda(meeting, committee, access, form=form, editing=item_id, status=422)
    flash(f"Item {'added' if item_id is None else 'saved'}: {saved.rows[index].item.title}.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{saved.rows[index].item.id}"))


@bp.route("/<int:meeting_id>/agenda/items", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    return _save_item(meeting_id, None)


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>", methods=["POST"])
@login_required
def edit_item(meeting_id: int, item_id: int):
    return _save_item(meeting_id, item_id)


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(meeting_id: int, item_id: int):
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                                meeting_id=meeting_id)
    version = request.form.get("version")
    view = mtg.agenda_view(db, meeting)
    ids = [r.item.id for r in view.rows]
    if item_id not in ids:
        if _stale(db, meeting, version):
            return _agenda_conflict(meeting_id)
        raise NotFound("No such agenda item.")
    items = mtg.agenda_items_as_input(view)
    removed = items.pop(ids.index(item_id))
    if not confirmed():
        return ask("remove_item", **_remove_values(view.agenda, removed["title"]),
                   cancel_url=url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{item_id}"))
    try:
        mtg.put_agenda(session=db, actor=current_user, meeting_id=meeting_id, version=version, items=items)
    except Conflict:
        return _agenda_conflict(meeting_id)
    flash(f"Item removed: {removed['title']}.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor="agenda-items"))


@bp.route("/<int:meeting_id>/agenda/items/<int:item_id>/move", methods=["POST"])
@login_required
def move_item(meeting_id: int, item_id: int):
    db = get_session()
    meeting, _committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                                meeting_id=meeting_id)
    version, direction = request.form.get("version"), request.form.get("direction")
    try:
        view, index = mtg.move_agenda_item(session=db, actor=current_user, meeting_id=meeting_id, version=version,
                                           item_id=item_id, direction=direction or "")
    except NotFound:
        if direction in ("up", "down") and _stale(db, meeting, version):
            return _agenda_conflict(meeting_id)
        raise
    except Conflict:
        return _agenda_conflict(meeting_id)
    # Items get new ids when the agenda is saved: follow the moved one, so the page opens where it now is.
    moved = view.rows[max(0, min(index, len(view.rows) - 1))].item
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{moved.id}"))


@bp.route("/<int:meeting_id>/agenda/overdue", methods=["POST"])
@login_required
def add_overdue(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    try:
        view = mtg.add_overdue_review(session=db, actor=current_user, meeting_id=meeting_id,
                                      version=request.form.get("version"), today=_today())
    except Conflict:
        return _agenda_conflict(meeting_id)
    except ValidationFailed as err:
        return _render_agenda(meeting, committee, access, status=422,
                              overdue_error=" ".join(err.fields.values()) or err.message)
    flash("Added the review of overdue commitments at the end of the agenda.", "success")
    return redirect(url_for("meetings.agenda", meeting_id=meeting_id, _anchor=f"item-{view.rows[-1].item.id}"))


@bp.route("/<int:meeting_id>/agenda/publish", methods=["POST"])
@login_required
def publish(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                              meeting_id=meeting_id)
    form = PublishAgendaForm()
    form.validate_on_submit()
    if not confirmed():
        return ask("publish", **_publish_values(mtg.get_agenda(db, meeting)),
                   cancel_url=url_for("meetings.agenda", meeting_id=meeting_id, _anchor="publish"))
    try:
        mtg.publish_agenda(session=db, actor=current_user, meeting_id=meeting_id, clocks=_clocks(), today=_today(),
                           short_notice_reason=form.short_notice_reason.data or "")
    except ValidationFailed as err:
        apply_form_errors(form, err, mapping={"items": "-", "status": "-"})
        return _render_agenda(meeting, committee, access, publish_form=form, status=422)
    flash("Agenda published: the committee's members are notified in the platform and by email.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting_id))


# ---- attendance -------------------------------------------------------------------------------

@dataclass
class AttendanceRow:
    """One line of the attendance form: a person member, a member agency, or anyone else by name."""

    key: str
    kind: str  # person, agency, other
    label: str = ""
    role: str = ""
    user_id: int | None = None
    agency: str = ""
    name: str = ""
    status: str = ""
    represented_by: str = ""
    attendee_kind: str = "guest"


def _member_rows(db, committee) -> list[AttendanceRow]:
    roster = org.roster(session=db, committee_ids=[committee.id])[committee.id]
    rows = []
    for membership, user in roster.people:
        kind = {"dfo": "staff", "observer": "guest"}.get(membership.role, "member")
        rows.append(AttendanceRow(key=f"u{user.id}", kind="person", label=user.name, user_id=user.id,
                                  role=MEMBERSHIP_ROLE_LABELS.get(membership.role, membership.role),
                                  attendee_kind=kind))
    if committee.quorum_rule != "majority_members":
        for membership, agency in roster.agencies:
            rows.append(AttendanceRow(key=f"a{agency.id}", kind="agency", label=f"{agency.name} ({agency.acronym})",
                                      agency=agency.acronym, attendee_kind="member",
                                      role=MEMBERSHIP_ROLE_LABELS.get(membership.role, membership.role)))
    return rows


def _rows_from_saved(db, committee, saved) -> list[AttendanceRow]:
    rows = _member_rows(db, committee)
    acronyms = _agency_acronyms(db)
    by_key = {r.key: r for r in rows}
    others = []
    for entry in saved:
        acronym = acronyms.get(entry.agency_id, "")
        row = by_key.get(f"u{entry.user_id}") if entry.user_id else None
        if row is None and entry.user_id is None and entry.attendee_kind == "member":
            row = by_key.get(f"a{entry.agency_id}")
            if row is not None and row.status:
                row = None  # a second person for the same agency: listed with the others
        if row is not None and not row.status:
            row.status, row.represented_by = entry.status, entry.represented_by
            row.name = "" if row.kind == "agency" and entry.name == row.label else entry.name
            continue
        others.append(AttendanceRow(key=f"x{len(others)}", kind="other", user_id=entry.user_id, name=entry.name,
                                    agency=acronym, status=entry.status, represented_by=entry.represented_by,
                                    attendee_kind=entry.attendee_kind))
    return rows + others + [AttendanceRow(key=f"x{len(others) + n}", kind="other") for n in range(BLANK_ROWS)]


def _rows_from_form(db, committee, form) -> list[AttendanceRow]:
    rows = _member_rows(db, committee)
    for row in rows:
        row.status = form.get(f"{row.key}-status", "")
        row.represented_by = form.get(f"{row.key}-represented_by", "")
        if row.kind == "agency":
            row.name = form.get(f"{row.key}-name", "")
    count = min(parse_id(form.get("others", "")) or BLANK_ROWS, MAX_EXTRA_ROWS)
    for n in range(count):
        key = f"x{n}"
        rows.append(AttendanceRow(
            key=key, kind="other", user_id=parse_id(form.get(f"{key}-user_id", "")), name=form.get(f"{key}-name", ""),
            agency=form.get(f"{key}-agency", ""), status=form.get(f"{key}-status", "present"),
            represented_by=form.get(f"{key}-represented_by", ""), attendee_kind=form.get(f"{key}-kind", "guest")))
    return rows


def _entries(rows: list[AttendanceRow]) -> tuple[list[dict], list[str]]:
    """The service's entries from the rows that say something, and the row each entry came from."""
    entries, keys = [], []
    for row in rows:
        if row.kind == "other" and not row.name.strip():
            continue  # a blank line of the form
        if row.kind != "other" and not row.status:
            continue  # not recorded
        entry = {"status": row.status or "present", "represented_by": row.represented_by.strip(),
                 "attendee_kind": row.attendee_kind}
        if row.kind == "person":
            entry["user_id"] = row.user_id
        elif row.kind == "agency":
            # The representative's name when given; else the agency stands for itself.
            entry.update(name=row.name.strip() or row.label, agency=row.agency)
        else:
            entry.update(name=row.name.strip(), agency=row.agency or None)
            if row.user_id:
                entry["user_id"] = row.user_id
        entries.append(entry)
        keys.append(row.key)
    return entries, keys


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    can_plan = permissions.can_plan_meetings(current_user, access)
    errors: dict[tuple[str, str], str] = {}
    top_errors: list[str] = []
    status = 200
    if request.method == "POST":
        require(can_plan, PLANNING_HELP)
        rows = _rows_from_form(db, committee, request.form)
        entries, keys = _entries(rows)
        try:
            _saved, q = mtg.put_attendance(session=db, actor=current_user, meeting_id=meeting_id, entries=entries)
        except ValidationFailed as err:
            status = 422
            for name, message in err.fields.items():
                found = re.fullmatch(r"entries\[(\d+)\]\.(\w+)", name)
                if found and int(found.group(1)) < len(keys):
                    field = {"user_id": "name", "attendee_kind": "kind"}.get(found.group(2), found.group(2))
                    errors[(keys[int(found.group(1))], field)] = message
                else:
                    top_errors.append(message)
        else:
            flash(f"Attendance saved. {_quorum_text(q)}.", "success")
            return redirect(url_for("meetings.attendance", meeting_id=meeting_id))
    saved = mtg.attendance_of(db, meeting)
    not_yet = None
    try:
        mtg.require_attendance_day(meeting)
    except ValidationFailed as err:
        not_yet = err.fields["status"]
    if request.method == "GET":
        rows = _rows_from_saved(db, committee, saved) if can_plan else []
    return render_template(
        "meetings/attendance.html", meeting=meeting, committee=committee, can_plan=can_plan, rows=rows,
        errors=errors, top_errors=top_errors, saved=saved, quorum=mtg.quorum(db, committee, saved),
        acronyms=_agency_acronyms(db), agencies=org.list_agencies(session=db),
        statuses=ATTENDANCE_STATUSES, kinds=ATTENDEE_KINDS, not_yet=not_yet,
    ), status


# ---- the printable agenda and its PDF ----------------------------------------------------------

def _print_html(meeting_id: int, *, for_pdf: bool) -> tuple[str, object, object]:
    db = get_session()
    meeting, committee, _access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    html = render_template(
        "meetings/agenda_print.html", meeting=meeting, committee=committee, view=mtg.agenda_view(db, meeting),
        # The PDF reads the stylesheet from the static folder and links back to the platform in full.
        css_href="css/print.css" if for_pdf else url_for("static", filename="css/print.css"),
        link_base=current_app.config["PITF_BASE_URL"].rstrip("/") if for_pdf else "", for_pdf=for_pdf,
        printed_at=utcnow())
    return html, meeting, committee


@bp.route("/<int:meeting_id>/agenda/print")
@login_required
def agenda_print(meeting_id: int):
    html, _meeting, _committee = _print_html(meeting_id, for_pdf=False)
    return html


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "meeting"


@bp.route("/<int:meeting_id>/agenda.pdf")
@login_required
def agenda_pdf(meeting_id: int):
    html, meeting, committee = _print_html(meeting_id, for_pdf=True)
    pdf = render_pdf(html, base_url=current_app.static_folder)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    filename = f"agenda-{mtg.meeting_local_date(meeting).isoformat()}-{_slug(committee.short_name or committee.name)}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response

