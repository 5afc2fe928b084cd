"""The PITF's annual summary: a calendar or fiscal year of commitments, recommendations and meetings, read in a
fixed number of grouped queries whatever the number of rows.

The period: a calendar year (January to December) or a federal fiscal year (October to September; FY2026 runs
from 2025-10-01 to 2026-09-30). The *as-of day* is the period's last day, or today while the period runs.
Days of stored timestamps are UTC days, as the scorecards count them; a meeting's day is its day in the
platform's time zone (PITF_TIMEZONE).

Commitments (action items), each counted once, for the agency that leads it and under its pillar:
- made: created during the period (whatever became of it since, cancelled ones included);
- done: closed as done during the period (whenever made); done on time: closed on or before the due date;
  done late: closed after it; cancelled: cancelled during the period;
- overdue: on the as-of day, made by then, due before that day, and neither done nor cancelled by the end of
  it (an item closed later was still open then); an item due on the as-of day is not yet overdue. For the
  running period this is the scorecards' overdue of today;
- median days late: over the items done late during the period, the days from the due date to the day done;
- median days overdue: over the items overdue on the as-of day, the days from the due date to that day.
  A median of an even number of items is the mean of the middle two; none when there are no items.

Recommendations, a recommendation counting once for each agency it is addressed to (and under its pillar):
- received: opened for the agencies' responses (its first move from under review to open) during the period;
- answered: the agency's first response was filed by the as-of day; answered on time: filed on or before the
  agency's response due date (an answer with no due date is on time, as on the recommendations dashboard);
- overdue: not answered by the as-of day, and its response due date is before that day;
- positions: of the agency's latest response revision filed by the as-of day.

Meetings, by the body that holds them (a joint meeting counts for its host): held = not cancelled, started
during the period and before now; closed = held and closed to the public; cancelled = cancelled, planned for
the period; still to come = not cancelled, in the period but not yet begun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    Committee,
    Meeting,
    Recommendation,
    RecommendationEvent,
    RecommendationTarget,
)
from pitf.models.vocab import COMMITTEE_KIND_LABELS, PILLAR_LABELS, CommitteeKind, Pillar
from pitf.services.scorecards import IS_OPEN, median, utc_day
from pitf.services.timeutil import zone

FIRST_YEAR, LAST_YEAR = 2000, 2100
CALENDAR, FISCAL = "calendar", "fiscal"
PERIOD_KINDS = {CALENDAR: "Calendar year", FISCAL: "Fiscal year"}
TITLE = "The PITF's annual summary"


# ---- SQL: whole days between two dates -------------------------------------------------------------

class day_span(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """The number of days from the second date to the first (later - earlier), as an integer."""

    type = Integer()
    inherit_cache = True


@compiles(day_span)
def _day_span_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})"
            " AS INTEGER)")


@compiles(day_span, "postgresql")
def _day_span_postgresql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


def _when(condition):
    """1 where *condition* holds, else NULL: count() of it counts the rows that match."""
    return case((condition, 1))


# ---- the period ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    kind: str  # calendar or fiscal
    year: int

    @property
    def start(self) -> date:
        return date(self.year - 1, 10, 1) if self.kind == FISCAL else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return date(self.year, 9, 30) if self.kind == FISCAL else date(self.year, 12, 31)

    @property
    def label(self) -> str:
        """"Fiscal year 2026" or "Calendar year 2026"."""
        return f"{PERIOD_KINDS[self.kind]} {self.year}"

    @property
    def short(self) -> str:
        """"FY2026" or "CY2026"."""
        return f"{'FY' if self.kind == FISCAL else 'CY'}{self.year}"

    @property
    def dates(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def neighbour(self, step: int) -> Period:
        return Period(self.kind, self.year + step)


def current_period(kind: str, today: date) -> Period:
    """The period of *kind* that holds *today* (FY2027 from 2026-10-01)."""
    if kind == FISCAL:
        return Period(FISCAL, today.year + 1 if today.month >= 10 else today.year)
    return Period(CALENDAR, today.year)


def parse_period(year: str | None, kind: str | None, today: date) -> Period:
    """The period a reader asked for; blank: the running fiscal year. Bad, future: ValidationFailed."""
    errors: dict[str, str] = {}
    kind = (kind or FISCAL).strip().lower()
    if kind not in PERIOD_KINDS:
        errors["period"] = "Choose a calendar year or a fiscal year (October to September)."
        kind = FISCAL
    raw = (year or "").strip()
    if not raw:
        return current_period(kind, today) if not errors else _refuse(errors)
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4) or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        errors["year"] = f"Enter a year of four digits, such as {current_period(kind, today).year}."
        _refuse(errors)
    period = Period(kind, int(raw))
    if period.start > today:
        now = current_period(kind, today)
        errors["year"] = (f"{period.short} begins on {period.start.isoformat()}: it has not started yet. "
                          f"Choose {now.short} or earlier.")
    if errors:
        _refuse(errors)
    return period


def _refuse(errors: dict[str, str]):
    raise ValidationFailed("The period is not valid.", fields=errors)


# ---- the figures -----------------------------------------------------------------------------------

@dataclass
class Commitments:
    made: int = 0
    done: int = 0
    done_on_time: int = 0
    cancelled: int = 0
    overdue: int = 0
    median_days_late: float | None = None
    median_days_overdue: float | None = None

    COUNTS = ("made", "done", "done_on_time", "cancelled", "overdue")

    @property
    def done_late(self) -> int:
        return self.done - self.done_on_time

    def add(self, other: Commitments) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Responses:
    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue: int = 0
    concur: int = 0
    partially_concur: int = 0
    non_concur: int = 0

    COUNTS = ("received", "answered", "answered_on_time", "overdue", "concur", "partially_concur", "non_concur")

    @property
    def answered_late(self) -> int:
        return self.answered - self.answered_on_time

    def add(self, other: Responses) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Row:
    """An agency (key: acronym), a pillar (key: the pillar) or the total (key None)."""

    key: str | None
    name: str
    commitments: Commitments = field(default_factory=Commitments)
    responses: Responses = field(default_factory=Responses)
    late_days: dict[int, int] = field(default_factory=dict)  # {days late: items}
    overdue_days: dict[int, int] = field(default_factory=dict)  # {days overdue: items}

    def add(self, other: Row) -> None:
        self.commitments.add(other.commitments)
        self.responses.add(other.responses)
        for mine, theirs in ((self.late_days, other.late_days), (self.overdue_days, other.overdue_days)):
            for days, n in theirs.items():
                mine[days] = mine.get(days, 0) + n

    def finish(self) -> None:
        self.commitments.median_days_late = median(self.late_days)
        self.commitments.median_days_overdue = median(self.overdue_days)


@dataclass
class BodyRow:
    name: str  # None: the total
    short_name: str = ""
    kind: str = ""
    follows_faca: bool = False
    held: int = 0
    closed: int = 0
    cancelled: int = 0
    to_come: int = 0

    COUNTS = ("held", "closed", "cancelled", "to_come")

    @property
    def kind_label(self) -> str:
        return COMMITTEE_KIND_LABELS.get(self.kind, self.kind)


@dataclass
class Summary:
    period: Period
    as_of: date
    running: bool  # the period is not over: figures to date
    agencies: list[Row]
    pillars: list[Row]
    total: Row
    bodies: list[BodyRow]
    bodies_total: BodyRow

    @property
    def title(self) -> str:
        return f"{TITLE}: {self.period.label}"

    @property
    def has_data(self) -> bool:
        c, r, b = self.total.commitments, self.total.responses, self.bodies_total
        return any((c.made, c.done, c.cancelled, c.overdue, r.received, r.answered, r.overdue,
                    b.held, b.cancelled, b.to_come))

    @property
    def empty_reason(self) -> str:
        return (f"No commitment was made, done, cancelled or overdue, no recommendation was received or "
                f"answered, and no meeting was held or planned in {self.period.label} ({self.period.dates}).")


# ---- the queries -----------------------------------------------------------------------------------

def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def first_record_day(session: Session) -> date | None:
    """The UTC day of the platform's first record: an action item made, a meeting, a recommendation submitted."""
    firsts = session.execute(select(
        select(func.min(ActionItem.created_at)).scalar_subquery(),
        select(func.min(Meeting.starts_at)).scalar_subquery(),
        select(func.min(Recommendation.submitted_at)).scalar_subquery())).one()
    days = [(v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC).date() if isinstance(v, datetime)
            else date.fromisoformat(v[:10]) for v in firsts if v is not None]
    return min(days, default=None)


def _commitments(session: Session, period: Period, as_of: date, rows: dict[tuple[int, str], Row]) -> None:
    start, end, after_as_of = _midnight(period.start), _midnight(period.end + timedelta(days=1)), \
        _midnight(as_of + timedelta(days=1))
    item = ActionItem
    made = and_(item.created_at >= start, item.created_at < end)
    closed_in = and_(item.closed_at >= start, item.closed_at < end)
    done = and_(item.status == "done", closed_in)
    on_time = and_(done, utc_day(item.closed_at) <= item.due_date)
    cancelled = and_(item.status == "cancelled", closed_in)
    overdue = and_(item.created_at < after_as_of, item.due_date < as_of,
                   or_(IS_OPEN, item.closed_at >= after_as_of))
    group = (item.lead_agency_id, item.pillar)
    for agency_id, pillar, n_made, n_done, n_on_time, n_cancelled, n_overdue in session.execute(
            select(*group, func.count(_when(made)), func.count(_when(done)), func.count(_when(on_time)),
                   func.count(_when(cancelled)), func.count(_when(overdue)))
            .where(or_(made, closed_in, overdue)).group_by(*group)).all():
        c = _row(rows, agency_id, pillar).commitments
        c.made, c.done, c.done_on_time, c.cancelled, c.overdue = n_made, n_done, n_on_time, n_cancelled, n_overdue
    late = day_span(utc_day(item.closed_at), item.due_date)
    for agency_id, pillar, days, n in session.execute(
            select(*group, late, func.count()).where(done, utc_day(item.closed_at) > item.due_date)
            .group_by(*group, late)).all():
        _row(rows, agency_id, pillar).late_days[int(days)] = n
    for agency_id, pillar, due, n in session.execute(
            select(*group, item.due_date, func.count()).where(overdue).group_by(*group, item.due_date)).all():
        days_map = _row(rows, agency_id, pillar).overdue_days
        days = (as_of - due).days
        days_map[days] = days_map.get(days, 0) + n


def _responses(session: Session, period: Period, as_of: date, rows: dict[tuple[int, str], Row]) -> None:
    start, end, after_as_of = _midnight(period.start), _midnight(period.end + timedelta(days=1)), \
        _midnight(as_of + timedelta(days=1))
    E, T, R = RecommendationEvent, RecommendationTarget, AgencyResponse
    opened = (select(E.recommendation_id.label("rec_id"), func.min(E.created_at).label("at"))
              .where(E.from_status == "under_review", E.to_status == "open")
              .group_by(E.recommendation_id).subquery())
    latest = (select(R.recommendation_id.label("rec_id"), R.agency_id.label("agency_id"),
                     func.max(R.revision).label("revision"))
              .where(R.created_at < after_as_of).group_by(R.recommendation_id, R.agency_id).subquery())
    first, position = aliased(R), aliased(R)
    answered = and_(first.id.is_not(None), first.created_at < after_as_of)
    on_time = and_(answered, or_(T.response_due.is_(None), utc_day(first.created_at) <= T.response_due))
    overdue = and_(~answered, T.response_due < as_of)
    for agency_id, pillar, *counts in session.execute(
            select(T.agency_id, Recommendation.pillar, func.count(), func.count(_when(answered)),
                   func.count(_when(on_time)), func.count(_when(overdue)),
                   func.count(_when(position.position == "concur")),
                   func.count(_when(position.position == "partially_concur")),
                   func.count(_when(position.position == "non_concur")))
            .select_from(T)
            .join(Recommendation, Recommendation.id == T.recommendation_id)
            .join(opened, opened.c.rec_id == T.recommendation_id)
            .outerjoin(first, and_(first.recommendation_id == T.recommendation_id, first.agency_id == T.agency_id,
                                   first.revision == 1))
            .outerjoin(latest, and_(latest.c.rec_id == T.recommendation_id, latest.c.agency_id == T.agency_id))
            .outerjoin(position, and_(position.recommendation_id == T.recommendation_id,
                                      position.agency_id == T.agency_id, position.revision == latest.c.revision))
            .where(opened.c.at >= start, opened.c.at < end)
            .group_by(T.agency_id, Recommendation.pillar)).all():
        r = _row(rows, agency_id, pillar).responses
        (r.received, r.answered, r.answered_on_time, r.overdue, r.concur, r.partially_concur,
         r.non_concur) = counts


def _row(rows: dict[tuple[int, str], Row], agency_id: int, pillar: str) -> Row:
    return rows.setdefault((agency_id, str(pillar)), Row(key=None, name=""))


KIND_ORDER: dict[str, int] = {str(kind): n for n, kind in enumerate(CommitteeKind)}


def _bodies(session: Session, period: Period, now: datetime) -> tuple[list[BodyRow], BodyRow]:
    here = zone(None)  # the platform's calendar (PITF_TIMEZONE)
    start = datetime.combine(period.start, time.min, here).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, here).astimezone(UTC)
    m = Meeting
    held = and_(m.status != "cancelled", m.starts_at < now)
    counts = {committee_id: rest for committee_id, *rest in session.execute(
        select(m.committee_id, func.count(_when(held)), func.count(_when(and_(held, m.is_open.is_(False)))),
               func.count(_when(m.status == "cancelled")),
               func.count(_when(and_(m.status != "cancelled", m.starts_at >= now))))
        .where(m.starts_at >= start, m.starts_at < end).group_by(m.committee_id)).all()}
    bodies = []
    for c in session.execute(select(Committee.id, Committee.name, Committee.short_name, Committee.kind,
                                    Committee.follows_faca, Committee.is_active)).all():
        if not c.is_active and c.id not in counts:
            continue
        row = BodyRow(name=c.name, short_name=c.short_name, kind=c.kind, follows_faca=c.follows_faca)
        row.held, row.closed, row.cancelled, row.to_come = counts.get(c.id, (0, 0, 0, 0))
        bodies.append(row)
    bodies.sort(key=lambda b: (KIND_ORDER.get(b.kind, len(KIND_ORDER)), b.name))
    total = BodyRow(name="All bodies")
    for b in bodies:
        for name in BodyRow.COUNTS:
            setattr(total, name, getattr(total, name) + getattr(b, name))
    return bodies, total


def annual_summary(*, session: Session, actor, year: str | None, period: str | None, now: datetime) -> Summary:
    """The summary of the period a reader asked for (*year* and *period* as typed); refusals: ValidationFailed.

    Eight queries whatever the number of items, recommendations or meetings."""
    require(permissions.can_view_annual_summary(actor), "Sign in to read the PITF's annual summary.")
    today = now.astimezone(UTC).date()
    chosen = parse_period(year, period, today)
    first = first_record_day(session)
    if first is not None and chosen.end < first:
        earliest = chosen
        while earliest.neighbour(1).end < first:
            earliest = earliest.neighbour(1)
        raise ValidationFailed("The period is not valid.", fields={"year": (
            f"The platform's records begin on {first.isoformat()}, after {chosen.short} ended. "
            f"Choose {earliest.neighbour(1).short} or later.")})
    as_of = min(chosen.end, today)
    agencies = session.execute(select(Agency.id, Agency.acronym, Agency.name, Agency.is_active)).all()
    by_pair: dict[tuple[int, str], Row] = {}
    _commitments(session, chosen, as_of, by_pair)
    _responses(session, chosen, as_of, by_pair)
    agency_rows = {a.id: Row(key=a.acronym, name=a.name) for a in agencies}
    pillar_rows = {str(p): Row(key=str(p), name=PILLAR_LABELS[p]) for p in Pillar}
    total = Row(key=None, name="All agencies")
    for (agency_id, pillar), row in by_pair.items():
        if agency_id in agency_rows:
            agency_rows[agency_id].add(row)
        pillar_rows.setdefault(pillar, Row(key=pillar, name=pillar.capitalize())).add(row)
        total.add(row)
    with_figures = {agency_id for agency_id, _pillar in by_pair}
    listed = sorted((agency_rows[a.id] for a in agencies if a.is_active or a.id in with_figures),
                    key=lambda r: r.key or "")
    for row in (*listed, *pillar_rows.values(), total):
        row.finish()
    bodies, bodies_total = _bodies(session, chosen, now)
    return Summary(period=chosen, as_of=as_of, running=as_of < chosen.end, agencies=listed,
                   pillars=list(pillar_rows.values()), total=total, bodies=bodies, bodies_total=bodies_total)
