"""Agency scorecards: how each agency keeps the commitments it leads, counted in a fixed number of queries.

What is counted (one lead agency per item; an item counts once, for the agency that leads it):
- open: status is neither done nor cancelled (open, in_progress, blocked);
- overdue: open and its due date is before *today*;
- done, cancelled: by status; cancelled items are left out of every rate;
- done on time: done, and the UTC calendar day of ``closed_at`` is on or before the due date;
- done late: done, and that day is after the due date; days late = that day minus the due date;
- on-time rate: done on time / (done on time + done late). A done item without ``closed_at`` (never
  the case when the services closed it) has no known close day and is left out of the rate;
- median days late: the median of days late over the items done late (None when there are none).
Items an agency supports are counted apart (supporting_open, supporting_overdue) and never in the
figures above, so that an item is not counted twice in the summary.
The summary has one row per active agency and a total row over the items those agencies lead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, Integer, Row, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from pitf.errors import NotFound
from pitf.models import ActionItem, ActionItemSupport, Agency
from pitf.models.actions import CLOSED_STATUSES, PILLARS

# ---- SQL: the UTC day an item was closed, and how many days after its due date ------------------

class utc_day(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """The UTC calendar day of a timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element, compiler, **kw):
    # SQLite stores UTCDateTime as naive UTC text 'YYYY-MM-DD HH:MM:SS...': its date() is the UTC day.
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    # A timestamptz cast to date uses the session's zone; AT TIME ZONE 'UTC' pins it to UTC.
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS DATE)"


class days_after(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """days_after(later_day, earlier_day): whole days between two dates."""

    type = Integer()
    inherit_cache = True


@compiles(days_after)
def _days_after_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_after, "postgresql")
def _days_after_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


CLOSED_DAY = utc_day(ActionItem.closed_at)
IS_OPEN = ActionItem.status.not_in(CLOSED_STATUSES)
IS_DONE = ActionItem.status == "done"
DONE_ON_TIME = and_(IS_DONE, ActionItem.closed_at.is_not(None), CLOSED_DAY <= ActionItem.due_date)
DONE_LATE = and_(IS_DONE, ActionItem.closed_at.is_not(None), CLOSED_DAY > ActionItem.due_date)


# ---- results ------------------------------------------------------------------------------------

@dataclass
class Counts:
    open: int = 0
    overdue: int = 0
    done: int = 0
    cancelled: int = 0
    done_on_time: int = 0
    done_late: int = 0

    def add(self, other: Counts) -> None:
        for name in ("open", "overdue", "done", "cancelled", "done_on_time", "done_late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_pct(self) -> int | None:
        """Done on time as a whole percentage of done items with a known close day (half rounds up)."""
        dated = self.done_on_time + self.done_late
        if not dated:
            return None
        return (200 * self.done_on_time + dated) // (2 * dated)


@dataclass
class Scorecard(Counts):
    """One agency's figures (agency None: the total row of the summary)."""

    acronym: str | None = None
    name: str | None = None
    median_days_late: float | None = None
    supporting_open: int | None = None
    supporting_overdue: int | None = None
    by_pillar: dict[str, Counts] = field(default_factory=lambda: {p: Counts() for p in PILLARS})

    @property
    def is_total(self) -> bool:
        return self.acronym is None


@dataclass
class OverdueItem:
    id: int
    title: str
    due_date: date
    status: str
    pillar: str
    days_overdue: int


# ---- queries --------------------------------------------------------------------------------------

def _when(condition: ColumnElement) -> ColumnElement:
    """1 where *condition* holds, else NULL: count() of it counts the rows that match."""
    return case((condition, 1))


def _counts_by_agency_and_pillar(session: Session, today: date, *where) -> Sequence[Row]:
    """Rows of lead_agency_id, pillar and the Counts' fields (open ... done_late) per group, one query."""
    return session.execute(
        select(ActionItem.lead_agency_id, ActionItem.pillar,
               func.count(_when(IS_OPEN)).label("open"),
               func.count(_when(and_(IS_OPEN, ActionItem.due_date < today))).label("overdue"),
               func.count(_when(IS_DONE)).label("done"),
               func.count(_when(ActionItem.status == "cancelled")).label("cancelled"),
               func.count(_when(DONE_ON_TIME)).label("done_on_time"),
               func.count(_when(DONE_LATE)).label("done_late"))
        .where(*where)
        .group_by(ActionItem.lead_agency_id, ActionItem.pillar)
    ).all()


def _supporting_counts(session: Session, today: date, *where) -> dict[int, tuple[int, int]]:
    """{agency_id: (open, overdue)} over the items each agency supports, one query."""
    rows = session.execute(
        select(ActionItemSupport.agency_id, func.count().label("open"),
               func.count(_when(ActionItem.due_date < today)).label("overdue"))
        .join(ActionItem, ActionItem.id == ActionItemSupport.action_item_id)
        .where(IS_OPEN, *where)
        .group_by(ActionItemSupport.agency_id)
    ).all()
    return {r.agency_id: (r.open, r.overdue) for r in rows}


def _median_days_late(session: Session, *where, by_agency: bool) -> dict[int | None, float]:
    """Median days late of the items done late, computed in SQL ({agency_id or None: median})."""
    days = days_after(CLOSED_DAY, ActionItem.due_date)
    partition = ActionItem.lead_agency_id if by_agency else None
    late = (
        select(ActionItem.lead_agency_id.label("g"), days.label("d"),
               func.row_number().over(partition_by=partition, order_by=days).label("rn"),
               func.count().over(partition_by=partition).label("n"))
        .where(DONE_LATE, *where)
    ).subquery()
    # Rows (n+1)//2 and (n+2)//2 are the middle row twice (n odd) or the two middle rows (n even).
    middle = or_(late.c.rn == (late.c.n + 1) // 2, late.c.rn == (late.c.n + 2) // 2)
    if by_agency:
        medians = {r.g: r.median for r in session.execute(
            select(late.c.g, func.avg(late.c.d).label("median")).where(middle).group_by(late.c.g))}
    else:
        medians = {None: session.execute(select(func.avg(late.c.d)).where(middle)).scalar()}
    return {group: float(median) for group, median in medians.items() if median is not None}


def _fill(card: Scorecard, rows: Sequence[Row]) -> None:
    for row in rows:
        counts = Counts(open=row.open, overdue=row.overdue, done=row.done, cancelled=row.cancelled,
                        done_on_time=row.done_on_time, done_late=row.done_late)
        card.add(counts)
        if row.pillar in card.by_pillar:
            card.by_pillar[row.pillar].add(counts)


def agency_scorecard(session: Session, agency_id: int, today: date) -> Scorecard:
    """The scorecard of the agency with *agency_id* over the items it leads (4 queries at most)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    card = Scorecard(acronym=agency.acronym, name=agency.name)
    _fill(card, _counts_by_agency_and_pillar(session, today, ActionItem.lead_agency_id == agency_id))
    card.median_days_late = _median_days_late(
        session, ActionItem.lead_agency_id == agency_id, by_agency=False).get(None)
    card.supporting_open, card.supporting_overdue = _supporting_counts(
        session, today, ActionItemSupport.agency_id == agency_id).get(agency_id, (0, 0))
    return card


def summary(session: Session, today: date) -> list[Scorecard]:
    """One scorecard per active agency (by acronym), then the total row over those agencies (5 queries)."""
    agencies = session.execute(
        select(Agency.id, Agency.acronym, Agency.name).where(Agency.is_active.is_(True)).order_by(Agency.acronym)
    ).all()
    active = ActionItem.lead_agency_id.in_(select(Agency.id).where(Agency.is_active.is_(True)))
    cards = {a.id: Scorecard(acronym=a.acronym, name=a.name) for a in agencies}
    total = Scorecard()
    rows = _counts_by_agency_and_pillar(session, today, active)
    for row in rows:
        if row.lead_agency_id in cards:
            _fill(cards[row.lead_agency_id], [row])
    _fill(total, rows)
    for agency_id, median in _median_days_late(session, active, by_agency=True).items():
        if agency_id in cards:
            cards[agency_id].median_days_late = median
    total.median_days_late = _median_days_late(session, active, by_agency=False).get(None)
    for agency_id, (open_, overdue) in _supporting_counts(session, today).items():
        if agency_id in cards:
            cards[agency_id].supporting_open, cards[agency_id].supporting_overdue = open_, overdue
    for card in cards.values():
        if card.supporting_open is None:
            card.supporting_open = card.supporting_overdue = 0
    return [*cards.values(), total]


def overdue_items(session: Session, agency_id: int, today: date, limit: int = 20) -> list[OverdueItem]:
    """The agency's overdue lead items, longest overdue first (one query)."""
    rows = session.execute(
        select(ActionItem.id, ActionItem.title, ActionItem.due_date, ActionItem.status, ActionItem.pillar)
        .where(ActionItem.lead_agency_id == agency_id, IS_OPEN, ActionItem.due_date < today)
        .order_by(ActionItem.due_date, ActionItem.id)
        .limit(limit)
    ).all()
    return [OverdueItem(r.id, r.title, r.due_date, r.status, r.pillar, (today - r.due_date).days) for r in rows]
