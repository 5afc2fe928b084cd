"""The recommendations dashboard and the Council's annual report, each read in a fixed number of queries (the
report's layout, grouped, with its index by agency, and as Markdown, is in rec_annual_report).

Which recommendations count: every one that reached the secretariat and stayed, that is every status
but draft and withdrawn (submitted, under_review, open, closed_implemented, closed_not_implemented).

Per agency (``agency_dashboard``), over those recommendations, a recommendation counting once for each
agency it is addressed to (a RecommendationTarget row):
- received: recommendations addressed to the agency;
- answered: the agency has a current response (responses are revised, never deleted);
- answered on time: answered, and the UTC calendar day of the agency's first response (revision 1) is on
  or before that target's response due date; answered without a due date counts as on time;
- answered late: answered, not on time;
- overdue: the recommendation is open, the agency has not answered, and its due date is before *today*;
- concur / partially concur / non-concur: the positions of the agencies' current responses;
- commitments open / done: distinct action items linked to the agency's current responses (an item
  linked from two responses counts once); open = neither done nor cancelled, done = done; cancelled
  items are in neither;
- implemented: recommendations addressed to the agency and closed as implemented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, distinct, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from pitf import permissions
from pitf.errors import Conflict, NotFound, ValidationFailed, require
from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    Committee,
    Recommendation,
    RecommendationTarget,
    ResponseActionItem,
    utcnow,
)
from pitf.models.actions import ACTION_STATUS_LABELS, CLOSED_STATUSES, PILLAR_LABELS
from pitf.services import audit
from pitf.services.recommendations import POSITION_LABELS, STATUS_LABELS
from pitf.services.scorecards import utc_day

COUNCIL = "U.S. Advisory Council on Human Trafficking"
NOT_REPORTED = ("draft", "withdrawn")
REPORTED = Recommendation.status.not_in(NOT_REPORTED)


def _when(condition):
    """1 where *condition* holds, else NULL: count() of it counts the rows that match."""
    return case((condition, 1))


def _percent(part: int, whole: int) -> int | None:
    """*part* as a whole percentage of *whole*, a half rounded up; None when *whole* is zero."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


# ---- the dashboard: per agency --------------------------------------------------------------------

@dataclass
class AgencyRow:
    acronym: str | None  # None: the total row
    name: str = ""
    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue: int = 0
    concur: int = 0
    partially_concur: int = 0
    non_concur: int = 0
    commitments_open: int = 0
    commitments_done: int = 0
    implemented: int = 0

    COUNTS = ("received", "answered", "answered_on_time", "overdue", "concur", "partially_concur", "non_concur",
              "commitments_open", "commitments_done", "implemented")

    @property
    def answered_late(self) -> int:
        return self.answered - self.answered_on_time

    @property
    def on_time_pct(self) -> int | None:
        """Answered on time as a whole percentage of the answered (a half rounds up); None when none."""
        return _percent(self.answered_on_time, self.answered)

    @classmethod
    def total(cls, rows: list[AgencyRow]) -> AgencyRow:
        """The sum of *rows*: a recommendation addressed to two agencies counts twice."""
        total = cls(acronym=None, name="All agencies")
        for row in rows:
            for name in cls.COUNTS:
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def agency_dashboard(session: Session, today: date, year: int | None = None) -> list[AgencyRow]:
    """One row per agency addressed by at least one reported recommendation, by acronym (2 queries).

    *year*: only the recommendations of that report year. The figures are defined in the module docstring.
    """
    target = RecommendationTarget
    current = aliased(AgencyResponse)
    first = aliased(AgencyResponse)

    def same_target(r):
        return and_(r.recommendation_id == target.recommendation_id, r.agency_id == target.agency_id)

    answered = current.id.is_not(None)
    on_time = and_(answered, or_(target.response_due.is_(None), utc_day(first.created_at) <= target.response_due))
    where = [REPORTED] + ([Recommendation.report_year == year] if year is not None else [])
    rows = session.execute(
        select(Agency.id, Agency.acronym, Agency.name,
               func.count(),
               func.count(_when(answered)),
               func.count(_when(on_time)),
               func.count(_when(and_(Recommendation.status == "open", current.id.is_(None),
                                     target.response_due < today))),
               func.count(_when(current.position == "concur")),
               func.count(_when(current.position == "partially_concur")),
               func.count(_when(current.position == "non_concur")),
               func.count(_when(Recommendation.status == "closed_implemented")))
        .select_from(target)
        .join(Recommendation, Recommendation.id == target.recommendation_id)
        .join(Agency, Agency.id == target.agency_id)
        .outerjoin(current, and_(same_target(current), current.is_current.is_(True)))
        .outerjoin(first, and_(same_target(first), first.revision == 1))
        .where(*where)
        .group_by(Agency.id, Agency.acronym, Agency.name)
        .order_by(Agency.acronym)
    ).all()
    result = {}
    for agency_id, acronym, name, received, answered_n, on_time_n, overdue, concur, partial, non, implemented in rows:
        result[agency_id] = AgencyRow(acronym=acronym, name=name, received=received, answered=answered_n,
                                      answered_on_time=on_time_n, overdue=overdue, concur=concur,
                                      partially_concur=partial, non_concur=non, implemented=implemented)
    commitments = session.execute(
        select(AgencyResponse.agency_id,
               func.count(distinct(case((ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.id)))),
               func.count(distinct(case((ActionItem.status == "done", ActionItem.id)))))
        .join(ResponseActionItem, ResponseActionItem.response_id == AgencyResponse.id)
        .join(ActionItem, ActionItem.id == ResponseActionItem.action_item_id)
        .join(Recommendation, Recommendation.id == AgencyResponse.recommendation_id)
        .where(AgencyResponse.is_current.is_(True), *where)
        .group_by(AgencyResponse.agency_id)
    ).all()
    for agency_id, open_, done in commitments:
        if agency_id in result:
            result[agency_id].commitments_open, result[agency_id].commitments_done = open_, done
    return list(result.values())


# ---- the dashboard: the Council's record by report year -------------------------------------------

@dataclass
class YearRow:
    year: int
    submitted: int = 0  # every reported recommendation of the year, whatever its status now
    in_review: int = 0  # status submitted or under_review
    open: int = 0
    implemented: int = 0  # closed_implemented
    not_implemented: int = 0  # closed_not_implemented

    @property
    def implemented_pct(self) -> int | None:
        """implemented / (implemented + not implemented + open + under review + submitted), as a whole percent.

        The denominator is every recommendation of the year that reached the secretariat and was not withdrawn
        (drafts and withdrawn ones are left out), so a year whose recommendations are still open reads low
        until they close. A half rounds up (12.5 -> 13); None when the year has no such recommendation.
        """
        return _percent(self.implemented, self.submitted)


def council_by_year(session: Session) -> list[YearRow]:
    """The Council's recommendations per report year, newest year first (1 query); see YearRow.implemented_pct."""
    rows = session.execute(
        select(Recommendation.report_year.label("year"), func.count().label("submitted"),
               func.count(_when(Recommendation.status.in_(("submitted", "under_review")))).label("in_review"),
               func.count(_when(Recommendation.status == "open")).label("open"),
               func.count(_when(Recommendation.status == "closed_implemented")).label("implemented"),
               func.count(_when(Recommendation.status == "closed_not_implemented")).label("not_implemented"))
        .where(REPORTED)
        .group_by(Recommendation.report_year)
        .order_by(Recommendation.report_year.desc())
    ).all()
    return [YearRow(**row._mapping) for row in rows]


def latest_report_year(session: Session) -> int | None:
    """The newest year with a recommendation in the Council's annual report (1 query); None before the first."""
    return session.execute(select(func.max(Recommendation.report_year)).where(REPORTED)).scalar()


# ---- the annual report ----------------------------------------------------------------------------

@dataclass
class Commitment:
    id: int
    title: str
    status: str
    percent_complete: int | None
    due_date: date

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS.get(self.status, self.status)


@dataclass
class ReportResponse:
    agency: str
    agency_name: str
    position: str
    response_md: str
    response_html: str
    revision: int
    filed_on: date
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def position_label(self) -> str:
        return POSITION_LABELS.get(self.position, self.position)


@dataclass
class ReportTarget:
    agency: str
    agency_name: str
    response_due: date | None
    response: ReportResponse | None = None


@dataclass
class ReportItem:
    id: int
    number: str
    title: str
    status: str
    pillar: str
    priority: bool
    body_md: str
    body_html: str
    rationale_md: str
    rationale_html: str
    report_order: int | None
    drafting_committee_id: int | None = None
    drafting_committee: str = ""  # "" for the full Council
    targets: list[ReportTarget] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def pillar_label(self) -> str:
        return PILLAR_LABELS.get(self.pillar, self.pillar)

    @property
    def responses(self) -> list[ReportResponse]:
        return [t.response for t in self.targets if t.response is not None]


@dataclass
class Report:
    year: int
    as_of: date
    items: list[ReportItem]

    @property
    def title(self) -> str:
        return f"{COUNCIL}: Annual Report {self.year}"


def _in_report_order(year: int):
    """The year's reported recommendations in the Council's order: report_order (nulls last), then number."""
    return (select(Recommendation)
            .where(Recommendation.report_year == year, REPORTED)
            .order_by(Recommendation.report_order.is_(None), Recommendation.report_order,
                      Recommendation.sequence, Recommendation.id))


def annual_report(session: Session, year: int, *, today: date | None = None) -> Report:
    """The year's recommendations in the Council's order with targets, responses and commitments (4 queries)."""
    # Columns, not objects: a year has hundreds of recommendations, responses and commitments, and loading each
    # as an ORM object cost more than the rest of the report (measured at scale 10).
    R = Recommendation
    recs = session.execute(_in_report_order(year).with_only_columns(
        R.id, R.number, R.title, R.status, R.pillar, R.priority, R.body_md, R.body_html, R.rationale_md,
        R.rationale_html, R.report_order, R.drafting_committee_id, Committee.name.label("committee_name"))
        .outerjoin(Committee, Committee.id == R.drafting_committee_id)).all()
    items = {r.id: ReportItem(id=r.id, number=r.number or "", title=r.title, status=r.status, pillar=r.pillar,
                              priority=r.priority, body_md=r.body_md, body_html=r.body_html,
                              rationale_md=r.rationale_md, rationale_html=r.rationale_html,
                              report_order=r.report_order, drafting_committee_id=r.drafting_committee_id,
                              drafting_committee=r.committee_name or "") for r in recs}
    report = Report(year=year, as_of=today or utcnow().date(), items=list(items.values()))
    if not items:
        return report
    targets: dict[tuple[int, int], ReportTarget] = {}
    for rec_id, agency_id, response_due, acronym, name in session.execute(
            select(RecommendationTarget.recommendation_id, RecommendationTarget.agency_id,
                   RecommendationTarget.response_due, Agency.acronym, Agency.name)
            .join(Agency, Agency.id == RecommendationTarget.agency_id)
            .where(RecommendationTarget.recommendation_id.in_(list(items)))
            .order_by(Agency.acronym)).all():
        targets[(rec_id, agency_id)] = target = ReportTarget(acronym, name, response_due)
        items[rec_id].targets.append(target)
    responses: dict[int, ReportResponse] = {}
    A = AgencyResponse
    for r in session.execute(
            select(A.id, A.recommendation_id, A.agency_id, A.position, A.response_md, A.response_html, A.revision,
                   A.created_at, A.due_date, Agency.acronym, Agency.name)
            .join(Agency, Agency.id == A.agency_id)
            .where(A.recommendation_id.in_(list(items)), A.is_current.is_(True))).all():
        response = ReportResponse(agency=r.acronym, agency_name=r.name, position=r.position,
                                  response_md=r.response_md, response_html=r.response_html, revision=r.revision,
                                  filed_on=r.created_at.date())
        responses[r.id] = response
        addressed = targets.get((r.recommendation_id, r.agency_id))
        if addressed is None:  # an answer from an agency no longer addressed: still part of the record
            addressed = ReportTarget(r.acronym, r.name, r.due_date)
            items[r.recommendation_id].targets.append(addressed)
        addressed.response = response
    if responses:
        for response_id, *commitment in session.execute(
                select(ResponseActionItem.response_id, ActionItem.id, ActionItem.title, ActionItem.status,
                       ActionItem.percent_complete, ActionItem.due_date)
                .join(ActionItem, ActionItem.id == ResponseActionItem.action_item_id)
                .where(ResponseActionItem.response_id.in_(list(responses)))
                .order_by(ActionItem.due_date, ActionItem.id)).all():
            responses[response_id].commitments.append(Commitment(*commitment))
    return report


# ---- the Council's order --------------------------------------------------------------------------

@dataclass(frozen=True)
class Placed:
    """A recommendation's place in the annual report as stored: its id, number and report_order."""

    id: int
    number: str | None
    report_order: int | None


def _current_order(session: Session, year: int) -> list[Placed]:
    """The year's reported recommendations in report order, rows locked."""
    stmt = _in_report_order(year).with_only_columns(
        Recommendation.id, Recommendation.number, Recommendation.report_order).with_for_update()
    return [Placed(rec_id, number, order) for rec_id, number, order in session.execute(stmt).all()]


def _write_order(session: Session, actor, year: int, current: list[Placed], ordered_ids: list[int]) -> list[int]:
    numbers = {r.id: r.number for r in current}
    if [r.id for r in current] == ordered_ids and all(r.report_order == n for n, r in enumerate(current, start=1)):
        return ordered_ids
    # The order is the report's layout, not a change to a recommendation: neither its version (an author's
    # or the secretariat's open form) nor its updated time moves, hence the bulk update.
    session.execute(
        update(Recommendation)
        .where(Recommendation.id.in_(ordered_ids))
        .values(report_order=case({rec_id: n for n, rec_id in enumerate(ordered_ids, start=1)},
                                  value=Recommendation.id),
                updated_at=Recommendation.updated_at)
        .execution_options(synchronize_session="fetch"))
    audit.record(session, actor=actor, action="recommendation.report_order", object_type="AnnualReport",
                 object_id=year, changes={"order": [[numbers[r.id] for r in current],
                                                    [numbers[i] for i in ordered_ids]]})
    session.flush()
    return ordered_ids


def set_report_order(*, session: Session, actor, year: int, ordered_ids: list) -> list[int]:
    """Put the year's recommendations in *ordered_ids*' order; the ids must be exactly the year's, once each."""
    require(permissions.can_order_annual_report(actor),
            "Only the Advisory Council's members and the secretariat order the annual report.")
    if not isinstance(ordered_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                    for i in ordered_ids):
        raise ValidationFailed("Bad order.", fields={"ordered_ids": "A list of recommendation ids."})
    current = _current_order(session, year)
    wanted = {r.id for r in current}
    errors = []
    if len(set(ordered_ids)) != len(ordered_ids):
        errors.append("Give each recommendation once.")
    if unknown := sorted(set(ordered_ids) - wanted):
        errors.append(f"Not a recommendation of the {year} report: {', '.join(map(str, unknown))}.")
    if missing := sorted(wanted - set(ordered_ids)):
        numbers = {r.id: r.number for r in current}
        errors.append(f"Missing from the order: {', '.join(numbers[i] or str(i) for i in missing)}.")
    if errors:
        raise ValidationFailed("The order has problems.", fields={"ordered_ids": " ".join(errors)})
    return _write_order(session, actor, year, current, ordered_ids)


def move_in_report(*, session: Session, actor, year: int, rec_id: int, direction: str,
                   seen: list[int] | None = None) -> tuple[list[int], int]:
    """Move one recommendation a place up or down; (new order, its new index).

    *seen*: the order the mover was looking at; if someone has changed it since, Conflict (the move would
    otherwise land somewhere the mover did not intend)."""
    require(permissions.can_order_annual_report(actor),
            "Only the Advisory Council's members and the secretariat order the annual report.")
    if direction not in ("up", "down"):
        raise ValidationFailed("Bad direction.", fields={"direction": "Move up or down."})
    current = _current_order(session, year)
    ids = [r.id for r in current]
    if rec_id not in ids:
        raise NotFound(f"No such recommendation in the {year} report.")
    if seen is not None and seen != ids:
        raise Conflict("Someone changed the order since you loaded the page. This is the order now; "
                       "make your move again.")
    index = ids.index(rec_id)
    new_index = index - 1 if direction == "up" else index + 1
    if not 0 <= new_index < len(ids):
        raise ValidationFailed("Cannot move further.", fields={
            "direction": "It is already first." if direction == "up" else "It is already last."})
    ids[index], ids[new_index] = ids[new_index], ids[index]
    return _write_order(session, actor, year, current, ids), new_index
