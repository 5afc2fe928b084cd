"""The attendance page: the committee's members and anyone else by name, and the quorum."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import ValidationFailed, require
from pitf.models.meetings import ATTENDANCE_STATUSES, ATTENDEE_KINDS
from pitf.models.org import MEMBERSHIP_ROLE_LABELS
from pitf.services import attendance as att
from pitf.services import meetings as mtg
from pitf.services import org
from pitf.textutil import parse_id
from pitf.web.meetings.common import PLANNING_HELP, agency_acronyms, bp, quorum_text

BLANK_ROWS = 5
MAX_EXTRA_ROWS = 200


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
    acronyms = agency_acronyms()
    by_key = {r.key: r for r in rows}
    others: list[AttendanceRow] = []
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


def _entries(rows: list[AttendanceRow]) -> tuple[list[dict[str, Any]], list[str]]:
    """The entries (in AttendanceEntryInput's words) of the rows that say something, and the row each came
    from."""
    entries: list[dict[str, Any]] = []
    keys: list[str] = []
    for row in rows:
        if row.kind == "other" and not row.name.strip():
            continue  # a blank line of the form
        if row.kind != "other" and not row.status:
            continue  # not recorded
        entry: dict[str, Any] = {"status": row.status or "present", "represented_by": row.represented_by.strip(),
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
            if entries:  # the meeting's day first, then the entries
                att.require_attendance_day(meeting)
            checked = att.read_entries(db, entries)
            _saved, q = att.put_attendance(session=db, actor=current_user, meeting_id=meeting_id, entries=checked)
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
            flash(f"Attendance saved. {quorum_text(q)}.", "success")
            return redirect(url_for("meetings.attendance", meeting_id=meeting_id))
    saved = att.attendance_of(db, meeting)
    not_yet = None
    try:
        att.require_attendance_day(meeting)
    except ValidationFailed as err:
        not_yet = err.fields["status"]
    if request.method == "GET":
        rows = _rows_from_saved(db, committee, saved) if can_plan else []
    return render_template(
        "meetings/attendance.html", meeting=meeting, committee=committee, can_plan=can_plan, rows=rows,
        errors=errors, top_errors=top_errors, saved=saved, quorum=att.quorum(db, committee, saved),
        acronyms=agency_acronyms(), agencies=org.list_agencies(session=db),
        statuses=ATTENDANCE_STATUSES, kinds=ATTENDEE_KINDS, not_yet=not_yet,
    ), status
