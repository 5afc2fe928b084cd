"""Recommendations tracked the way GAO tracks them: each recommendation's running history (its moves, notes,
priority flags and every revision of every agency's response, in order), and the export of one row per
recommendation and agency addressed, as CSV and as the API's list.

Status in words (GAO's vocabulary, from the platform's statuses, pitf/models/vocab.py RecommendationStatus):
open -> "open"; closed_implemented -> "closed – implemented"; closed_not_implemented -> "closed – not
implemented". A recommendation not yet issued to the agencies reads "not issued – draft", "not issued – submitted"
or "not issued – under review"; a withdrawn one "withdrawn – never issued". Issued: the day the secretariat first
opened it for the agencies' responses (the move under_review -> open in its history).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import Agency, AgencyResponse, AuditEntry, Recommendation, RecommendationEvent, User
from pitf.models.vocab import RecommendationStatus as S
from pitf.services import recommendations as recs
from pitf.services.csv_export import csv_line
from pitf.services.rec_responses import RESPONSE_NOTE
from pitf.services.timeutil import local_date

STATUS_WORDS: dict[str, str] = {
    S.OPEN: "open",
    S.CLOSED_IMPLEMENTED: "closed – implemented",
    S.CLOSED_NOT_IMPLEMENTED: "closed – not implemented",
    S.DRAFT: "not issued – draft",
    S.SUBMITTED: "not issued – submitted",
    S.UNDER_REVIEW: "not issued – under review",
    S.WITHDRAWN: "withdrawn – never issued",
}
# A move of the status as the history says it (the reopening of a closed recommendation is "Reopened").
MOVE_WORDS: dict[str, str] = {
    S.SUBMITTED: "Submitted to the secretariat", S.UNDER_REVIEW: "Review started",
    S.OPEN: "Opened for agency responses", S.CLOSED_IMPLEMENTED: "Closed as implemented",
    S.CLOSED_NOT_IMPLEMENTED: "Closed as not implemented", S.DRAFT: "Returned to the authors",
    S.WITHDRAWN: "Withdrawn",
}
CLOSED = (S.CLOSED_IMPLEMENTED, S.CLOSED_NOT_IMPLEMENTED)
BATCH = 500


# ---- the running history -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryLine:
    """One dated step of a recommendation's history: a move, a note (a meeting, a priority flag), or one revision
    of an agency's response (*agency* set)."""

    at: datetime
    kind: str  # "move", "note" or "response"
    text: str  # the step in one line of plain text, as the running comments read it
    actor_name: str | None = None  # None: the platform
    agency: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    note: str = ""
    revision: int | None = None
    position: str | None = None
    response_html: str = ""

    @property
    def on(self) -> date:
        """The day, on the platform's calendar (PITF_TIMEZONE)."""
        return local_date(self.at, None)

    @property
    def line(self) -> str:
        return f"{self.on.isoformat()}: {self.text}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _move_text(source: str | None, target: str, note: str) -> str:
    if source is None:
        return note or "Drafted."
    words = "Reopened" if target == S.OPEN and source != S.UNDER_REVIEW else MOVE_WORDS.get(target, target)
    return f"{words}: {_one_line(note)}" if note else f"{words}."


def running_history(session: Session, rec_ids: list[int]) -> dict[int, list[HistoryLine]]:
    """Each recommendation's history in order, oldest first (three queries, however many recommendations): the
    events of its workflow, the priority flags of the audit log, and every revision of every response (in place of
    the event that only announced it). The recommendation's page and the tracking export both read this."""
    result: dict[int, list[tuple[tuple, HistoryLine]]] = {i: [] for i in rec_ids}
    if not rec_ids:
        return {}
    for event, name in session.execute(
            select(RecommendationEvent, User.name).join(User, User.id == RecommendationEvent.actor_id, isouter=True)
            .where(RecommendationEvent.recommendation_id.in_(rec_ids))
            .order_by(RecommendationEvent.created_at, RecommendationEvent.id)).all():
        same = event.from_status == event.to_status
        if same and RESPONSE_NOTE.match(event.note):
            continue  # the response's revision below says it, with its text
        line = HistoryLine(at=event.created_at, kind="note" if same else "move",
                           text=_one_line(event.note) if same else _move_text(event.from_status, event.to_status,
                                                                                event.note),
                           actor_name=name, from_status=event.from_status, to_status=event.to_status,
                           note=event.note)
        result[event.recommendation_id].append(((event.created_at, 0, event.id), line))
    for entry, name in session.execute(
            select(AuditEntry, User.name).join(User, User.id == AuditEntry.actor_id, isouter=True)
            .where(AuditEntry.object_type == "Recommendation", AuditEntry.object_id.in_(rec_ids),
                   AuditEntry.action.like("recommendation.%"))
            .order_by(AuditEntry.created_at, AuditEntry.id)).all():
        change = (entry.changes or {}).get("priority")
        if not isinstance(change, list) or len(change) != 2 or bool(change[0]) == bool(change[1]):
            continue
        text = "Flagged as a priority." if change[1] else "No longer flagged as a priority."
        result[cast(int, entry.object_id)].append(
            ((entry.created_at, 1, entry.id), HistoryLine(at=entry.created_at, kind="note", text=text,
                                                          actor_name=name, note=text)))
    A = AgencyResponse
    for response, acronym, name in session.execute(
            select(A, Agency.acronym, User.name).join(Agency, Agency.id == A.agency_id)
            .join(User, User.id == A.author_id, isouter=True)
            .where(A.recommendation_id.in_(rec_ids)).order_by(A.created_at, A.id)).all():
        label = recs.POSITION_LABELS.get(response.position, response.position)
        text = f"{acronym} response (revision {response.revision}): {label}."
        if body := _one_line(response.response_md):
            text += f" {body}"
        result[response.recommendation_id].append(
            ((response.created_at, 2, response.id),
             HistoryLine(at=response.created_at, kind="response", text=text, actor_name=name, agency=acronym,
                         revision=response.revision, position=response.position,
                         response_html=response.response_html)))
    return {rec_id: [line for _key, line in sorted(lines, key=lambda pair: pair[0])]
            for rec_id, lines in result.items()}


def issued_on(history: list[HistoryLine]) -> date | None:
    """The day the recommendation was first opened for the agencies' responses; None if never."""
    return next((h.on for h in history if h.kind == "move" and h.from_status == S.UNDER_REVIEW
                 and h.to_status == S.OPEN), None)


def closed_on(history: list[HistoryLine], rec: Recommendation) -> date | None:
    """The day a closed recommendation was (last) closed, as its history says; None while it is not closed."""
    if rec.status not in CLOSED:
        return None
    day = next((h.on for h in reversed(history) if h.kind == "move" and h.to_status in CLOSED), None)
    return day or (local_date(rec.closed_at, None) if rec.closed_at else None)


# ---- one row per recommendation and agency ----------------------------------------------------------------

@dataclass
class TrackingRow:
    recommendation_id: int
    number: str
    report_year: int
    title: str
    recommendation_md: str
    agency: str  # "" when the recommendation is addressed to no agency yet
    agency_name: str
    status: str
    pillar: str
    drafting_committee: str  # "" for the full Council
    priority: bool
    date_issued: date | None
    response_due: date | None
    date_closed: date | None
    position: str | None  # the agency's current response; None when it has not answered
    comments: list[HistoryLine] = field(default_factory=list)

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def position_label(self) -> str:
        return recs.POSITION_LABELS.get(self.position, self.position) if self.position else ""

    @property
    def running_comments(self) -> str:
        """Every dated step in order, one a line: what the comments cell holds."""
        return "\n".join(h.line for h in self.comments)


def _rows_of(session: Session, found: list[Recommendation]) -> list[TrackingRow]:
    """The rows of a batch of recommendations: five queries for the batch."""
    ids = [cast(int, r.id) for r in found]  # read from the table: every id is set
    targets = recs.targets_of(session, ids)
    history = running_history(session, ids)
    committees = recs.committee_names(session, [r.drafting_committee_id for r in found])
    names: dict[str, str] = {}
    positions: dict[tuple[int, str], str] = {}
    if ids:
        for rec_id, acronym, agency_name, position in session.execute(
                select(AgencyResponse.recommendation_id, Agency.acronym, Agency.name, AgencyResponse.position)
                .join(Agency, Agency.id == AgencyResponse.agency_id)
                .where(AgencyResponse.recommendation_id.in_(ids), AgencyResponse.is_current.is_(True))).all():
            positions[(rec_id, acronym)] = position
            names[acronym] = agency_name
        wanted = sorted({t.acronym for ts in targets.values() for t in ts} - set(names))
        if wanted:
            names.update(cast("dict[str, str]", dict(session.execute(select(Agency.acronym, Agency.name).where(
                Agency.acronym.in_(wanted))).tuples().all())))
    rows = []
    for rec, rec_id in zip(found, ids, strict=True):
        lines = history.get(rec_id, [])
        closed = closed_on(lines, rec)
        common: dict[str, Any] = {
            "recommendation_id": rec_id, "number": rec.number or "", "report_year": rec.report_year,
            "title": rec.title, "recommendation_md": rec.body_md, "status": rec.status, "pillar": rec.pillar,
            "drafting_committee": committees.get(rec.drafting_committee_id or 0, ""),
            "priority": rec.priority, "date_issued": issued_on(lines), "date_closed": closed}
        addressed = targets.get(rec_id) or []
        if not addressed:
            rows.append(TrackingRow(**common, agency="", agency_name="", response_due=None, position=None,
                                    comments=lines))
        for t in addressed:
            rows.append(TrackingRow(**common, agency=t.acronym, agency_name=names.get(t.acronym, ""),
                                    response_due=t.response_due, position=positions.get((rec_id, t.acronym)),
                                    comments=[h for h in lines if h.agency in (None, t.acronym)]))
    return rows


def tracking_rows(*, session: Session, actor, filters: recs.RecommendationFilters,
                  today: date | None = None) -> Iterator[TrackingRow]:
    """Every recommendation *actor* may see that matches *filters* (the list's filters, its order and its rule on
    drafts: only their authors see them), one row per agency addressed (only that agency's rows when the filters
    name one), read in batches."""
    page = 1
    while True:
        found, total = recs.list_recommendations(session=session, actor=actor, filters=filters, page=page,
                                                 per_page=BATCH, today=today)
        yield from (r for r in _rows_of(session, found) if not filters.agency or r.agency == filters.agency)
        if page * BATCH >= total:
            return
        page += 1


# ---- CSV -------------------------------------------------------------------------------------------------

COLUMNS = ("number", "title", "recommendation", "agency", "status", "priority", "date_issued", "response_due",
           "date_closed", "agency_position", "comments", "report_year", "pillar", "drafting_committee",
           "recommendation_id")
COLUMN_HELP = {
    "number": "The Council's number, YYYY-NN (blank for a draft).",
    "title": "The recommendation's title.",
    "recommendation": "The recommendation's text, in Markdown.",
    "agency": "The acronym of the agency addressed; one row per agency.",
    "status": "open, closed – implemented, closed – not implemented (or not issued, withdrawn).",
    "priority": "yes or no.",
    "date_issued": "The day it was opened for the agencies' responses.",
    "response_due": "The day the agency's response is due.",
    "date_closed": "The day it was closed.",
    "agency_position": "The agency's current position: Concur, Partially concur, Non-concur (blank: no answer).",
    "comments": "Every dated step and response revision, oldest first, one a line.",
    "report_year": "The Council's annual report it belongs to.",
    "pillar": "prevention, protection, prosecution or partnership.",
    "drafting_committee": "The Council committee that drafted it (blank: the full Council).",
    "recommendation_id": "The platform's id.",
}


def csv_lines(rows: Iterator[TrackingRow]) -> Iterator[str]:
    """The CSV: a BOM and the header, then a line per row (the comments cell holds line breaks, quoted)."""
    yield "\ufeff" + csv_line(COLUMNS)
    for r in rows:
        yield csv_line([r.number, r.title, r.recommendation_md, r.agency, r.status_words,
                         "yes" if r.priority else "no", r.date_issued, r.response_due, r.date_closed,
                         r.position_label, r.running_comments, r.report_year, r.pillar, r.drafting_committee,
                         r.recommendation_id])
