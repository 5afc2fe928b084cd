"""What an agenda item may link to: the action items and recommendations offered in its pickers, and the
references the API accepts (an id, or a recommendation's number such as "2026-01")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.models import ActionItem, Agency, Meeting, Recommendation
from pitf.models.actions import CLOSED_STATUSES

REC_NUMBER = re.compile(r"^\d{4}-\d{2,4}$")


def _linkable_recommendations_stmt():
    # Drafts are private to their authors: never offered, never linked (permissions.can_view_recommendation).
    return select(Recommendation).where(Recommendation.status != "draft")


def recommendation_choices(session: Session, actor) -> list[tuple[int, str]]:
    """Every recommendation an agenda may present, by number and title, newest first."""
    if not permissions.is_signed_in(actor):
        return []
    rows = session.execute(_linkable_recommendations_stmt().with_only_columns(
        Recommendation.id, Recommendation.number, Recommendation.title)
        .order_by(Recommendation.report_year.desc(), Recommendation.number.desc(), Recommendation.id.desc())).all()
    return [(rid, f"{number}: {title}" if number else title) for rid, number, title in rows]


def action_item_choices(session: Session, actor, meeting: Meeting,
                        current: Sequence[int] = ()) -> list[tuple[int, str]]:
    """The action items an agenda item may review: the open ones of the meeting's body (and of the body it meets
    jointly), by number and title, soonest due first; and any item already linked. Every signed-in user reads
    every action item (permissions.can_view_action_items)."""
    if not permissions.can_view_action_items(actor):
        return []
    bodies = [meeting.committee_id] + ([meeting.joint_with_committee_id] if meeting.joint_with_committee_id else [])
    linked = [i for i in current if i]
    stmt = (select(ActionItem.id, ActionItem.title, Agency.acronym, ActionItem.due_date)
            .join(Agency, Agency.id == ActionItem.lead_agency_id)
            .where(or_(ActionItem.committee_id.in_(bodies) & ActionItem.status.not_in(CLOSED_STATUSES),
                       ActionItem.id.in_(linked or [-1])))
            .order_by(ActionItem.due_date, ActionItem.id))
    return [(iid, f"{iid}: {title} ({acronym}, due {due.isoformat()})")
            for iid, title, acronym, due in session.execute(stmt).all()]


def resolve_recommendation(session: Session, ref) -> int | None:
    """A recommendation's id from its id or its number ("2026-01"); None when there is no such one to link."""
    if isinstance(ref, str) and REC_NUMBER.match(ref.strip()):
        return session.execute(_linkable_recommendations_stmt().with_only_columns(Recommendation.id)
                               .where(Recommendation.number == ref.strip())).scalar()
    if isinstance(ref, int) and not isinstance(ref, bool):
        return session.execute(_linkable_recommendations_stmt().with_only_columns(Recommendation.id)
                               .where(Recommendation.id == ref)).scalar()
    return None
