"""Agendas: the ordered items with their computed times, editing and reordering them, the review of overdue
commitments, and publishing to the members (with the FACA short-notice reason)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pitf.errors import NotFound, ValidationFailed
from pitf.markdown import render_markdown
from pitf.models import ActionItem, Agency, Agenda, AgendaItem, Meeting, Recommendation, utcnow
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.agendas import MAX_AGENDA_ITEMS, AgendaItemInput, AgendaItemOutcomeUpdate, read_entries
from pitf.models.meetings import AgendaItemBase, MeetingBase
from pitf.models.vocab import AGENDA_OUTCOME_LABELS, AgendaOutcome
from pitf.services import agenda_links, audit
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.notify import notify
from pitf.services.timeutil import to_local
from pitf.validation import check_entries, max_length, validate


@dataclass
class AgendaRow:
    item: AgendaItem
    starts_at: datetime
    presenter_agency: str | None
    action_item_title: str | None
    recommendation_label: str | None
    carried_from_label: str | None = None  # the title and day of the meeting a carried item came from


@dataclass
class AgendaView:
    agenda: Agenda
    rows: list[AgendaRow]
    ends_at: datetime
    overruns: bool
    overrun_minutes: int


def published_agenda_ids(session: Session, meeting_ids) -> set[int]:
    """Which of these meetings have a published agenda (one query for a whole page of meetings)."""
    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(session.execute(select(Agenda.meeting_id).where(
        Agenda.meeting_id.in_(ids), Agenda.published_at.is_not(None))).scalars())


def get_agenda(session: Session, meeting: Meeting) -> Agenda:
    agenda = session.execute(select(Agenda).where(Agenda.meeting_id == meeting.id)).scalar_one_or_none()
    if agenda is None:
        assert meeting.id is not None  # a stored meeting
        agenda = Agenda(meeting_id=meeting.id)
        session.add(agenda)
        session.flush()
    return agenda


def agenda_view(session: Session, meeting: Meeting) -> AgendaView:
    """The ordered items with each one's computed start, and whether the agenda runs past the end."""
    agenda = get_agenda(session, meeting)
    source = aliased(Meeting)
    rows = session.execute(
        select(AgendaItem, Agency.acronym.label("presenter_agency"), ActionItem.title.label("action_item_title"),
               Recommendation.number.label("rec_number"), Recommendation.title.label("rec_title"),
               source.title.label("source_title"), source.starts_at.label("source_starts"),
               source.timezone.label("source_zone"))
        .join(Agency, Agency.id == AgendaItem.presenter_agency_id, isouter=True)
        .join(ActionItem, ActionItem.id == AgendaItem.action_item_id, isouter=True)
        .join(Recommendation, Recommendation.id == AgendaItem.recommendation_id, isouter=True)
        .join(source, source.id == AgendaItem.carried_from_meeting_id, isouter=True)
        .where(AgendaItem.agenda_id == agenda.id).order_by(AgendaItem.position, AgendaItem.id)).all()
    at = meeting.starts_at
    result = []
    for row in rows:
        label = f"{row.rec_number or 'Draft'}: {row.rec_title}" if row.rec_title else None
        carried = (f"{row.source_title}, {to_local(row.source_starts, row.source_zone).strftime('%B %-d, %Y')}"
                   if row.source_title else None)
        result.append(AgendaRow(item=row.AgendaItem, starts_at=at, presenter_agency=row.presenter_agency,
                                action_item_title=row.action_item_title, recommendation_label=label,
                                carried_from_label=carried))
        at = at + timedelta(minutes=row.AgendaItem.duration_minutes)
    overrun = int((at - meeting.ends_at).total_seconds() // 60)
    return AgendaView(agenda=agenda, rows=result, ends_at=at, overruns=overrun > 0, overrun_minutes=max(0, overrun))


def _item_links(session: Session, item: AgendaItemInput, prefix: str) -> tuple[dict[str, Any], dict[str, str]]:
    """What only the stored data can tell of an item: its presenting agency, action item and recommendation
    (the columns, and the problems named as the API names them: `items[2].action_item_id`)."""
    values: dict[str, Any] = {"presenter_agency_id": None, "action_item_id": None, "recommendation_id": None,
                              "carried_from_meeting_id": None}
    errors: dict[str, str] = {}
    if item.carried_from_meeting_id is not None:
        if session.get(Meeting, item.carried_from_meeting_id) is None:
            errors[prefix + "carried_from_meeting_id"] = "No such meeting."
        else:
            values["carried_from_meeting_id"] = item.carried_from_meeting_id
    if acronym := item.presenter_agency:
        agency = session.execute(select(Agency).where(Agency.acronym == acronym.upper())).scalar()
        if agency is None:
            errors[prefix + "presenter_agency"] = f"No agency has the acronym {acronym!r}."
        else:
            values["presenter_agency_id"] = agency.id
    if item.action_item_id is not None:
        if session.get(ActionItem, item.action_item_id) is None:
            errors[prefix + "action_item_id"] = "No such action item."
        else:
            values["action_item_id"] = item.action_item_id
    # A recommendation by id, or by the number people know it by ("2026-01"); drafts are private to their authors.
    ref: int | str | None = item.recommendation_id
    name = "recommendation_id"
    if ref is None and item.recommendation_number is not None:
        ref, name = item.recommendation_number.strip(), "recommendation_number"
    if ref is not None:
        if (found := agenda_links.resolve_recommendation(session, ref)) is None:
            errors[prefix + name] = (f"No submitted recommendation has the number {ref}." if isinstance(ref, str)
                                     else "No such recommendation.")
        else:
            values["recommendation_id"] = found
    return values, errors


def _item_values(session: Session, item: AgendaItemInput, prefix: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The columns of a stored item made of *item*, and the stored data's problems with it (see _item_links)."""
    links, problems = _item_links(session, item, prefix)
    return {**item.model_dump(include=set(AgendaItemBase.model_fields)), **links,
            "outcome": str(item.outcome) if item.outcome else None,
            "notes_html": render_markdown(item.notes_md)}, problems


def _require_few_enough(items: Sequence[object]) -> None:
    if len(items) > MAX_AGENDA_ITEMS:
        raise ValidationFailed("Bad agenda.", fields={"items": f"A list of at most {MAX_AGENDA_ITEMS} items."})


def read_items(session: Session, raws: Sequence[AgendaItemInput | dict[str, Any]]) -> list[AgendaItemInput]:
    """Agenda items given as dicts (a form's, a client's) validated by AgendaItemInput; ValidationFailed names
    every problem of every item, the stored data's included (`items[2].action_item_id`)."""
    _require_few_enough(raws)
    return read_entries(AgendaItemInput, raws, "items", beside=lambda item, prefix: _item_links(
        session, item, prefix)[1])


def put_agenda(*, session: Session, actor, meeting_id: int, version,
               items: Sequence[AgendaItemInput]) -> AgendaView:
    """Replace the agenda's items (in order; read_items makes them of a client's dicts). The version read must
    be current."""
    meeting, _committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    agenda = get_agenda(session, meeting)
    check_version(agenda, version)
    _require_few_enough(items)
    new_values = check_entries(items, "items", lambda item, prefix: _item_values(session, item, prefix),
                               "The agenda has problems.")
    if not outcomes_open(meeting) and (early := {
            f"items[{i}].outcome": NOT_YET for i, values in enumerate(new_values) if values["outcome"]}):
        raise ValidationFailed("The meeting has not started.", fields=early)
    existing = list(session.execute(select(AgendaItem).where(AgendaItem.agenda_id == agenda.id)
                                    .order_by(AgendaItem.position, AgendaItem.id)).scalars())
    before = [i.title for i in existing]
    for old in existing:
        session.delete(old)
    session.flush()
    assert agenda.id is not None  # a stored agenda
    for position, values in enumerate(new_values):
        session.add(AgendaItem(agenda_id=agenda.id, position=position, **values))
    agenda.updated_at = utcnow()  # bumps the agenda's version
    meeting.ics_sequence += 1 if agenda.published_at else 0
    audit.record(session, actor=actor, action="agenda.saved", obj=agenda,
                 changes={"items": [before, [v["title"] for v in new_values]]})
    flush_or_conflict(session, "meeting")
    return agenda_view(session, meeting)


def agenda_items_as_input(view: AgendaView) -> list[AgendaItemInput]:
    """The agenda's items as a PUT gives them back (to change one, move one or add one)."""
    return [AgendaItemInput(title=r.item.title, presenter=r.item.presenter, presenter_agency=r.presenter_agency,
                            duration_minutes=r.item.duration_minutes, notes_md=r.item.notes_md,
                            action_item_id=r.item.action_item_id, recommendation_id=r.item.recommendation_id,
                            outcome=AgendaOutcome(r.item.outcome) if r.item.outcome else None,
                            carried_from_meeting_id=r.item.carried_from_meeting_id)
            for r in view.rows]


NOT_YET = "Record what became of an item once the meeting has started."


def outcomes_open(meeting: Meeting) -> bool:
    """Whether what became of the items may be recorded: once the meeting has started, or when it is cancelled
    (its items not reached, to carry them into the next one)."""
    return meeting.status == "cancelled" or mtg.has_started(meeting)


def set_item_outcome(*, session: Session, actor, meeting_id: int, item_id: int,
                     outcome_in: AgendaItemOutcomeUpdate) -> AgendaView:
    """Record what became of one item at the meeting (discussed, continued, not reached, or none): its planners,
    once the meeting has started; the agenda's version read must be current."""
    meeting, _committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    agenda = get_agenda(session, meeting)
    check_version(agenda, outcome_in.version)
    item = session.get(AgendaItem, item_id)
    if item is None or item.agenda_id != agenda.id:
        raise NotFound("No such agenda item.")
    if meeting.status == "cancelled" and outcome_in.outcome == "discussed":
        raise ValidationFailed("This meeting is cancelled.", fields={
            "outcome": "This meeting is cancelled: its items were not discussed (mark them not reached to carry "
                       "them into the next meeting)."})
    if not outcomes_open(meeting) and outcome_in.outcome:
        raise ValidationFailed("The meeting has not started.", fields={"outcome": NOT_YET})
    new = str(outcome_in.outcome) if outcome_in.outcome else None
    if new != item.outcome:
        label = AGENDA_OUTCOME_LABELS
        audit.record(session, actor=actor, action="agenda.outcome_recorded", obj=agenda, changes={
            "item": [None, item.title],
            "outcome": [label.get(item.outcome or "", None), label.get(new or "", None)]})
        item.outcome = new
        agenda.updated_at = utcnow()  # bumps the agenda's version: a page read before is stale
    flush_or_conflict(session, "meeting")
    return agenda_view(session, meeting)


def move_agenda_item(*, session: Session, actor, meeting_id: int, version, item_id: int, direction: str):
    """Move one item up or down (the keyboard-friendly reorder)."""
    meeting, _c, _a = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
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
    meeting, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    overdue = session.execute(select(ActionItem.id, ActionItem.title, Agency.acronym, ActionItem.due_date)
                              .join(Agency, Agency.id == ActionItem.lead_agency_id)
                              .where(ActionItem.committee_id == committee.id,
                                     ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date < today)
                              .order_by(ActionItem.due_date)).all()
    if not overdue:
        raise ValidationFailed("Nothing is overdue.", fields={"items": f"{committee.name} has no overdue commitments."})
    lines = [f"- [{row.title}](/action-items/{row.id}): {row.acronym}, due {row.due_date.isoformat()}"
             for row in overdue]
    items = agenda_items_as_input(agenda_view(session, meeting))
    items.append(validate(AgendaItemInput, {
        "title": "Review of overdue commitments", "presenter": "Secretariat",
        "duration_minutes": max(10, min(60, 5 * len(overdue))), "notes_md": "\n".join(lines)},
        prefix=f"items[{len(items)}]."))
    return put_agenda(session=session, actor=actor, meeting_id=meeting_id, version=version, items=items)


def publish_agenda(*, session: Session, actor, meeting_id: int, clocks: fc.Clocks, today: date,
                   short_notice_reason: str = "", now: datetime | None = None) -> Agenda:
    """Publish: members are told in the app and by email. A FACA body's short notice needs a reason.
    A meeting that is over is not published (*now*: when it is published, for records made afterwards)."""
    meeting, committee, _ = mtg.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    if meeting.status == "cancelled":
        raise ValidationFailed("This meeting is cancelled.", fields={"status": "A cancelled meeting's agenda "
                                                                               "is not published."})
    if mtg.is_over(meeting, now):
        raise ValidationFailed("This meeting is over.", fields={
            "status": "This meeting is over: its agenda is no longer published to the members. "
                      "The agenda page keeps it as it was; the minutes record what was discussed."})
    agenda = get_agenda(session, meeting)
    view = agenda_view(session, meeting)
    if not view.rows:
        raise ValidationFailed("The agenda is empty.", fields={"items": "Add at least one item before publishing."})
    state = fc.federal_clocks(session=session, meeting=meeting, committee=committee, clocks=clocks, today=today)
    reason = (short_notice_reason or "").strip()
    if state.notice_late and not (reason or meeting.short_notice_reason):
        raise ValidationFailed("Short notice needs a reason.", fields={
            "short_notice_reason": f"The Federal Register notice is less than {clocks.notice_days} days ahead "
                                   "of the meeting: record the reason for the short notice (41 CFR 102-3.150)."})
    if len(reason) > (most := max_length(MeetingBase, "short_notice_reason") or 0):
        raise ValidationFailed("Too long.", fields={"short_notice_reason": f"Use at most {most:,} characters."})
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
    notify(session, users=mtg.members_of(session, meeting.committee_id), kind="agenda_published",
           title=f"{'Agenda' if first else 'Updated agenda'}: {meeting.title}",
           body=f"{committee.name}, {when}. " + (meeting.location or meeting.virtual_url),
           url=f"/meetings/{meeting.id}")
    return agenda
