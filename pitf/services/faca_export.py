"""The FACA Database export: a body's fiscal year as the CSV files GSA's Annual Comprehensive Review asks for.

A fiscal year runs from October 1 to September 30 (FY2026: 2025-10-01 to 2026-09-30); days are read on the
platform's calendar (PITF_TIMEZONE), a meeting's in its own time zone. What each file holds, and why a file
is empty, is said in the README.txt of the zip (``readme``), from the column help below.

- meetings: the body's meetings (and the joint meetings another body held with it) whose local start day falls
  in the year; cancelled meetings are left out.
- members: every membership that overlaps the year: appointed on or before its last day (or with no start
  recorded) and not ended before its first day.
- reports and recommendations: only the Advisory Council issues them on this platform. The year's
  recommendations are those that reached the secretariat (not drafts, not withdrawn) and were submitted in the
  year; an annual report is listed in the year its latest recommendation was submitted, dated that day.
  Fully implemented: closed as implemented. Partly implemented: not closed as implemented, with at least one
  commitment (an action item linked to an agency's current response) done.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    Committee,
    Meeting,
    Membership,
    Recommendation,
    RecommendationTarget,
    ResponseActionItem,
    User,
    utcnow,
)
from pitf.models.vocab import (
    APPOINTMENT_TYPE_LABELS,
    COMMITTEE_KIND_LABELS,
    MEETING_ACCESS_LABELS,
    MEMBER_ROLE_LABELS,
    PILLAR_LABELS,
    CommitteeKind,
    MeetingAccess,
)
from pitf.services import org
from pitf.services.csv_export import excel_safe
from pitf.services.meetings import is_over
from pitf.services.rec_reports import COUNCIL, NOT_REPORTED, _percent
from pitf.services.recommendations import POSITION_LABELS, STATUS_LABELS
from pitf.services.timeutil import local_date, to_local

YEAR_HINT = "Enter a fiscal year as four digits, e.g. 2026 (October 1, 2025 to September 30, 2026)."


def fiscal_year_of(day: date) -> int:
    """The federal fiscal year *day* falls in: October to December count toward the next calendar year."""
    return day.year + 1 if day.month >= 10 else day.year


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """The first and last day of *fiscal_year*."""
    return date(fiscal_year - 1, 10, 1), date(fiscal_year, 9, 30)


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


# ---- the files and their columns ------------------------------------------------------------------------

COMMITTEE_COLUMNS = {
    "fiscal_year": "The fiscal year exported, e.g. 2026.",
    "fiscal_year_start": "Its first day (October 1), YYYY-MM-DD.",
    "fiscal_year_end": "Its last day (September 30), YYYY-MM-DD.",
    "committee_id": "The body's id on the platform.",
    "committee_name": "The body's name.",
    "short_name": "Its short name, if any.",
    "kind": "Task force, operating group, committee, working group or advisory council.",
    "parent_body": "The body it sits under, if any.",
    "follows_faca": "Yes: the body follows FACA procedures (public notice, certified minutes).",
    "active": "Yes if the body is active today.",
    "description": "The body's description on the platform.",
    "meetings": "Rows of meetings.csv: meetings in the year, cancelled ones left out.",
    "members": "Rows of members.csv: members at any time in the year.",
    "reports": "Rows of reports.csv: advisory reports issued in the year.",
    "recommendations": "Rows of recommendations.csv: recommendations submitted in the year.",
    "recommendations_fully_implemented": "Of those, how many are closed as implemented.",
    "recommendations_partly_implemented": "Of those, how many are not closed as implemented but have at least "
                                          "one commitment (an action item of an agency's response) done.",
    "percent_fully_implemented": "Fully implemented as a whole percentage of the recommendations (a half rounds "
                                 "up); blank when there are none.",
    "percent_partly_implemented": "Partly implemented as a whole percentage, likewise.",
    "exported_on": "The day the file was made, YYYY-MM-DD: recommendations' statuses are as of that day.",
}
MEETING_COLUMNS = {
    "meeting_id": "The meeting's id on the platform.",
    "title": "The meeting's title.",
    "start_date": "The day it starts, in its own time zone, YYYY-MM-DD.",
    "start_time": "The time it starts, 24-hour HH:MM, in its own time zone.",
    "end_date": "The day it ends, YYYY-MM-DD.",
    "end_time": "The time it ends, HH:MM.",
    "time_zone": "The IANA time zone of the times, e.g. America/New_York.",
    "meeting_type": "Open, Closed, or Partially closed (open with a part closed to the public).",
    "purpose": "What the meeting is for.",
    "location": "Where it is held.",
    "virtual": "Yes if it has an online link.",
    "federal_register_notice_date": "The day its notice was published in the Federal Register, YYYY-MM-DD; "
                                    "blank when not recorded.",
    "federal_register_citation": "The notice's citation, e.g. 91 FR 12345; blank when not recorded.",
    "days_of_notice": "Calendar days from the notice to the meeting (15 are required; fewer needs a reason).",
    "short_notice_reason": "The reason recorded for a notice shorter than required.",
    "status": "Held (the meeting is over) or Scheduled (still to come).",
    "held_by": "The body that holds the meeting: this one, or the one it meets jointly.",
    "joint_with": "For a joint meeting, the other body.",
}
MEMBER_COLUMNS = {
    "membership_id": "The membership's id on the platform.",
    "member_name": "The person's name, or the agency's for an agency member.",
    "member_kind": "Person, or Agency (an agency sitting on the body).",
    "agency": "The agency's acronym: the person's agency, or the agency member itself.",
    "occupation_or_affiliation": "The person's title, or the agency's name.",
    "role": "Chair, Co-chair, Member, Observer or Designated federal officer.",
    "chair": "Yes for the chair and co-chairs.",
    "appointment_type": "Special government employee, Representative, Regular government employee or Ex "
                        "officio; blank when not recorded.",
    "appointment_start": "The day the appointment started, YYYY-MM-DD.",
    "appointment_end": "The last day of the appointment's term, YYYY-MM-DD; blank when not recorded.",
    "membership_ended_on": "The day the member left the body, YYYY-MM-DD; blank if still a member.",
    "member_at_year_end": "Yes if still a member on the year's last day (September 30).",
}
REPORT_COLUMNS = {
    "report_title": "The report's title.",
    "report_year": "The year the report covers.",
    "report_date": "The day its latest recommendation was submitted, YYYY-MM-DD.",
    "recommendations": "How many recommendations it holds (drafts and withdrawn ones are not in it).",
    "address": "Where the report is read on the platform.",
}
RECOMMENDATION_COLUMNS = {
    "number": "The recommendation's number, e.g. 2026-03.",
    "title": "Its title.",
    "pillar": "Prevention, Protection, Prosecution or Partnership.",
    "report_year": "The annual report it belongs to.",
    "submitted_on": "The day it was submitted to the secretariat, YYYY-MM-DD.",
    "priority": "Yes if flagged priority.",
    "status": "Today's status: Submitted, Under review, Open, Closed: implemented or Closed: not "
              "implemented.",
    "closed_on": "The day it was closed, YYYY-MM-DD; blank while not closed.",
    "agencies": "The agencies it is addressed to, by acronym, separated by semicolons.",
    "agency_positions": "Each agency's current position (Concur, Partially concur, Non-concur), e.g. "
                        "DOJ: Concur; HHS: Partially concur.",
    "implementation": "Fully implemented (closed as implemented), Partly implemented (at least one commitment "
                      "done), Not implemented (closed as not implemented) or Not yet implemented.",
}


@dataclass
class CsvFile:
    """One file of the zip: its columns with their help, its rows, and why it is empty when it is."""

    name: str
    title: str
    columns: dict[str, str]
    rows: list[list] = field(default_factory=list)
    empty_reason: str = ""

    def text(self) -> str:
        """The file as a spreadsheet opens it: a BOM, CRLF rows, every cell escaped as the other exports are."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(list(self.columns))
        for row in self.rows:
            writer.writerow([excel_safe(cell) for cell in row])
        return "\ufeff" + buf.getvalue()


@dataclass
class FacaExport:
    committee: Committee
    fiscal_year: int
    exported_on: date
    files: list[CsvFile]

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", (self.committee.short_name or self.committee.name).lower()).strip("-")
        return f"faca-{slug or 'committee'}-fy{self.fiscal_year}.zip"


# ---- what may be exported ---------------------------------------------------------------------------------

def _first_day(session: Session, committee: Committee) -> date:
    """The body's earliest trace: its creation on the platform, its first meeting or its first appointment."""
    assert committee.id is not None  # a stored body
    days = [local_date(committee.created_at, None)]
    first_meeting = session.execute(select(func.min(Meeting.starts_at)).where(
        or_(Meeting.committee_id == committee.id, Meeting.joint_with_committee_id == committee.id))).scalar()
    if first_meeting is not None:
        days.append(local_date(first_meeting, None) - timedelta(days=1))  # a meeting's own zone may be a day off
    first_member = session.execute(select(func.min(Membership.started_on)).where(
        Membership.committee_id == committee.id)).scalar()
    if first_member is not None:
        days.append(first_member)
    return min(days)


def fiscal_years(session: Session, committee: Committee, today: date) -> list[int]:
    """The fiscal years that may be exported, newest first: from the body's first to the current one."""
    current = fiscal_year_of(today)
    first = min(fiscal_year_of(_first_day(session, committee)), current)  # never empty, whatever the clock says
    return list(range(current, first - 1, -1))


def export_choices(*, session: Session, actor, committee_id: int, today: date) -> tuple[Committee, list[int]]:
    """The body and the fiscal years its export offers; 404 for no body, 403 for anyone but the committee
    management officer (administrators and the secretariat), ValidationFailed for a body outside FACA."""
    committee = org.get_committee(session=session, actor=actor, committee_id=committee_id)
    require(permissions.can_export_faca(actor),
            "Only the committee management officer (administrators and the secretariat) exports FACA data.")
    if not committee.follows_faca:
        raise ValidationFailed(
            f"{committee.name} does not follow FACA procedures, so it has no FACA Database export. An "
            "administrator can change that setting on the committee's page.",
            fields={"committee": "This body does not follow FACA procedures."})
    return committee, fiscal_years(session, committee, today)


def parse_fiscal_year(raw) -> int:
    text = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"(?:FY\s?)?[0-9]{4}", text, flags=re.IGNORECASE):
        raise ValidationFailed("That is not a fiscal year.", fields={"fiscal_year": YEAR_HINT})
    return int(text[-4:])


def get_export(*, session: Session, actor, committee_id: int, fiscal_year, today: date | None = None) -> FacaExport:
    """The body's FACA export for *fiscal_year* (text such as 2026), checked before anything is built: a
    malformed year, one still to come or one before the body existed is refused with ValidationFailed."""
    today = today or local_date(utcnow(), None)
    committee, years = export_choices(session=session, actor=actor, committee_id=committee_id, today=today)
    year = parse_fiscal_year(fiscal_year)
    if year > years[0]:
        raise ValidationFailed("That fiscal year has not begun.", fields={
            "fiscal_year": f"FY{year} has not begun: the current fiscal year is FY{years[0]}."})
    if year < years[-1]:
        raise ValidationFailed("The body did not exist yet.", fields={
            "fiscal_year": f"{committee.name} has no record before FY{years[-1]}: choose FY{years[-1]} or later."})
    return build_export(session, committee, year, today)


# ---- building the files -----------------------------------------------------------------------------------

def build_export(session: Session, committee: Committee, fiscal_year: int, today: date) -> FacaExport:
    """Every file of the export, read in full before anything is written (no partial file)."""
    first, last = fiscal_year_bounds(fiscal_year)
    span = f"from {first.isoformat()} to {last.isoformat()}"
    meetings = _meetings_file(session, committee, first, last, span)
    members = _members_file(session, committee, first, last, span)
    is_council = committee.kind == CommitteeKind.ADVISORY_COUNCIL
    none_here = (f"{committee.name} issues no advisory reports or recommendations on this platform: only the "
                 "Advisory Council's recommendations are tracked here.")
    if is_council:
        reports, recs = _reports_file(session, first, last, span), _recommendations_file(session, first, last, span)
    else:
        reports = CsvFile("reports.csv", "Advisory reports", REPORT_COLUMNS, empty_reason=none_here)
        recs = CsvFile("recommendations.csv", "Recommendations", RECOMMENDATION_COLUMNS, empty_reason=none_here)
    implementation = [row[-1] for row in recs.rows]
    fully, partly = implementation.count("Fully implemented"), implementation.count("Partly implemented")
    parent = session.get(Committee, committee.parent_id) if committee.parent_id else None
    summary = CsvFile("committee.csv", "The committee", COMMITTEE_COLUMNS, rows=[[
        fiscal_year, first, last, committee.id, committee.name, committee.short_name,
        COMMITTEE_KIND_LABELS.get(committee.kind, committee.kind), parent.name if parent else "",
        _yes(committee.follows_faca), _yes(committee.is_active), committee.description,
        len(meetings.rows), len(members.rows), len(reports.rows), len(recs.rows), fully, partly,
        _percent(fully, len(recs.rows)), _percent(partly, len(recs.rows)), today]])
    return FacaExport(committee, fiscal_year, today, [summary, meetings, members, reports, recs])


def _meetings_file(session: Session, committee: Committee, first: date, last: date, span: str) -> CsvFile:
    # A day of slack each side in UTC; the meeting's own calendar decides.
    rows = session.execute(
        select(Meeting).where(or_(Meeting.committee_id == committee.id,
                                  Meeting.joint_with_committee_id == committee.id),
                              Meeting.status != "cancelled",
                              Meeting.starts_at >= _utc_day(first - timedelta(days=1)),
                              Meeting.starts_at < _utc_day(last + timedelta(days=2)))
        .order_by(Meeting.starts_at, Meeting.id)).scalars().all()
    names = {c.id: c.name for c in org.list_committees(session=session, include_inactive=True)}
    out = CsvFile("meetings.csv", "Meetings", MEETING_COLUMNS,
                  empty_reason=f"{committee.name} held no meetings {span} (cancelled meetings are left out).")
    for m in rows:
        start, end = to_local(m.starts_at, m.timezone), to_local(m.ends_at, m.timezone)
        if not first <= start.date() <= last:
            continue
        access = (MeetingAccess.CLOSED if not m.is_open else MeetingAccess.PARTLY_CLOSED if m.partly_closed
                  else MeetingAccess.OPEN)
        notice = m.federal_register_notice_date
        other = m.joint_with_committee_id if m.committee_id == committee.id else m.committee_id
        out.rows.append([
            m.id, m.title, start.date(), start.strftime("%H:%M"), end.date(), end.strftime("%H:%M"), m.timezone,
            MEETING_ACCESS_LABELS[access], m.purpose, m.location, _yes(bool(m.virtual_url)), notice,
            m.federal_register_citation, (start.date() - notice).days if notice else "", m.short_notice_reason,
            "Held" if is_over(m) else "Scheduled", names.get(m.committee_id, ""),
            names.get(other, "") if other else ""])
    return out


def _utc_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _members_file(session: Session, committee: Committee, first: date, last: date, span: str) -> CsvFile:
    overlaps = [Membership.committee_id == committee.id,
                or_(Membership.started_on.is_(None), Membership.started_on <= last),
                or_(Membership.ended_on.is_(None), Membership.ended_on >= first)]
    people = session.execute(
        select(Membership, User, Agency).join(User, User.id == Membership.user_id)
        .outerjoin(Agency, Agency.id == User.agency_id).where(*overlaps)).all()
    agencies = session.execute(
        select(Membership, Agency).join(Agency, Agency.id == Membership.agency_id).where(*overlaps)).all()
    rows = []
    for m, u, a in people:
        rows.append((m, u.name, "Person", a.acronym if a else "", u.title))
    for m, a in agencies:
        rows.append((m, a.name, "Agency", a.acronym, a.name))
    role_order = {r: i for i, r in enumerate(MEMBER_ROLE_LABELS)}
    rows.sort(key=lambda r: (role_order.get(r[0].role, 9), r[2] != "Person", r[1].lower(), r[0].id))
    out = CsvFile("members.csv", "Members", MEMBER_COLUMNS,
                  empty_reason=f"{committee.name} had no members {span}.")
    for m, name, kind, acronym, affiliation in rows:
        out.rows.append([
            m.id, name, kind, acronym, affiliation, MEMBER_ROLE_LABELS.get(m.role, m.role),
            _yes(m.role in ("chair", "co_chair")), APPOINTMENT_TYPE_LABELS.get(m.appointment_type or "", ""),
            m.started_on, m.term_ends_on, m.ended_on, _yes(m.ended_on is None or m.ended_on >= last)])
    return out


def _submitted_in_year(first: date, last: date):
    """The reported recommendations submitted in the year (a day of slack each side; filtered by local day)."""
    return [Recommendation.status.not_in(NOT_REPORTED), Recommendation.submitted_at.is_not(None),
            Recommendation.submitted_at >= _utc_day(first - timedelta(days=1)),
            Recommendation.submitted_at < _utc_day(last + timedelta(days=2))]


def _reports_file(session: Session, first: date, last: date, span: str) -> CsvFile:
    from flask import has_request_context, url_for

    latest = session.execute(
        select(Recommendation.report_year, func.max(Recommendation.submitted_at), func.count())
        .where(Recommendation.status.not_in(NOT_REPORTED), Recommendation.submitted_at.is_not(None))
        .group_by(Recommendation.report_year).order_by(Recommendation.report_year)).all()
    out = CsvFile("reports.csv", "Advisory reports", REPORT_COLUMNS,
                  empty_reason=f"No annual report's latest recommendation was submitted {span}.")
    for year, submitted, count in latest:
        day = local_date(submitted, None)
        if first <= day <= last:
            address = url_for("rec_reports.report", year=year, _external=True) if has_request_context() else ""
            out.rows.append([f"{COUNCIL}: Annual Report {year}", year, day, count, address])
    return out


def _recommendations_file(session: Session, first: date, last: date, span: str) -> CsvFile:
    R = Recommendation
    recs = [r for r in session.execute(
        select(R.id, R.number, R.title, R.pillar, R.report_year, R.submitted_at, R.priority, R.status, R.closed_at)
        .where(*_submitted_in_year(first, last)).order_by(R.submitted_at, R.id)).all()
        if first <= local_date(r.submitted_at, None) <= last]
    out = CsvFile("recommendations.csv", "Recommendations", RECOMMENDATION_COLUMNS,
                  empty_reason=f"The Advisory Council submitted no recommendations {span}.")
    if not recs:
        return out
    ids = [r.id for r in recs]
    agencies: dict[int, list[str]] = {i: [] for i in ids}
    for rec_id, acronym in session.execute(
            select(RecommendationTarget.recommendation_id, Agency.acronym)
            .join(Agency, Agency.id == RecommendationTarget.agency_id)
            .where(RecommendationTarget.recommendation_id.in_(ids)).order_by(Agency.acronym)).all():
        agencies[rec_id].append(acronym)
    positions: dict[int, list[str]] = {i: [] for i in ids}
    for rec_id, acronym, position in session.execute(
            select(AgencyResponse.recommendation_id, Agency.acronym, AgencyResponse.position)
            .join(Agency, Agency.id == AgencyResponse.agency_id)
            .where(AgencyResponse.recommendation_id.in_(ids), AgencyResponse.is_current.is_(True))
            .order_by(Agency.acronym)).all():
        positions[rec_id].append(f"{acronym}: {POSITION_LABELS.get(position, position)}")
    with_done = set(session.execute(
        select(AgencyResponse.recommendation_id).distinct()
        .join(ResponseActionItem, ResponseActionItem.response_id == AgencyResponse.id)
        .join(ActionItem, ActionItem.id == ResponseActionItem.action_item_id)
        .where(AgencyResponse.recommendation_id.in_(ids), AgencyResponse.is_current.is_(True),
               ActionItem.status == "done")).scalars())
    for r in recs:
        if r.status == "closed_implemented":
            implementation = "Fully implemented"
        elif r.id in with_done:
            implementation = "Partly implemented"
        elif r.status == "closed_not_implemented":
            implementation = "Not implemented"
        else:
            implementation = "Not yet implemented"
        out.rows.append([
            r.number or "", r.title, PILLAR_LABELS.get(r.pillar, r.pillar), r.report_year,
            local_date(r.submitted_at, None), _yes(r.priority),
            STATUS_LABELS.get(r.status, r.status),
            local_date(r.closed_at, None) if r.closed_at else "", "; ".join(agencies[r.id]),
            "; ".join(positions[r.id]), implementation])
    return out


# ---- the zip ---------------------------------------------------------------------------------------------

def readme(export: FacaExport) -> str:
    """README.txt: what the export is, and each file's columns; an empty file says why it is empty."""
    first, last = fiscal_year_bounds(export.fiscal_year)
    lines = [f"FACA Database export: {export.committee.name}, fiscal year {export.fiscal_year}",
             f"({first.isoformat()} to {last.isoformat()}), made on {export.exported_on.isoformat()} by the PITF "
             "Coordination Platform.", "",
             "Each .csv file is UTF-8 with a byte-order mark, comma-separated, one header row, as GSA's FACA "
             "Database datasets are laid out: it opens in a spreadsheet as it is. Dates are YYYY-MM-DD. A cell "
             "that would start with = + - @ starts with an apostrophe (') so that a spreadsheet shows it as text "
             "and never runs it as a formula.", ""]
    for f in export.files:
        lines += [f"{f.name}: {f.title}", "-" * (len(f.name) + len(f.title) + 2)]
        if f.rows:
            lines.append(f"{len(f.rows)} row{'' if len(f.rows) == 1 else 's'}.")
        else:
            lines.append(f"This file has its header only: {f.empty_reason}")
        lines += [f"  {name}: {help_text}" for name, help_text in f.columns.items()] + [""]
    return "\r\n".join(lines)


def export_zip(export: FacaExport) -> bytes:
    """The whole zip, built in memory: the caller sends it only once it is complete."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", readme(export).encode("utf-8"))
        for f in export.files:
            zf.writestr(f.name, f.text().encode("utf-8"))
    return buf.getvalue()
