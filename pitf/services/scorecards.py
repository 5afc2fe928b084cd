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

from sqlalchemy import Date, Row, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from pitf.errors import NotFound
from pitf.models import ActionItem, Agency, ScoreTally
from pitf.models.actions import CLOSED_STATUSES, PILLARS

# ---- SQL: the UTC day of a timestamp (the recommendation reports count in it too) ------------------

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


IS_OPEN = ActionItem.status.not_in(CLOSED_STATUSES)


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


# ---- queries: the counts kept in ScoreTally (migration 20261201_0700), read in three queries -------------

COUNT_BUCKETS = ("open", "done_on_time", "done_late", "done_undated", "cancelled")


def _month_key(day: date) -> int:
    return day.year * 100 + day.month


def _day_key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


T = ScoreTally.__table__.c  # type: ignore[attr-defined]  # Core columns: plain tuples, no ORM loading


def _days_before(today: date) -> tuple:
    """The "open_day" rows from the first of today's month to yesterday: only their keys have eight digits
    (yyyymmdd), so the range alone picks them, through ix_scoretally_due_key."""
    return T.due_key >= _month_key(today) * 100, T.due_key < _day_key(today)


def _tally_rows(session: Session, today: date, *where) -> tuple[Sequence[Row], Sequence[Row], Sequence[Row]]:
    """(bucket sums, overdue this month, days late) from ScoreTally: a few thousand rows whatever the items.

    Overdue = open with a due date before *today*: the "open" rows of the months before this one, plus the
    "open_day" rows from the first of this month to yesterday. Nothing stored depends on today's date."""
    month = _month_key(today)
    sums = session.execute(
        select(T.agency_id, T.role, T.pillar, T.bucket, func.sum(T.n),
               func.sum(case((and_(T.bucket == "open", T.due_key < month), T.n), else_=0)))
        .where(T.bucket.in_(COUNT_BUCKETS), *where)
        .group_by(T.bucket, T.agency_id, T.role, T.pillar)  # the order of ix_scoretally_bucket_group: no sort
    ).all()
    this_month = session.execute(
        select(T.agency_id, T.role, T.pillar, func.sum(T.n))
        .where(*_days_before(today), *where)
        .group_by(T.agency_id, T.role, T.pillar)
    ).all()
    late = session.execute(
        select(T.agency_id, T.due_key, T.n).where(T.bucket == "late_days", T.n > 0, *where)
    ).all()
    return sums, this_month, late


def median(days: dict[int, int]) -> float | None:
    """The median of a distribution {days late: how many items} (the mean of the middle two when even)."""
    total = sum(days.values())
    if not total:
        return None
    low_rank, high_rank = (total + 1) // 2, (total + 2) // 2  # 1-based ranks of the middle item(s)
    low = high = None
    seen = 0
    for value in sorted(days):
        seen += days[value]
        if low is None and seen >= low_rank:
            low = value
        if seen >= high_rank:
            high = value
            break
    assert low is not None and high is not None
    return (low + high) / 2


def _fill_cards(cards: dict[int, Scorecard], rows: tuple[Sequence[Row], Sequence[Row], Sequence[Row]]
                ) -> dict[int, dict[int, int]]:
    """Add the tally rows of the agencies in *cards* to them; return each one's days-late distribution."""
    sums, this_month, late = rows
    for agency_id, role, pillar, bucket, n, overdue in sums:
        card = cards.get(agency_id)
        if card is None:
            continue
        if role == "S":  # only open items are kept for supporting agencies
            card.supporting_open = (card.supporting_open or 0) + n
            card.supporting_overdue = (card.supporting_overdue or 0) + overdue
            continue
        by_pillar = card.by_pillar.get(pillar)
        for counts in (card, by_pillar) if by_pillar is not None else (card,):
            if bucket == "open":
                counts.open += n
                counts.overdue += overdue
            elif bucket == "cancelled":
                counts.cancelled += n
            else:
                counts.done += n
                if bucket == "done_on_time":
                    counts.done_on_time += n
                elif bucket == "done_late":
                    counts.done_late += n
    for agency_id, role, pillar, n in this_month:
        card = cards.get(agency_id)
        if card is None:
            continue
        if role == "S":
            card.supporting_overdue = (card.supporting_overdue or 0) + n
        else:
            card.overdue += n
            if pillar in card.by_pillar:
                card.by_pillar[pillar].overdue += n
    distributions: dict[int, dict[int, int]] = {agency_id: {} for agency_id in cards}
    for agency_id, days_late, n in late:
        days = distributions.get(agency_id)
        if days is not None:
            days[days_late] = days.get(days_late, 0) + n
    for agency_id, card in cards.items():
        card.median_days_late = median(distributions[agency_id])
        card.supporting_open = card.supporting_open or 0
        card.supporting_overdue = card.supporting_overdue or 0
    return distributions


def agency_scorecard(session: Session, agency_id: int, today: date) -> Scorecard:
    """The scorecard of the agency with *agency_id* over the items it leads (4 queries)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    card = Scorecard(acronym=agency.acronym, name=agency.name)
    _fill_cards({agency_id: card}, _tally_rows(session, today, T.agency_id == agency_id))
    return card


def summary(session: Session, today: date) -> list[Scorecard]:
    """One scorecard per active agency (by acronym), then the total row over those agencies (4 queries)."""
    agencies = session.execute(
        select(Agency.id, Agency.acronym, Agency.name).where(Agency.is_active.is_(True)).order_by(Agency.acronym)
    ).all()
    cards = {a.id: Scorecard(acronym=a.acronym, name=a.name) for a in agencies}
    distributions = _fill_cards(cards, _tally_rows(session, today))
    total = Scorecard()
    all_days: dict[int, int] = {}
    for agency_id, card in cards.items():
        total.add(card)
        for pillar, counts in card.by_pillar.items():
            total.by_pillar[pillar].add(counts)
        for days, n in distributions[agency_id].items():
            all_days[days] = all_days.get(days, 0) + n
    total.median_days_late = median(all_days)
    return [*cards.values(), total]


def open_and_overdue(session: Session, today: date) -> dict[int, tuple[int, int]]:
    """{agency_id: (open, overdue)} over the items each agency leads (2 queries, a few thousand rows)."""
    month = _month_key(today)
    found: dict[int, list[int]] = {}
    for agency_id, n, overdue in session.execute(
        select(T.agency_id, func.sum(T.n), func.sum(case((T.due_key < month, T.n), else_=0)))
        .where(T.bucket == "open", T.role == "L").group_by(T.agency_id)
    ):
        found[agency_id] = [n, overdue]
    for agency_id, n in session.execute(
        select(T.agency_id, func.sum(T.n))
        .where(*_days_before(today), T.role == "L")
        .group_by(T.agency_id)
    ):
        found.setdefault(agency_id, [0, 0])[1] += n
    return {agency_id: (int(o), int(d)) for agency_id, (o, d) in found.items()}


def overdue_items(session: Session, agency_id: int, today: date, limit: int = 20) -> list[OverdueItem]:
    """The agency's overdue lead items, longest overdue first (one query)."""
    rows = session.execute(
        select(ActionItem.id, ActionItem.title, ActionItem.due_date, ActionItem.status, ActionItem.pillar)
        .where(ActionItem.lead_agency_id == agency_id, IS_OPEN, ActionItem.due_date < today)
        .order_by(ActionItem.due_date, ActionItem.id)
        .limit(limit)
    ).all()
    return [OverdueItem(r.id, r.title, r.due_date, r.status, r.pillar, (today - r.due_date).days) for r in rows]
