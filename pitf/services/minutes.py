"""Minutes: drafted, circulated for comment, approved (for a FACA body: certified by the chair), then locked.

A correction of approved minutes is a new revision with a reason; it goes through approval again while
the last approved revision stays the one people read. Every revision is kept.

ACTION lines in the minutes propose action items, for the secretariat to confirm:
    ACTION DOJ 2027-01-15: Share the draft screening protocol
(at the start of a line, optionally as a list item "- ACTION ..."; the agency by acronym, the due date
as YYYY-MM-DD, then a colon and the title).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.markdown import render_markdown
from pitf.models import (
    ActionItem,
    Agency,
    Attachment,
    Committee,
    Meeting,
    Minutes,
    MinutesAction,
    MinutesComment,
    MinutesRevision,
    User,
    utcnow,
)
from pitf.models.actions import PILLARS
from pitf.models.meetings import MinutesUpdate
from pitf.services import agendas, audit, visibility
from pitf.services import attendance as att
from pitf.services import meetings as mtg
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.notify import notify
from pitf.services.timeutil import to_local
from pitf.textutil import BadDate, parse_date

ACTION_LINE = re.compile(r"^\s*(?:[-*+]\s+)?ACTION\b(.*)$")
ACTION_PARTS = re.compile(r"^\s+([A-Za-z0-9]{2,16})\s+(\d{4}-\d{2}-\d{2})\s*:\s*(\S.*?)\s*$")


def certification_text(meeting_day: date) -> str:
    """The FACA chair's certification (DOMAIN.md)."""
    return ("I hereby certify that the minutes are an accurate and complete summary of the matters discussed "
            f"and conclusions reached at the meeting held on {meeting_day.strftime('%B %-d, %Y')}.")


# ---- reading ---------------------------------------------------------------------------------

def get_minutes(session: Session, meeting: Meeting) -> Minutes | None:
    return session.execute(select(Minutes).where(Minutes.meeting_id == meeting.id)).scalar_one_or_none()


def _ensure_minutes(session: Session, meeting: Meeting, actor) -> Minutes:
    minutes = get_minutes(session, meeting)
    if minutes is None:
        assert meeting.id is not None  # a stored meeting
        minutes = Minutes(meeting_id=meeting.id, status="draft", revision=1)
        session.add(minutes)
        session.flush()
        assert minutes.id is not None  # flushed
        session.add(MinutesRevision(minutes_id=minutes.id, revision=1, status="draft",
                                    created_by_id=getattr(actor, "id", None)))
        session.flush()
    return minutes


def _revision(session: Session, minutes: Minutes, number: int) -> MinutesRevision:
    return session.execute(select(MinutesRevision).where(MinutesRevision.minutes_id == minutes.id,
                                                         MinutesRevision.revision == number)).scalar_one()


@dataclass
class MinutesForReader:
    minutes: Minutes | None
    body_html: str
    body_md: str
    status: str  # what the reader sees: none, draft, circulated, approved
    revision: int | None
    approved: MinutesRevision | None
    working_differs: bool  # a correction is in progress beside the approved text


def minutes_for(session: Session, actor, meeting: Meeting, access) -> MinutesForReader:
    """What *actor* reads: planners see the working text; members see circulated text;
    everyone who may see the meeting reads the last approved revision."""
    minutes = get_minutes(session, meeting)
    if minutes is None:
        return MinutesForReader(None, "", "", "none", None, None, False)
    approved = _revision(session, minutes, minutes.approved_revision) if minutes.approved_revision else None
    planner = permissions.can_plan_meetings(actor, access)
    if planner or (minutes.status == "circulated" and permissions.can_comment_on_minutes(actor, access)):
        return MinutesForReader(minutes, minutes.body_html, minutes.body_md, minutes.status, minutes.revision,
                                approved, approved is not None and minutes.status != "approved")
    if approved is not None:
        return MinutesForReader(minutes, approved.body_html, approved.body_md, "approved", approved.revision,
                                approved, False)
    return MinutesForReader(minutes, "", "", "none", None, None, False)


def revisions(session: Session, minutes: Minutes) -> list[MinutesRevision]:
    return list(session.execute(select(MinutesRevision).where(MinutesRevision.minutes_id == minutes.id)
                                .order_by(MinutesRevision.revision)).scalars())


def comments(session: Session, minutes: Minutes) -> list[tuple[MinutesComment, str]]:
    return [tuple(r) for r in session.execute(
        select(MinutesComment, User.name).join(User, User.id == MinutesComment.author_id)
        .where(MinutesComment.minutes_id == minutes.id, MinutesComment.deleted_at.is_(None))
        .order_by(MinutesComment.created_at, MinutesComment.id)).all()]


@dataclass
class DiffLine:
    kind: str  # same, added, removed
    text: str


def diff_revisions(older: str, newer: str) -> list[DiffLine]:
    """A readable line diff of two revisions' Markdown."""
    lines = []
    for line in difflib.ndiff(older.splitlines(), newer.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        lines.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[tag], text))
    return lines


# ---- writing ---------------------------------------------------------------------------------

def skeleton(session: Session, meeting: Meeting, committee: Committee) -> str:
    """A starting text: place and time, attendance filled in, one heading per agenda item,
    documents received or issued (41 CFR 102-3.165)."""
    local = to_local(meeting.starts_at, meeting.timezone)
    end = to_local(meeting.ends_at, meeting.timezone)
    # A list, so each line of the header stays a line (single newlines would run them into one paragraph).
    out = [f"# Minutes: {meeting.title}", "",
           f"- **Body:** {committee.name}",
           f"- **Date and time:** {local.strftime('%A, %B %-d, %Y')}, "
           f"{local.strftime('%-I:%M %p')} to {end.strftime('%-I:%M %p %Z')}",
           f"- **Place:** {meeting.location or 'virtual'}"
           + (f" ({meeting.virtual_url})" if meeting.virtual_url else ""),
           f"- **Open to the public:** {'yes' if meeting.is_open else 'no'}", "", "## Present", ""]
    entries = att.attendance_of(session, meeting)
    agencies = {a.id: a.acronym for a in session.execute(select(Agency)).scalars()}
    groups = {"member": "Members", "staff": "Staff", "agency_employee": "Agency employees",
              "public_speaker": "Public speakers", "guest": "Guests"}
    for kind, label in groups.items():
        people = [e for e in entries if e.attendee_kind == kind and e.status != "absent"]
        if people:
            out.append(f"**{label}:** " + "; ".join(
                att.attendee_label(e.name, agencies.get(e.agency_id))
                + (f", represented by {e.represented_by}" if e.status == "represented" else "") for e in people))
            out.append("")
    absent = [att.attendee_label(e.name, agencies.get(e.agency_id)) for e in entries if e.status == "absent"]
    if absent:
        out += [f"**Absent:** {'; '.join(absent)}", ""]
    if not entries:
        out += ["Attendance has not been taken yet.", ""]
    out += ["## Matters discussed", ""]
    view = agendas.agenda_view(session, meeting)
    for n, row in enumerate(view.rows, 1):
        out += [f"### {n}. {row.item.title}", "", "Discussion:", "", "Resolution:", ""]
    if not view.rows:
        out += ["### 1. (first matter)", "", "Discussion:", "", "Resolution:", ""]
    docs = session.execute(select(Attachment).where(Attachment.meeting_id == meeting.id,
                                                    Attachment.deleted_at.is_(None))).scalars().all()
    out += ["## Documents received or issued", ""]
    out += [f"- {d.filename} ({d.kind})" for d in docs] or ["None."]
    out += ["", "## Action items", "",
            "<!-- One line per action: ACTION DOJ 2027-01-15: Share the draft screening protocol -->", ""]
    return "\n".join(out)


SKELETON_LABELS = re.compile(r"^\s*(\*\*)?(Discussion|Resolution)\s*:?\s*(\*\*)?\s*:?\s*$", re.IGNORECASE)


def is_unwritten_skeleton(body_md: str) -> bool:
    """Whether the text is still the skeleton as made: headings and empty "Discussion:"/"Resolution:" lines
    under "Matters discussed", nothing written about any matter."""
    lines = body_md.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == "## matters discussed")
    except StopIteration:
        return False
    for line in lines[start + 1:]:
        text = line.strip()
        if text.startswith("## "):
            break  # the next section: documents, action items
        if not text or text.startswith("#") or SKELETON_LABELS.match(text) or text == "(first matter)":
            continue
        return False
    return True


def _require_written(minutes: Minutes, step: str) -> None:
    if not minutes.body_md.strip():
        raise ValidationFailed("The minutes are empty.", fields={"body_md": "Write the minutes first."})
    if is_unwritten_skeleton(minutes.body_md):
        raise ValidationFailed("The minutes are still the skeleton.", fields={
            "body_md": f"The minutes are still the empty skeleton: write the discussion and resolution of each "
                       f"matter before they are {step}."})


def parse_action_lines(session: Session, body_md: str) -> list[dict]:
    """Every ACTION line, with its agency, due date and title, or the problem that stops it."""
    agencies = {a.acronym: a for a in session.execute(select(Agency)).scalars()}
    found = []
    in_comment = False
    for number, line in enumerate(body_md.splitlines(), 1):
        if "<!--" in line:
            in_comment = "-->" not in line
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        match = ACTION_LINE.match(line)
        if not match:
            continue
        key = hashlib.sha256(line.strip().encode()).hexdigest()[:32]
        entry = {"line_no": number, "line_key": key, "agency_id": None, "agency_text": "", "due_date": None,
                 "title": line.strip()[:300], "problem": ""}
        parts = ACTION_PARTS.match(match.group(1))
        if not parts:
            entry["problem"] = "Write it as: ACTION DOJ 2027-01-15: what is to be done"
        else:
            acronym, due, title = parts.group(1).upper(), parts.group(2), parts.group(3)
            entry.update(agency_text=acronym, title=title[:300])
            agency = agencies.get(acronym)
            if agency is None or not agency.is_active:
                entry["problem"] = f"No member agency has the acronym {acronym}."
            else:
                entry["agency_id"] = agency.id
            try:
                entry["due_date"] = parse_date(due)
            except BadDate as err:
                entry["problem"] = entry["problem"] or f"{due}: {err}"
        found.append(entry)
    return found


def _sync_actions(session: Session, minutes: Minutes) -> None:
    lines = {e["line_key"]: e for e in parse_action_lines(session, minutes.body_md)}
    existing = {a.line_key: a for a in session.execute(select(MinutesAction).where(
        MinutesAction.minutes_id == minutes.id)).scalars()}
    for key, action in existing.items():
        if key not in lines and action.state == "proposed":
            session.delete(action)  # the line is gone and nothing was made of it
    assert minutes.id is not None  # stored minutes
    for key, entry in lines.items():
        if key in existing:
            existing[key].line_no = entry["line_no"]
        else:
            session.add(MinutesAction(minutes_id=minutes.id, **entry))
    session.flush()


def save_minutes(*, session: Session, actor, meeting_id: int, changes: MinutesUpdate) -> Minutes:
    """Save the working text. Approved minutes are locked: a change needs a reason and becomes a new revision."""
    meeting, _committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    version, body_md = changes.version, changes.body_md
    minutes = get_minutes(session, meeting)
    if minutes is None:
        if version not in (None, "", 0, "0"):
            raise NotFound("These minutes do not exist yet.")
        minutes = _ensure_minutes(session, meeting, actor)
    else:
        check_version(minutes, version)
    reason = (changes.revision_reason or "").strip()
    html = render_markdown(body_md)
    assert minutes.id is not None  # stored minutes
    audited: dict[str, list] = {}
    if minutes.status == "approved":
        if not reason:
            raise ValidationFailed("Approved minutes are locked.", fields={
                "revision_reason": "Approved minutes are locked: give the reason for the correction. It becomes "
                                   "a new revision, approved again, while the approved one stays in force."})
        minutes.revision += 1
        session.add(MinutesRevision(minutes_id=minutes.id, revision=minutes.revision, status="draft", reason=reason,
                                    body_md=body_md, body_html=html, created_by_id=getattr(actor, "id", None)))
        audited = {"status": ["approved", "draft"], "revision": [minutes.revision - 1, minutes.revision]}
        minutes.status = "draft"
        action = "minutes.correction_started"
    else:
        rev = _revision(session, minutes, minutes.revision)
        rev.body_md, rev.body_html = body_md, html
        audited = {"body_md": [minutes.body_md[:200], body_md[:200]]}
        action = "minutes.saved"
    minutes.body_md, minutes.body_html = body_md, html
    minutes.updated_at = utcnow()
    flush_or_conflict(session, "meeting")
    _sync_actions(session, minutes)
    audit.record(session, actor=actor, action=action, obj=minutes, changes=audited)
    session.flush()
    return minutes


def circulate(*, session: Session, actor, meeting_id: int, version) -> Minutes:
    meeting, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    minutes = get_minutes(session, meeting)
    if minutes is None:
        raise NotFound("There are no minutes to circulate yet.")
    check_version(minutes, version)
    if minutes.status != "draft":
        raise _transition(minutes.status, "circulated")
    mtg.require_held(meeting, "its minutes are circulated")
    _require_written(minutes, "circulated")
    minutes.status = "circulated"
    minutes.circulated_at = utcnow()
    _revision(session, minutes, minutes.revision).status = "circulated"
    flush_or_conflict(session, "meeting")
    audit.record(session, actor=actor, action="minutes.circulated", obj=minutes,
                 changes={"status": ["draft", "circulated"]})
    notify(session, users=mtg.members_of(session, meeting.committee_id), kind="minutes_circulated",
           title=f"Minutes for comment: {meeting.title} ({committee.short_name or committee.name})",
           body="Read the draft minutes and leave your comments.", url=f"/meetings/{meeting.id}/minutes")
    return minutes


def _transition(current: str, wanted: str):
    from pitf.errors import InvalidTransition

    return InvalidTransition(f"Minutes that are {current} cannot become {wanted}.")


def add_comment(*, session: Session, actor, meeting_id: int, body_md: str) -> MinutesComment:
    meeting, _committee, access = mtg.get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    require(permissions.can_comment_on_minutes(actor, access), "Only the committee's members comment on its minutes.")
    minutes = get_minutes(session, meeting)
    if minutes is None or minutes.status != "circulated":
        raise ValidationFailed("Not open for comment.", fields={"body_md": "Minutes take comments while circulated."})
    text = (body_md or "").strip()
    if not text:
        raise ValidationFailed("Empty comment.", fields={"body_md": "Write your comment."})
    if len(text) > 20_000:
        raise ValidationFailed("Too long.", fields={"body_md": "Use at most 20,000 characters."})
    assert minutes.id is not None  # stored minutes
    comment = MinutesComment(minutes_id=minutes.id, revision=minutes.revision, author_id=actor.id, body_md=text,
                             body_html=render_markdown(text))
    session.add(comment)
    session.flush()
    audit.record(session, actor=actor, action="minutes.commented", obj=comment, changes={"body_md": [None, text[:200]]})
    return comment


def approve(*, session: Session, actor, meeting_id: int, version) -> Minutes:
    """Approve circulated minutes; for a FACA body this is the chair's certification."""
    meeting, committee, access = mtg.get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    if not permissions.can_approve_minutes(actor, committee, access):
        require(False, "Only the chair certifies the minutes of a body under FACA." if committee.follows_faca
                else "Only the chair or the secretariat approves minutes.")
    minutes = get_minutes(session, meeting)
    if minutes is None:
        raise NotFound("There are no minutes to approve yet.")
    check_version(minutes, version)
    if minutes.status != "circulated":
        raise _transition(minutes.status, "approved")
    step = "certified" if committee.follows_faca else "approved"
    mtg.require_held(meeting, f"its minutes are {step}")
    _require_written(minutes, step)
    now = utcnow()
    rev = _revision(session, minutes, minutes.revision)
    rev.status, rev.approved_by_id, rev.approved_at = "approved", actor.id, now
    if committee.follows_faca:
        rev.certification_text = certification_text(mtg.meeting_local_date(meeting))
    minutes.status, minutes.approved_at, minutes.approved_by_id = "approved", now, actor.id
    minutes.approved_revision = minutes.revision
    flush_or_conflict(session, "meeting")
    audit.record(session, actor=actor, action="minutes.certified" if committee.follows_faca else "minutes.approved",
                 obj=minutes, changes={"status": ["circulated", "approved"], "revision": [None, minutes.revision]})
    return minutes


def confirm_action(*, session: Session, actor, meeting_id: int, action_id: int, pillar: str = "partnership",
                   title: str | None = None) -> ActionItem:
    """Turn an ACTION line into an action item of the meeting's committee, linked back to the meeting."""
    from pitf.services.actions import create_action_item

    meeting, committee, _ = mtg.get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    require(permissions.can_confirm_minutes_actions(actor), "Only the secretariat confirms action items.")
    minutes = get_minutes(session, meeting)
    action = session.get(MinutesAction, action_id)
    if minutes is None or action is None or action.minutes_id != minutes.id:
        raise NotFound("No such proposed action.")
    if action.state != "proposed":
        raise ValidationFailed("Already handled.", fields={"action": f"This action is already {action.state}."})
    if action.problem:
        raise ValidationFailed("Fix the line first.", fields={"action": action.problem})
    mtg.require_held(meeting, "the actions its minutes record are confirmed")
    if pillar not in PILLARS:
        raise ValidationFailed("Choose a pillar.", fields={"pillar": f"Choose one of {', '.join(PILLARS)}."})
    assert action.agency_id is not None  # a line with no problem names its agency
    agency = session.get_one(Agency, action.agency_id)
    item = create_action_item(session=session, actor=actor, data={
        "title": (title or action.title).strip(), "description_md": _from_minutes(meeting),
        "committee_id": committee.id, "lead_agency": agency.acronym, "supporting_agencies": [],
        "due_date": action.due_date, "pillar": pillar, "priority": "normal", "meeting_id": meeting.id})
    action.state, action.action_item_id, action.confirmed_by_id = "confirmed", item.id, actor.id
    audit.record(session, actor=actor, action="minutes.action_confirmed", obj=action,
                 changes={"action_item_id": [None, item.id]})
    session.flush()
    return item


def _from_minutes(meeting: Meeting) -> str:
    """The new item's description. Every signed-in user reads action items: a closed meeting is not named
    (its members follow the item's link to the meeting, which only they can open)."""
    return f"From the minutes of {meeting.title}." if meeting.is_open else "From the minutes of a closed meeting."


def dismiss_action(*, session: Session, actor, meeting_id: int, action_id: int) -> MinutesAction:
    meeting, _c, _a = mtg.get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    require(permissions.can_confirm_minutes_actions(actor), "Only the secretariat handles proposed actions.")
    minutes = get_minutes(session, meeting)
    action = session.get(MinutesAction, action_id)
    if minutes is None or action is None or action.minutes_id != minutes.id:
        raise NotFound("No such proposed action.")
    if action.state == "proposed":
        action.state = "dismissed"
        audit.record(session, actor=actor, action="minutes.action_dismissed", obj=action,
                     changes={"state": ["proposed", "dismissed"]})
        session.flush()
    return action


def proposed_actions(session: Session, minutes: Minutes | None) -> list[tuple[MinutesAction, str | None]]:
    if minutes is None:
        return []
    return [tuple(r) for r in session.execute(
        select(MinutesAction, Agency.acronym).join(Agency, Agency.id == MinutesAction.agency_id, isouter=True)
        .where(MinutesAction.minutes_id == minutes.id).order_by(MinutesAction.line_no)).all()]


def mail_minutes(*, session: Session, actor, meeting_id: int) -> int:
    """Email the approved minutes and the meeting's action items to the participants (into the outbox).
    Each approved revision is mailed to a person once, however often the button is pressed."""
    meeting, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    minutes = get_minutes(session, meeting)
    if minutes is None or minutes.approved_revision is None:
        raise ValidationFailed("Not approved.", fields={"status": "Only approved minutes are mailed."})
    rev = _revision(session, minutes, minutes.approved_revision)
    items = session.execute(select(ActionItem.title, Agency.acronym, ActionItem.due_date)
                            .join(Agency, Agency.id == ActionItem.lead_agency_id)
                            .where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.due_date)).all()
    attendee_ids = {a.user_id for a in att.attendance_of(session, meeting) if a.user_id}
    people = {u.id: u for u in mtg.members_of(session, meeting.committee_id)}
    for uid in attendee_ids - set(people):
        user = session.get(User, uid)
        if user is not None and visibility.can_see(session, user, meeting):  # a guest at a closed meeting: no
            people[uid] = user
    listing = "\n".join(f"- {t} ({a}, due {d.isoformat()})" for t, a, d in items) or "None."
    body = f"{rev.body_md}\n\nAction items from this meeting:\n{listing}"
    if rev.certification_text:
        body += f"\n\n{rev.certification_text}"
    sent = notify(session, users=people.values(), kind="minutes_mailed",
                  title=f"Approved minutes: {meeting.title} ({committee.short_name or committee.name})", body=body,
                  url=f"/meetings/{meeting.id}/minutes", dedup_key=f"minutes:{minutes.id}:{rev.revision}",
                  skip_existing=True)
    audit.record(session, actor=actor, action="minutes.mailed", obj=minutes,
                 changes={"recipients": [None, len(sent)], "revision": [None, rev.revision]})
    session.flush()
    return len(sent)


# ---- what a reader may see of the history --------------------------------------------------------

def visible_revisions(session: Session, actor, minutes: Minutes, access) -> list[MinutesRevision]:
    """The revisions *actor* may read: planners every one; others the approved ones, and members who comment
    also the revision circulated to them (a correction's draft stays with the planners)."""
    every = revisions(session, minutes)
    if permissions.can_plan_meetings(actor, access):
        return every
    commenter = permissions.can_comment_on_minutes(actor, access)
    return [r for r in every if r.status == "approved"
            or (commenter and r.status == "circulated" and r.revision == minutes.revision)]
