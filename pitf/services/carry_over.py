"""Open work carried into the next meeting: what a meeting's agenda hands on (its continued and not reached items,
its standing items, and one item listing the action items born in it that are still open), proposed before the
next meeting is saved, and written into the new agenda with the meeting, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.errors import ValidationFailed
from pitf.markdown import render_markdown
from pitf.models import ActionItem, Agency, Agenda, AgendaItem, Meeting
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.meetings import AgendaItemBase
from pitf.models.vocab import ACTION_STATUS_LABELS, CARRIED_OUTCOMES, AgendaOutcome
from pitf.services import audit, visibility
from pitf.services import meetings as mtg
from pitf.services.timeutil import to_local
from pitf.validation import max_length

COMMITMENTS_KEY = "open-commitments"
# carried: continued or not reached at the meeting; standing: no outcome recorded (copied as the agenda always
# was, e.g. "Welcome"); commitments: the one item listing the open action items born in the meeting.
KINDS = ("carried", "standing", "commitments")
_TITLE_MOST = max_length(AgendaItemBase, "title") or 300


@dataclass(frozen=True)
class OpenCommitment:
    """An action item born in the meeting and still open, as the commitments item lists it."""

    id: int
    title: str
    lead_agency: str
    due_date: date
    status: str


@dataclass(frozen=True)
class CarryEntry:
    """One item the next meeting's agenda may start with; *key* names it in the form's and the API's choice."""

    key: str
    kind: str
    title: str
    presenter: str
    duration_minutes: int
    notes_md: str
    outcome: str | None = None  # of the item at the meeting it comes from
    source_item: AgendaItem | None = None
    commitments: list[OpenCommitment] = field(default_factory=list)


def _day(meeting: Meeting) -> str:
    return to_local(meeting.starts_at, meeting.timezone).strftime("%B %-d, %Y")


def open_commitments(session: Session, actor, meeting: Meeting) -> list[OpenCommitment]:
    """The action items born in *meeting* that are still open (not done, not cancelled) and *actor* may see,
    by due date."""
    rows = session.execute(
        select(ActionItem, Agency.acronym).join(Agency, Agency.id == ActionItem.lead_agency_id)
        .where(ActionItem.meeting_id == meeting.id, ActionItem.status.not_in(CLOSED_STATUSES))
        .order_by(ActionItem.due_date, ActionItem.id)).all()
    return [OpenCommitment(item.id, item.title, acronym, item.due_date, item.status)
            for item, acronym in rows if item.id is not None and visibility.can_see(session, actor, item)]


def commitments_notes(meeting: Meeting, commitments: Sequence[OpenCommitment]) -> str:
    """The commitments item's description, in Markdown with links: each item's title, lead agency and due date."""
    lines = [f"Action items born in [{_escape(meeting.title)}](/meetings/{meeting.id}) ({_day(meeting)}) that "
             "are still open:", ""]
    lines += [f"- [{_escape(c.title)}](/action-items/{c.id}): lead {c.lead_agency}, due {c.due_date.isoformat()} "
              f"({ACTION_STATUS_LABELS.get(c.status, c.status).lower()})" for c in commitments]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """A title as a link's text: the brackets that would end it escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def proposal(session: Session, actor, meeting: Meeting) -> list[CarryEntry]:
    """What the next meeting's agenda would start with, in order: the agenda's continued, not reached and
    standing items (those discussed stay behind), then the open commitments item (when any is open)."""
    entries = []
    agenda = session.execute(select(Agenda).where(Agenda.meeting_id == meeting.id)).scalar_one_or_none()
    if agenda is not None:
        for item in session.execute(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id)
                                    .order_by(AgendaItem.position, AgendaItem.id)).scalars():
            if item.outcome == AgendaOutcome.DISCUSSED:
                continue
            entries.append(CarryEntry(
                key=f"item-{item.id}", kind="carried" if item.outcome in CARRIED_OUTCOMES else "standing",
                title=item.title, presenter=item.presenter, duration_minutes=item.duration_minutes,
                notes_md=item.notes_md, outcome=item.outcome, source_item=item))
    if commitments := open_commitments(session, actor, meeting):
        title = f"Open commitments from {meeting.title}"
        entries.append(CarryEntry(
            key=COMMITMENTS_KEY, kind="commitments",
            title=title if len(title) <= _TITLE_MOST else title[:_TITLE_MOST - 1] + "…",
            presenter="Secretariat", duration_minutes=max(10, min(60, 5 * len(commitments))),
            notes_md=commitments_notes(meeting, commitments), commitments=commitments))
    return entries


def carry_proposal(*, session: Session, actor, meeting_id: int) -> tuple[Meeting, list[CarryEntry]]:
    """The meeting (404 unless *actor* may see it, 403 unless they plan its body's meetings) and its proposal."""
    meeting, _committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    return meeting, proposal(session, actor, meeting)


def chosen_entries(entries: Sequence[CarryEntry], keys: Sequence[str] | None) -> list[CarryEntry]:
    """The entries named by *keys* (None: every one), or ValidationFailed naming a key the proposal lacks (the
    agenda changed since it was read)."""
    if keys is None:
        return list(entries)
    known = {e.key for e in entries}
    if unknown := [k for k in keys if k not in known]:
        raise ValidationFailed("The agenda of the meeting copied changed.", fields={
            "carry": f"Not among what this meeting brings: {', '.join(unknown)}. Its agenda or its action items "
                     "changed since you read them: look at the list again and choose."})
    wanted = set(keys)
    return [e for e in entries if e.key in wanted]


def write_entries(session: Session, actor, *, source: Meeting, target: Meeting,
                  entries: Sequence[CarryEntry]) -> None:
    """Add *entries* to the end of *target*'s agenda (unpublished), the carried ones marked as coming from
    *source*; audited on the new agenda."""
    agenda = session.execute(select(Agenda).where(Agenda.meeting_id == target.id)).scalar_one()
    assert agenda.id is not None  # read from the database
    position = len(session.execute(select(AgendaItem.id).where(AgendaItem.agenda_id == agenda.id)).all())
    for entry in entries:
        item = entry.source_item
        if item is not None:  # a copy of the item, without the outcome it had at its meeting
            session.add(AgendaItem(
                agenda_id=agenda.id, position=position, title=item.title, presenter=item.presenter,
                presenter_user_id=item.presenter_user_id, presenter_agency_id=item.presenter_agency_id,
                duration_minutes=item.duration_minutes, notes_md=item.notes_md, notes_html=item.notes_html,
                action_item_id=item.action_item_id, recommendation_id=item.recommendation_id,
                carried_from_meeting_id=source.id if entry.kind == "carried" else item.carried_from_meeting_id))
        else:
            session.add(AgendaItem(agenda_id=agenda.id, position=position, title=entry.title,
                                   presenter=entry.presenter, duration_minutes=entry.duration_minutes,
                                   notes_md=entry.notes_md, notes_html=render_markdown(entry.notes_md),
                                   carried_from_meeting_id=source.id))
        position += 1
    if entries:
        audit.record(session, actor=actor, action="agenda.carried_over", obj=agenda, changes={
            "carried_from": [None, source.id],
            "items": [None, [f"{e.title} ({e.kind})" for e in entries]]})
    session.flush()
