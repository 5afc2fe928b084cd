"""The status workflow of a recommendation: the one table of allowed moves, the gapless number given at
submission, the moves themselves with their notices, and the secretariat's priority flag.

The allowed moves are the one table TRANSITIONS below, used by pages and API alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import InvalidTransition, ValidationFailed, require
from pitf.models import Agency, Recommendation, RecommendationCounter, User, utcnow
from pitf.models.recommendations import NOTE_LENGTH
from pitf.services import audit
from pitf.services.concurrency import check_version
from pitf.services.notify import notify
from pitf.services.recommendations import (
    STATUS_LABELS,
    authors_of,
    flush_recommendation,
    get_recommendation,
    record_event,
    secretariat,
    targets_of,
)
from pitf.textutil import BadDate, parse_date


@dataclass(frozen=True)
class Move:
    who: str  # "author" or "staff"
    note_required: bool = False
    label: str = ""


@dataclass(frozen=True)
class AllowedMove:
    """A move *actor* may make from the recommendation's current status: where to, and how."""

    to: str
    move: Move


# (from, to) -> who may make the move. Every status change of a recommendation is one of these.
TRANSITIONS: dict[tuple[str, str], Move] = {
    ("draft", "submitted"): Move("author", label="Submit"),
    ("submitted", "under_review"): Move("staff", label="Start review"),
    ("submitted", "draft"): Move("staff", note_required=True, label="Return to the authors"),
    ("under_review", "draft"): Move("staff", note_required=True, label="Return to the authors"),
    ("under_review", "open"): Move("staff", label="Open for agency responses"),
    ("submitted", "withdrawn"): Move("author", label="Withdraw"),
    ("under_review", "withdrawn"): Move("author", label="Withdraw"),
    ("open", "closed_implemented"): Move("staff", note_required=True, label="Close as implemented"),
    ("open", "closed_not_implemented"): Move("staff", note_required=True, label="Close as not implemented"),
    ("closed_implemented", "open"): Move("staff", note_required=True, label="Reopen"),
    ("closed_not_implemented", "open"): Move("staff", note_required=True, label="Reopen"),
}
CLOSED = ("closed_implemented", "closed_not_implemented")
DEFAULT_RESPONSE_DAYS = 60


def allowed_moves(actor, rec: Recommendation, is_author: bool) -> list[AllowedMove]:
    """The moves *actor* may make from the recommendation's current status."""
    moves = []
    for (source, target), move in TRANSITIONS.items():
        if source != rec.status:
            continue
        if move.who == "author" and is_author and permissions.is_signed_in(actor):
            moves.append(AllowedMove(target, move))
        elif move.who == "staff" and permissions.is_staff(actor):
            moves.append(AllowedMove(target, move))
    return moves


# ---- numbering -------------------------------------------------------------------------------

def next_number(session: Session, year: int) -> int:
    """The next sequence of *year*, without gaps even under concurrent submissions: the counter row is
    locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transactions already run one at a time)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        session.execute(postgresql_insert(RecommendationCounter).values(report_year=year, last_sequence=0)
                        .on_conflict_do_nothing(index_elements=["report_year"]))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        session.execute(sqlite_insert(RecommendationCounter).values(report_year=year, last_sequence=0)
                        .on_conflict_do_nothing(index_elements=["report_year"]))
    counter = session.execute(select(RecommendationCounter).where(RecommendationCounter.report_year == year)
                              .with_for_update()).scalar_one()
    session.refresh(counter)
    counter.last_sequence += 1
    session.flush()
    return counter.last_sequence


# ---- transitions -----------------------------------------------------------------------------

def transition(*, session: Session, actor, rec_id: int, version, to: str, note: str = "",
               response_due: Mapping[str, str | date] | None = None, priority: bool | None = None,
               today: date | None = None, response_days: int = DEFAULT_RESPONSE_DAYS) -> Recommendation:
    """Move the recommendation along the TRANSITIONS table; anything else is InvalidTransition."""
    rec, is_author = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    move = TRANSITIONS.get((rec.status, to))
    if move is None:
        raise InvalidTransition(f"A recommendation that is {STATUS_LABELS.get(rec.status, rec.status).lower()} "
                                f"cannot become {STATUS_LABELS.get(to, to).lower()}.")
    if move.who == "author":
        require(is_author, "Only the recommendation's authors may do that.")
    else:
        require(permissions.is_staff(actor), "Only the secretariat may do that.")
    check_version(rec, version)
    note = (note or "").strip()
    errors = {}
    if move.note_required and not note:
        errors["note"] = "Say why: the authors and agencies read it in the history."
    if len(note) > NOTE_LENGTH:
        errors["note"] = f"Use at most {NOTE_LENGTH:,} characters."
    today = today or utcnow().date()
    assert rec.id is not None  # loaded from the database
    targets = [t.target for t in targets_of(session, [rec.id])[rec.id]]
    # Rows read from the table: every id is set.
    acronyms = cast("dict[int, str]", dict(session.execute(select(Agency.id, Agency.acronym).where(
        Agency.id.in_([t.agency_id for t in targets] or [-1]))).tuples().all()))
    if to == "submitted" and not targets:
        errors["target_agencies"] = "Name at least one agency the recommendation is addressed to."
    if to == "submitted" and not rec.body_md.strip():
        errors["body_md"] = "Write the recommendation before submitting it."
    due_dates: dict[int, date] = {}
    if to == "open" and rec.status == "under_review":
        given = {k.upper(): v for k, v in (response_due or {}).items()}
        if unknown := sorted(set(given) - set(acronyms.values())):
            errors["response_due"] = f"Not a target agency: {', '.join(unknown)}."
        for agency_id, acronym in acronyms.items():
            raw = given.get(acronym)
            if raw in (None, ""):
                due_dates[agency_id] = today + timedelta(days=response_days)
                continue
            try:
                due = parse_date(raw if isinstance(raw, date) else str(raw))
            except BadDate as err:
                errors[f"response_due.{acronym}"] = str(err)
                continue
            if due < today:
                errors[f"response_due.{acronym}"] = "The response date cannot be in the past."
            due_dates[agency_id] = due
    if errors:
        raise ValidationFailed("The change has problems.", fields=errors)
    source = rec.status
    changes: dict[str, list[object]] = {"status": [source, to]}
    if to == "submitted":
        rec.sequence = next_number(session, rec.report_year)
        rec.number = f"{rec.report_year}-{rec.sequence:02d}"
        rec.submitted_at = utcnow()
        changes["number"] = [None, rec.number]
    if to == "open" and source == "under_review":
        for t in targets:
            t.response_due = due_dates[t.agency_id]
        changes["response_due"] = [None, {acronyms[k]: v.isoformat() for k, v in due_dates.items()}]
    if priority is not None and priority != rec.priority:
        changes["priority"] = [rec.priority, priority]
        rec.priority = priority
    rec.status = to
    rec.closed_at = utcnow() if to in CLOSED else None
    rec.updated_at = utcnow()
    record_event(session, rec, actor, source, to, note)
    audit.record(session, actor=actor, action=f"recommendation.{to}", obj=rec, changes=changes)
    flush_recommendation(session)
    label = f"{rec.number or 'Draft'}: {rec.title}"
    if to == "submitted":
        notify(session, users=secretariat(session), kind="recommendation_submitted", title=f"Submitted: {label}",
               body="A recommendation of the Advisory Council awaits review.", url=f"/recommendations/{rec.id}")
    elif to == "draft":
        notify(session, users=authors_of(session, rec), kind="recommendation_returned", title=f"Returned: {label}",
               body=note, url=f"/recommendations/{rec.id}")
    elif to == "open" and source == "under_review":
        liaisons = session.execute(select(User).where(User.agency_id.in_(list(acronyms) or [-1]),
                                                      User.role == "liaison", User.is_active.is_(True))).scalars()
        notify(session, users=liaisons, kind="recommendation_assigned", title=f"Response requested: {label}",
               body="Your agency is asked to respond.", url=f"/recommendations/{rec.id}")
    return rec


def set_priority(*, session: Session, actor, rec_id: int, version, priority: bool | None) -> Recommendation:
    """Flag or unflag the recommendation as a priority; None (a null sent) is refused, naming the field."""
    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.is_staff(actor), "Only the secretariat flags priorities.")
    check_version(rec, version)
    if priority is None:
        raise ValidationFailed("Bad priority.", fields={"priority": "true or false."})
    if rec.priority != priority:
        audit.record(session, actor=actor, action="recommendation.priority", obj=rec,
                     changes={"priority": [rec.priority, priority]})
        rec.priority = priority
        rec.updated_at = utcnow()
        flush_recommendation(session)
    return rec
