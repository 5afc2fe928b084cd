"""Whether a user may see an object: the one rule that pages, serializers, exports, feeds and notifications ask.

A closed meeting is seen by its committee's members, the secretariat and administrators; a draft recommendation
by its authors; a minutes revision by whoever the minutes' lifecycle lets read it (planners every revision,
members the circulated one, everyone who sees the meeting the approved ones). Whatever a user may not see is
neither shown nor linked: pages show a neutral phrase ("a closed meeting") in place of its title and link.

The rules themselves are the pure functions of `pitf.permissions`; this module gathers the facts they need
(committee membership, authorship) for one object (`can_see`) or for a whole page of them at once
(`visible_meeting_ids`, `visible_recommendation_ids`, `related_*`), so a list costs a fixed number of queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.models import (
    ActionItem,
    Agenda,
    AgendaItem,
    Meeting,
    Minutes,
    MinutesRevision,
    Notification,
    Recommendation,
    RecommendationCosponsor,
)

HIDDEN_MEETING = "a closed meeting"
HIDDEN_RECOMMENDATION = "a recommendation not yet submitted"
HIDDEN_NOTIFICATION = "A notice about something you can no longer see"


# ---- one object --------------------------------------------------------------------------------

def can_see(session: Session, actor, obj, *, access=None) -> bool:
    """May *actor* see *obj* (a meeting, a recommendation, minutes or one of their revisions, an agenda item,
    an action item)? *access* (a CommitteeAccess already computed for the meeting's committee) saves a query."""
    if obj is None or not permissions.is_signed_in(actor):
        return False
    if isinstance(obj, Meeting):
        return _meeting_visible(session, actor, obj, access)
    if isinstance(obj, Recommendation):
        from pitf.services.recommendations import authorship

        return permissions.can_view_recommendation(actor, obj, authorship(session, actor, obj))
    if isinstance(obj, ActionItem):
        return permissions.can_view_action_items(actor)
    if isinstance(obj, AgendaItem):
        agenda = session.get(Agenda, obj.agenda_id)
        return agenda is not None and can_see(session, actor, session.get(Meeting, agenda.meeting_id))
    if isinstance(obj, Minutes):
        return _minutes_readable(session, actor, obj, None)
    if isinstance(obj, MinutesRevision):
        minutes = session.get(Minutes, obj.minutes_id)
        return minutes is not None and _minutes_readable(session, actor, minutes, obj)
    raise TypeError(f"No visibility rule for {type(obj).__name__}")


def _meeting_visible(session: Session, actor, meeting: Meeting, access) -> bool:
    from pitf.services.meetings import committee_access

    if access is None:
        access = committee_access(session, actor, meeting.committee_id)
    return permissions.can_view_meeting(actor, meeting, access)


def _minutes_readable(session: Session, actor, minutes: Minutes, revision: MinutesRevision | None) -> bool:
    """Minutes (or one revision) are readable when the meeting is, and the lifecycle lets *actor* read them:
    draft minutes stay with the planners, circulated ones reach the members, approved ones every reader."""
    from pitf.services import minutes as mins
    from pitf.services.meetings import committee_access

    meeting = session.get(Meeting, minutes.meeting_id)
    if meeting is None:
        return False
    access = committee_access(session, actor, meeting.committee_id)
    if not permissions.can_view_meeting(actor, meeting, access):
        return False
    readable = mins.visible_revisions(session, actor, minutes, access)
    if revision is None:
        return bool(readable)
    return any(r.id == revision.id for r in readable)


# ---- many at once (lists, exports, feeds) ---------------------------------------------------------

def visible_meeting_ids(session: Session, actor, ids: Iterable[int | None]) -> set[int]:
    """Which of these meetings *actor* may see: two queries whatever the number."""
    from pitf.services.meetings import CommitteeAccess, member_committee_ids

    wanted = {i for i in ids if i is not None}
    if not permissions.is_signed_in(actor):
        return set()
    # Queries run even for no ids, so that a list page costs the same whatever rows it shows.
    rows = session.execute(select(Meeting.id, Meeting.is_open, Meeting.committee_id)
                           .where(Meeting.id.in_(sorted(wanted)))).all()
    member_of = set() if permissions.is_staff(actor) else member_committee_ids(session, actor)
    return {mid for mid, is_open, committee_id in rows
            if permissions.can_view_meeting(actor, _Row(is_open=is_open),
                                            CommitteeAccess(is_member=committee_id in member_of))}


def visible_recommendation_ids(session: Session, actor, ids: Iterable[int | None]) -> set[int]:
    """Which of these recommendations *actor* may see (drafts only by their authors): two queries at most."""
    wanted = {i for i in ids if i is not None}
    if not permissions.is_signed_in(actor):
        return set()
    rows = session.execute(select(Recommendation.id, Recommendation.status, Recommendation.filed_by_id)
                           .where(Recommendation.id.in_(sorted(wanted)))).all()
    drafts = [r[0] for r in rows if r[1] == "draft"]
    cosponsored = set(session.execute(select(RecommendationCosponsor.recommendation_id).where(
        RecommendationCosponsor.recommendation_id.in_(drafts), RecommendationCosponsor.user_id == actor.id))
        .scalars())
    return {rid for rid, status, filed_by in rows
            if permissions.can_view_recommendation(actor, _Row(status=status),
                                                   filed_by == actor.id or rid in cosponsored)}


def meeting_clause(session: Session, actor):
    """The same rule as a SQL condition on Meeting, for lists that filter in the query (dashboards, feeds):
    open meetings, and closed ones of the actor's committees; every one for the secretariat."""
    from sqlalchemy import false, or_, true

    from pitf.services.meetings import member_committee_ids

    if not permissions.is_signed_in(actor):
        return false()
    if permissions.is_staff(actor):
        return true()
    ids = member_committee_ids(session, actor)
    return or_(Meeting.is_open.is_(True), Meeting.committee_id.in_(ids or {-1}))


class _Row:
    """The columns a permission rule reads, without loading the whole row."""

    def __init__(self, **columns):
        self.__dict__.update(columns)


# ---- what a page shows of a related object --------------------------------------------------------

@dataclass(frozen=True)
class Related:
    """A related object as a page may show it: its label and link, or a neutral phrase and no link."""

    kind: str  # "meeting" or "recommendation"
    visible: bool
    label: str
    id: int | None = None  # None when hidden: not even the number is shown
    url: str | None = None
    starts_at: datetime | None = None  # a meeting's start


def recommendation_label(number: str | None, title: str) -> str:
    return f"{number or 'Draft'}: {title}"


def related_meetings(session: Session, actor, ids: Iterable[int | None]) -> dict[int, Related]:
    """For each meeting id, what *actor* is shown: title, date and link, or "a closed meeting"."""
    wanted = {i for i in ids if i is not None}
    visible = visible_meeting_ids(session, actor, wanted)
    result = {i: Related("meeting", False, HIDDEN_MEETING) for i in wanted}
    if permissions.is_signed_in(actor):
        for mid, title, starts_at in session.execute(select(Meeting.id, Meeting.title, Meeting.starts_at)
                                                     .where(Meeting.id.in_(sorted(visible)))).all():
            result[mid] = Related("meeting", True, title, mid, f"/meetings/{mid}", starts_at)
    return result


def related_recommendations(session: Session, actor, ids: Iterable[int | None]) -> dict[int, Related]:
    """For each recommendation id, what *actor* is shown: number, title and link, or a neutral phrase."""
    wanted = {i for i in ids if i is not None}
    visible = visible_recommendation_ids(session, actor, wanted)
    result = {i: Related("recommendation", False, HIDDEN_RECOMMENDATION) for i in wanted}
    if permissions.is_signed_in(actor):
        for rid, number, title in session.execute(select(Recommendation.id, Recommendation.number,
                                                         Recommendation.title)
                                                  .where(Recommendation.id.in_(sorted(visible)))).all():
            result[rid] = Related("recommendation", True, recommendation_label(number, title), rid,
                                  f"/recommendations/{rid}")
    return result


def related_meeting(session: Session, actor, meeting_id: int | None) -> Related | None:
    return related_meetings(session, actor, [meeting_id]).get(meeting_id) if meeting_id is not None else None


def related_recommendation(session: Session, actor, rec_id: int | None) -> Related | None:
    return related_recommendations(session, actor, [rec_id]).get(rec_id) if rec_id is not None else None


# ---- notifications ---------------------------------------------------------------------------------

_LINK = re.compile(r"^/(meetings|recommendations)/(\d+)(?:[/?#.]|$)")


class NotificationView:
    """A notification as its reader may see it now: the stored row's fields, except that one about a meeting or
    recommendation they may not (or no longer) see has a neutral title and neither body nor link."""

    def __init__(self, note: Notification, visible: bool):
        self.note, self.visible = note, visible
        self.id, self.kind, self.user_id = note.id, note.kind, note.user_id
        self.created_at, self.read_at = note.created_at, note.read_at
        self.title = note.title if visible else HIDDEN_NOTIFICATION
        self.body = note.body if visible else ""
        self.url = note.url if visible else ""


def notification_views(session: Session, actor, notes: Iterable[Notification]) -> list[NotificationView]:
    """Each notification checked against what its reader may see today (membership ends, recommendations go
    back to draft): a fixed number of queries for a page of them."""
    notes = list(notes)
    targets: list[tuple[str, int] | None] = []  # (kind, id) of what each note links to, in the notes' order
    for n in notes:
        match = _LINK.match(n.url or "")
        targets.append((match.group(1), int(match.group(2))) if match else None)
    meetings = visible_meeting_ids(session, actor, [t[1] for t in targets if t and t[0] == "meetings"])
    recs = visible_recommendation_ids(session, actor, [t[1] for t in targets if t and t[0] == "recommendations"])
    return [NotificationView(n, target is None or target[1] in (meetings if target[0] == "meetings" else recs))
            for n, target in zip(notes, targets, strict=True)]
