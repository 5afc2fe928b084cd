"""What each role sees first: a liaison their agency's commitments, the secretariat the whole task force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pitf.models import (
    ActionItem,
    Agency,
    Committee,
    Meeting,
    OpenCommitment,
    Recommendation,
    RecommendationCosponsor,
    RecommendationTarget,
    User,
)
from pitf.services import scorecards, visibility

UPCOMING_MEETINGS = 8


@dataclass
class Commitment:
    id: int
    title: str
    lead_agency: str
    due_date: date
    status: str
    pillar: str
    role: str  # "lead" or "supporting"
    overdue: bool


@dataclass
class AgencyLoad:
    acronym: str
    name: str
    open: int
    overdue: int


@dataclass
class Dashboard:
    role: str
    agency: Agency | None = None
    commitments: list[Commitment] = field(default_factory=list)
    agency_load: list[AgencyLoad] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    upcoming_meetings: list[tuple[Meeting, Committee]] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)


def agency_commitments(session: Session, agency_id: int, today: date, limit: int = 50) -> list[Commitment]:
    """The agency's open commitments, lead and supporting, overdue first then by due date (overdue items are
    the ones due before today, so due date order puts them first): the first *limit* rows of OpenCommitment's
    index for the agency, whatever the number of items."""
    rows = session.execute(
        select(ActionItem.id, ActionItem.title, Agency.acronym.label("lead_agency"), ActionItem.due_date,
               ActionItem.status, ActionItem.pillar, ActionItem.lead_agency_id)
        .select_from(OpenCommitment)
        .join(ActionItem, ActionItem.id == OpenCommitment.action_item_id)
        .join(Agency, Agency.id == ActionItem.lead_agency_id)
        # An agency that leads an item and is also listed among its supporters sees it once, as lead.
        .where(OpenCommitment.agency_id == agency_id,
               or_(OpenCommitment.role == "L", ActionItem.lead_agency_id != agency_id))
        .order_by(OpenCommitment.due_date, OpenCommitment.action_item_id).limit(limit)
    ).all()
    return [Commitment(id=r.id, title=r.title, lead_agency=r.lead_agency, due_date=r.due_date, status=r.status,
                       pillar=r.pillar, role="lead" if r.lead_agency_id == agency_id else "supporting",
                       overdue=r.due_date < today) for r in rows]


def build_dashboard(*, session: Session, actor: User, now: datetime) -> Dashboard:
    today = now.date()
    dash = Dashboard(role=actor.role)
    if actor.agency_id:
        dash.agency = session.get(Agency, actor.agency_id)
        dash.commitments = agency_commitments(session, actor.agency_id, today)
    if actor.role in ("admin", "secretariat", "viewer"):
        counts = scorecards.open_and_overdue(session, today)  # kept by ScoreTally: no scan of the items
        rows = [AgencyLoad(a.acronym, a.name, *counts.get(a.id, (0, 0))) for a in session.execute(
            select(Agency.id, Agency.acronym, Agency.name).where(Agency.is_active.is_(True)).order_by(Agency.acronym))]
        # Most overdue first: the secretariat chases from the top.
        dash.agency_load = sorted(rows, key=lambda a: (-a.overdue, -a.open, a.acronym))
        dash.totals = {
            "open": sum(a.open for a in dash.agency_load),
            "overdue": sum(a.overdue for a in dash.agency_load),
            "under_review": session.execute(select(func.count(Recommendation.id)).where(
                Recommendation.status.in_(("submitted", "under_review")))).scalar() or 0,
        }
    if actor.role == "council":
        cosponsored = select(RecommendationCosponsor.recommendation_id).where(
            RecommendationCosponsor.user_id == actor.id)
        dash.recommendations = list(session.execute(
            select(Recommendation).where(or_(Recommendation.filed_by_id == actor.id,
                                             Recommendation.id.in_(cosponsored)))
            .order_by(Recommendation.updated_at.desc()).limit(20)
        ).scalars())
    if actor.role == "liaison" and actor.agency_id:
        dash.recommendations = list(session.execute(
            select(Recommendation)
            .join(RecommendationTarget, RecommendationTarget.recommendation_id == Recommendation.id)
            .where(RecommendationTarget.agency_id == actor.agency_id, Recommendation.status == "open")
            .order_by(RecommendationTarget.response_due).limit(20)
        ).scalars())
    # Every coming meeting the user may see: open ones, and the closed ones of their committees (all for staff).
    dash.upcoming_meetings = list(session.execute(
        select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id)
        .where(Meeting.ends_at >= now, Meeting.status == "scheduled", visibility.meeting_clause(session, actor))
        .order_by(Meeting.starts_at, Meeting.id).limit(UPCOMING_MEETINGS)
    ).tuples().all())
    return dash
