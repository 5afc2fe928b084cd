"""The weekly digest: each person's agency commitments due and overdue, responses due and coming meetings,
sent once a week at 09:00 in their own zone, claimed like reminders so it goes once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, func, insert, or_, select
from sqlalchemy.orm import Session

from pitf.models import (
    ActionItem,
    Committee,
    Meeting,
    Membership,
    OutboxEmail,
    Recommendation,
    RecommendationTarget,
    ReminderLog,
    User,
)
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.recommendations import AgencyResponse
from pitf.services.reminders import Due, RunReport, claim
from pitf.services.timeutil import to_local, zone
from pitf.settings import platform_timezone

# ---- the weekly digest -----------------------------------------------------------------------

@dataclass(frozen=True)
class DigestMeeting:
    """A coming meeting as the digest lists it: *when* in the reader's own zone, *body* the committee."""
    id: int
    title: str
    body: str
    when: str


@dataclass
class Digest:
    user: User
    due_soon: list[Row] = field(default_factory=list)  # action items: id, title, due_date
    overdue: list[Row] = field(default_factory=list)
    open_count: int = 0
    recommendations: list[Row] = field(default_factory=list)  # id, number, title, response_due
    meetings: list[DigestMeeting] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.due_soon or self.overdue or self.recommendations or self.meetings)

    def text(self, base_url: str) -> str:
        out = [f"Your week on the PITF Coordination Platform, {self.user.name}.", ""]
        for heading, items in (("Overdue commitments of your agency:", self.overdue),
                               ("Due within a week:", self.due_soon)):
            if items:
                out += [heading, *(f"- {i.title} (due {i.due_date.isoformat()}) {base_url}/action-items/{i.id}"
                                   for i in items), ""]
        if self.open_count:
            out += [f"Open commitments of your agency in all: {self.open_count}.", ""]
        if self.recommendations:
            out += ["Recommendations awaiting your agency's response:"]
            out += [f"- {r.number}: {r.title} (due {r.response_due.isoformat() if r.response_due else 'no date'}) "
                    f"{base_url}/recommendations/{r.id}" for r in self.recommendations] + [""]
        if self.meetings:
            out += ["Your committees' coming meetings:"]
            out += [f"- {m.when}: {m.title} ({m.body}) {base_url}/meetings/{m.id}" for m in self.meetings]
            out += [""]
        out += [f"Change what you receive: {base_url}/account/notifications"]
        return "\n".join(out)


def digest_window(now: datetime, user_tz: str, weekday: int = 0, hour: int = 9) -> str | None:
    """The ISO week whose digest is due for a user at *now*: on Monday from 09:00 in their own zone.
    A scheduler down all Monday skips that week: a "your week" digest on Thursday is worse than none."""
    tz = zone(user_tz)
    local = now.astimezone(tz)
    if local.weekday() != weekday or local.hour < hour:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def build_digests(session: Session, users: list[User], now: datetime) -> list[Digest]:
    """Digest contents for many users with a fixed number of queries."""
    today = now.astimezone(zone(None)).date()  # the platform's calendar (PITF_TIMEZONE)
    agency_ids = {u.agency_id for u in users if u.agency_id}
    items: dict[int, list] = defaultdict(list)
    open_counts: dict[int, int] = {}
    if agency_ids:
        for row in session.execute(select(ActionItem.id, ActionItem.title, ActionItem.due_date,
                                          ActionItem.lead_agency_id)
                                   .where(ActionItem.lead_agency_id.in_(agency_ids),
                                          ActionItem.status.not_in(CLOSED_STATUSES),
                                          ActionItem.due_date <= today + timedelta(days=7))
                                   .order_by(ActionItem.due_date)).all():
            items[row.lead_agency_id].append(row)
        open_counts = dict(session.execute(select(ActionItem.lead_agency_id, func.count()).where(
            ActionItem.lead_agency_id.in_(agency_ids), ActionItem.status.not_in(CLOSED_STATUSES))
            .group_by(ActionItem.lead_agency_id)).tuples().all())
    recs: dict[int, list] = defaultdict(list)
    if agency_ids:
        answered = select(AgencyResponse.id).where(
            AgencyResponse.recommendation_id == RecommendationTarget.recommendation_id,
            AgencyResponse.agency_id == RecommendationTarget.agency_id).exists()
        for target in session.execute(
                select(Recommendation.id, Recommendation.number, Recommendation.title,
                       RecommendationTarget.response_due, RecommendationTarget.agency_id)
                .join(RecommendationTarget, RecommendationTarget.recommendation_id == Recommendation.id)
                .where(Recommendation.status == "open", RecommendationTarget.agency_id.in_(agency_ids), ~answered)
                .order_by(RecommendationTarget.response_due)).all():
            recs[target.agency_id].append(target)
    user_ids = [u.id for u in users]
    memberships: dict[int | None, set[int]] = defaultdict(set)  # user id -> committee ids
    for member in session.execute(
            select(Membership.committee_id, Membership.user_id, Membership.agency_id).where(
                Membership.ended_on.is_(None),
                or_(Membership.user_id.in_(user_ids or [-1]), Membership.agency_id.in_(agency_ids or [-1])))).all():
        if member.user_id:
            memberships[member.user_id].add(member.committee_id)
        else:
            for u in users:
                if u.role == "liaison" and u.agency_id == member.agency_id:
                    memberships[u.id].add(member.committee_id)
    meetings_by_committee: dict[int, list] = defaultdict(list)
    for m, c in session.execute(select(Meeting, Committee).join(Committee, Committee.id == Meeting.committee_id)
                                .where(Meeting.status == "scheduled", Meeting.starts_at >= now,
                                       Meeting.starts_at <= now + timedelta(days=14))
                                .order_by(Meeting.starts_at)).all():
        meetings_by_committee[c.id].append((m, c))
    digests = []
    for u in users:
        d = Digest(u)
        if u.agency_id and u.role == "liaison":
            for item in items.get(u.agency_id, []):
                (d.overdue if item.due_date < today else d.due_soon).append(item)
            d.open_count = open_counts.get(u.agency_id, 0)
            d.recommendations = recs.get(u.agency_id, [])
        for committee_id in sorted(memberships.get(u.id, ())):
            for m, c in meetings_by_committee.get(committee_id, []):  # members see closed ones too
                when = to_local(m.starts_at, u.timezone).strftime("%a %b %-d, %-I:%M %p %Z")
                d.meetings.append(DigestMeeting(m.id, m.title, c.short_name or c.name, when))
        digests.append(d)
    return digests


def run_digests(session: Session, *, now: datetime, base_url: str) -> RunReport:
    """Send each user's weekly digest once, from Monday 09:00 in their own zone; nothing to say, no email."""
    users = list(session.execute(select(User).where(User.is_active.is_(True), User.digest_enabled.is_(True),
                                                    User.email != "")).scalars())
    windows = {u.id: digest_window(now, u.timezone or platform_timezone()) for u in users}
    due_users = [u for u in users if windows[u.id]]
    report = RunReport()
    if not due_users:
        return report
    already = set(session.execute(select(ReminderLog.recipient_id, ReminderLog.window).where(
        ReminderLog.rule == "digest", ReminderLog.recipient_id.in_([u.id for u in due_users]))).all())
    due_users = [u for u in due_users if (u.id, windows[u.id]) not in already]
    digests = [d for d in build_digests(session, due_users, now) if not d.empty]
    report.found = len(digests)
    dues = []
    for d in digests:
        user_id, window = d.user.id, windows[d.user.id]
        assert user_id is not None and window is not None  # stored users whose digest window is open
        dues.append(Due("digest", "user", user_id, user_id, window, "digest",
                        f"Your weekly PITF digest ({window})", "/dashboard"))
    claimed = {c.recipient_id for c in claim(session, dues, now)}
    report.claimed = len(claimed)
    mails = [{"user_id": d.user.id, "to_address": d.user.email, "kind": "digest",
              "subject": f"Your weekly PITF digest ({windows[d.user.id]})", "body_text": d.text(base_url),
              "body_html": "", "message_id": f"<{uuid.uuid4()}@pitf.platform>",
              "dedup_key": f"digest:{d.user.id}:{windows[d.user.id]}", "state": "pending", "attempts": 0,
              "next_attempt_at": now, "claimed_by": "", "last_error": "", "created_at": now}
             for d in digests if d.user.id in claimed]
    if mails:
        session.execute(insert(OutboxEmail), mails)
    report.emails = len(mails)
    report.by_rule["digest"] = len(mails)
    session.flush()
    return report


