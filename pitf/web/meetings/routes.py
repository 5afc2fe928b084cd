"""Meeting pages: the list, one meeting, and the planner's forms to schedule, edit, cancel and copy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed, require
from pitf.models import utcnow
from pitf.models.meetings import MeetingCancel, MeetingCopy, MeetingCreate, MeetingSeriesPlan
from pitf.models.vocab import AGENDA_OUTCOME_LABELS
from pitf.services import agendas, carry_over, meeting_series, org
from pitf.services import attendance as att
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as minutes_service
from pitf.services.timeutil import to_local
from pitf.settings import platform_timezone
from pitf.textutil import BadDate, parse_date, parse_id, parse_time
from pitf.validation import validate
from pitf.web.account.forms import zone_choices
from pitf.web.choices import options
from pitf.web.form_errors import apply_form_errors
from pitf.web.list_page import read_list
from pitf.web.meetings import agenda_routes, attendance_routes  # noqa: F401  (their pages register on bp)
from pitf.web.meetings.common import PLANNING_HELP, agency_acronyms, bp, settings_clocks
from pitf.web.meetings.forms import CancelMeetingForm, CopyMeetingForm, EditMeetingForm, NewMeetingForm

PER_PAGE = 50
WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All"}
FILTER_ARGS = ("committee_id", "from", "to", "status", "q")
# Service field names -> the form fields that show them ("-": at the top of the form).
MEETING_FIELDS = {"starts_at": "start_time", "ends_at": "end_time", "is_open": "access", "partly_closed": "access",
                  "rule": "repeat",
                  "version": "-", "status": "-"}


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
        published=agendas.published_agenda_ids(db, [m.id for m, _c in rows]),
        approved=mtg.approved_minutes_ids(db, [m.id for m, _c in rows]),
        committees=org.list_committees(session=db, include_inactive=True),
        can_schedule=bool(mtg.plannable_committees(db, current_user)),
    ), listed.status


# ---- one meeting -----------------------------------------------------------------------------

@bp.route("/<int:meeting_id>", endpoint="meeting")
@login_required
def meeting_page(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    minutes = minutes_service.get_minutes(db, meeting)
    certified = minutes is not None and minutes.approved_revision is not None
    attendance = att.attendance_of(db, meeting)
    joint = (org.get_committee(session=db, actor=current_user, committee_id=meeting.joint_with_committee_id)
             if meeting.joint_with_committee_id else None)
    return render_template(
        "meetings/meeting.html", meeting=meeting, committee=committee, joint=joint,
        can_plan=permissions.can_plan_meetings(current_user, access),
        clocks=fc.federal_clocks(session=db, meeting=meeting, committee=committee, clocks=settings_clocks(),
                                 today=fc.federal_today(), minutes_certified=certified),
        settings=settings_clocks(), view=agendas.agenda_view(db, meeting), attendance=attendance,
        can_cancel=mtg.may_be_cancelled(db, meeting),
        attendance_open=bool(attendance) or att.attendance_day_reached(meeting),
        quorum=att.quorum(db, committee, attendance), acronyms=agency_acronyms(), minutes=minutes,
        viewer_zone_differs=getattr(current_user, "timezone", platform_timezone()) != meeting.timezone,
    )


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
    return (datetime.combine(day, start).isoformat() if start else None,
            datetime.combine(day, end).isoformat() if end else None)


def _meeting_data(form) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's input in the model family's words (MeetingCreate, MeetingUpdate), with the errors found
    reading it."""
    errors: dict[str, str] = {}
    starts_at, ends_at = _parse_local(form, errors)
    data = {
        "title": form.title.data or "", "starts_at": starts_at, "ends_at": ends_at,
        "timezone": form.timezone.data or platform_timezone(), "location": form.location.data or "",
        "virtual_url": (form.virtual_url.data or "").strip(), "is_open": form.access.data != "closed",
        "partly_closed": form.access.data == "partly_closed", "purpose": form.purpose.data or "",
        "federal_register_notice_date": (form.federal_register_notice_date.data or "").strip() or None,
        "federal_register_citation": form.federal_register_citation.data or "",
        # An id from the list; anything else names no committee (0), for the service to refuse by name.
        "joint_with_committee_id": (parse_id(form.joint_with_committee_id.data) or 0)
        if (form.joint_with_committee_id.data or "").strip() else None,
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


def _version(raw: str | None) -> int | str | None:
    """The version a form read: a whole number, or the text as typed (refused by name), or None if blank."""
    raw = (raw or "").strip()
    return (parse_id(raw) or raw) if raw else None


def _int_field(raw, default: int) -> int | str:
    """A whole number typed in a form, or the text as typed (the service refuses it by name)."""
    raw = (raw or "").strip()
    return default if not raw else (parse_id(raw) or raw)


def _new_meetings(db, form: NewMeetingForm,
                  data: dict[str, Any]) -> tuple[MeetingCreate, MeetingSeriesPlan | None]:
    """The meeting typed and, for a series, how it repeats; ValidationFailed naming every problem of both."""
    rule = form.repeat.data or "none"
    errors: dict[str, str] = {}
    meeting_in = plan = None
    try:
        meeting_in = mtg.read_meeting(db, data)
    except ValidationFailed as err:
        errors.update(err.fields)
    if rule != "none":
        try:
            plan = validate(MeetingSeriesPlan, {"rule": rule, "count": _int_field(form.count.data, 4),
                                                "interval": _int_field(form.interval.data, 1)})
        except ValidationFailed as err:
            errors.update(err.fields)
    if errors or meeting_in is None:
        raise ValidationFailed("Check the fields marked below.", fields=errors)
    return meeting_in, plan


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
        try:
            # Read even when the form already found errors: every other field's problem is then named too.
            # (It always refuses then: a missing start or end time is never valid.)
            meeting_in, plan = _new_meetings(db, form, data)
            if plan is None:
                created = [mtg.create_meeting(session=db, actor=current_user, meeting_in=meeting_in)]
            else:
                created = meeting_series.create_series(session=db, actor=current_user, meeting_in=meeting_in,
                                                       plan=plan)
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
    form.access.data = ("closed" if not meeting.is_open else "partly_closed" if meeting.partly_closed
                        else "open")
    form.purpose.data = meeting.purpose
    form.federal_register_citation.data = meeting.federal_register_citation
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
            meeting_in = mtg.read_meeting_update(db, {**data, "version": _version(form.version.data)},
                                                 current=meeting)
            mtg.update_meeting(session=db, actor=current_user, meeting_id=meeting_id, meeting_in=meeting_in)
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
            cancel_in = validate(MeetingCancel, {"version": _version(form.version.data),
                                                 "cancel_reason": form.reason.data})
            mtg.cancel_meeting(session=db, actor=current_user, meeting_id=meeting_id, cancel_in=cancel_in)
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


@bp.route("/<int:meeting_id>/copy", methods=["GET", "POST"])
@login_required
def copy(meeting_id: int):
    db = get_session()
    meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                               meeting_id=meeting_id)
    form = CopyMeetingForm()
    suggested = meeting_series.next_meeting(db, meeting, committee)
    months = suggested.months
    # What the new agenda may start with, each ticked unless unticked in the form sent (nothing is made yet).
    proposed = carry_over.proposal(db, current_user, meeting)
    # A form that showed the list says so; a client that never saw it (an old page) brings everything.
    ticked = request.form.getlist("carry") if request.form.get("carry_shown") else None

    def shown(status: int = 200):
        keys = ticked if ticked is not None else [e.key for e in proposed]
        return render_template("meetings/copy.html", form=form, meeting=meeting, committee=committee, months=months,
                               proposed=proposed, outcome_labels=AGENDA_OUTCOME_LABELS, ticked=set(keys)), status

    if request.method == "GET":
        form.title.data = meeting.title
        form.date.data = suggested.day.isoformat()
        form.start_time.data = suggested.starts_at.strftime("%H:%M")
        form.end_time.data = suggested.ends_at.strftime("%H:%M")
        return shown()
    if form.validate_on_submit():
        local: dict[str, str] = {}
        starts_at, ends_at = _parse_local(form, local)
        try:
            if local:
                raise ValidationFailed("Check the fields marked below.", fields=local)
            copy_in = validate(MeetingCopy, {"starts_at": starts_at, "ends_at": ends_at, "title": form.title.data,
                                             "carry": ticked})
            created = meeting_series.copy_meeting(session=db, actor=current_user, meeting_id=meeting_id,
                                                  copy_in=copy_in)
        except ValidationFailed as err:
            apply_form_errors(form, err, mapping={**MEETING_FIELDS, "carry": "-"})
        else:
            carried = len(ticked) if ticked is not None else len(proposed)
            flash(f"Next meeting planned: place and length came along, and {carried} agenda item"
                  f"{'s' if carried != 1 else ''} (not yet published).", "success")
            return redirect(url_for("meetings.meeting", meeting_id=created.id))
    return shown(422)
