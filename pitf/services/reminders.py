"""The reminder rules: find what is due in the database, claim each reminder once, notify.

Every reminder has a key (rule, object, recipient, window) that the database keeps unique
(ReminderLog). A run inserts the keys it finds due with ON CONFLICT DO NOTHING and notifies only
for the keys it inserted, so a second run, or a second scheduler running at the same moment, sends
nothing twice. Windows are chosen so that a scheduler that was down catches up once: the rules
look at where each object stands now, not at which runs were missed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from pitf.models import (
    ActionItem,
    Agency,
    Agenda,
    Committee,
    Meeting,
    Membership,
    Minutes,
    Notification,
    OutboxEmail,
    Recommendation,
    RecommendationTarget,
    ReminderLog,
    User,
)
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.recommendations import AgencyResponse
from pitf.services.timeutil import to_local, zone

# Kinds of reminder a person can choose "email" or "in_app" for (see the preferences page).
KINDS = {
    "action_due": "An action item of your agency is due soon",
    "action_overdue": "An action item of your agency is overdue",
    "status_request": "A status update is requested",
    "rec_response_due": "A recommendation response of your agency is due soon",
    "rec_response_overdue": "A recommendation response of your agency is overdue",
    "meeting_deadline": "Meeting deadlines (agenda, minutes, FACA notice and certification)",
    "escalation": "Escalations to the secretariat",
    "action_item_assigned": "An action item is assigned to your agency",
    "agenda_published": "An agenda is published",
    "minutes_circulated": "Minutes are circulated for comment",
    "minutes_mailed": "Approved minutes are mailed",
    "recommendation_submitted": "A recommendation is submitted",
    "recommendation_assigned": "A recommendation asks for your agency's response",
    "recommendation_response": "An agency responds to a recommendation",
}
CHUNK = 5000


@dataclass(frozen=True)
class Due:
    rule: str
    object_type: str
    object_id: int
    recipient_id: int
    window: str
    kind: str
    title: str
    url: str
    body: str = ""

    @property
    def key(self) -> tuple:
        return (self.rule, self.object_type, self.object_id, self.recipient_id, self.window)


@dataclass
class People:
    """Everyone a rule may address, read once per run."""

    users: dict[int, User]
    liaisons: dict[int, list[int]]  # agency id -> user ids
    staff: list[int]
    chairs: dict[int, list[int]]  # committee id -> user ids (chair and co-chairs)

    @classmethod
    def load(cls, session: Session) -> People:
        # Rows read from the table: every id is set.
        users = {cast(int, u.id): u for u in session.execute(select(User).where(User.is_active.is_(True))).scalars()}
        liaisons: dict[int, list[int]] = defaultdict(list)
        for user_id, u in users.items():
            if u.role == "liaison" and u.agency_id:
                liaisons[u.agency_id].append(user_id)
        staff = [user_id for user_id, u in users.items() if u.role == "secretariat"]
        chairs: dict[int, list[int]] = defaultdict(list)
        for committee_id, user_id in session.execute(select(Membership.committee_id, Membership.user_id).where(
                Membership.ended_on.is_(None), Membership.user_id.is_not(None),
                Membership.role.in_(("chair", "co_chair")))).all():
            if user_id in users:
                chairs[committee_id].append(user_id)
        return cls(users, liaisons, staff, chairs)


@dataclass
class RunReport:
    found: int = 0
    claimed: int = 0
    emails: int = 0
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))


# ---- the rules -------------------------------------------------------------------------------

def _overdue_window(days_over: int, daily_days: int) -> str | None:
    """Daily for the first *daily_days* days overdue, then once a week (days daily+7, daily+14, ...).
    A run after a gap lands in the latest window only, so a missed stretch is caught up once."""
    if days_over <= 0:
        return None
    if days_over <= daily_days:
        return f"day-{days_over}"
    weeks = (days_over - daily_days) // 7
    if weeks == 0:
        return f"day-{daily_days}" if daily_days else None
    return f"week-{weeks}"


def action_item_dues(session: Session, people: People, today: date, cfg: dict) -> list[Due]:
    horizon = today + timedelta(days=max(cfg["action_due_days"] or [0]))
    rows = session.execute(select(ActionItem.id, ActionItem.title, ActionItem.due_date, ActionItem.lead_agency_id,
                                  ActionItem.owner_id, Agency.acronym)
                           .join(Agency, Agency.id == ActionItem.lead_agency_id)
                           .where(ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.due_date <= horizon)).all()
    dues: list[Due] = []
    for item in rows:
        recipients = list(dict.fromkeys([*people.liaisons.get(item.lead_agency_id, []),
                                         *([item.owner_id] if item.owner_id in people.users else [])]))
        days_left = (item.due_date - today).days
        url = f"/action-items/{item.id}"
        if days_left >= 0:
            # The nearest threshold reached; a missed earlier one is not sent late.
            reached = [d for d in sorted(cfg["action_due_days"]) if days_left <= d]
            if reached:
                d = reached[0]
                when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
                dues += [Due("action_due", "action_item", item.id, r, f"{item.due_date}:{d}", "action_due",
                             f"Due {when}: {item.title} ({item.acronym})", url, f"Due {item.due_date.isoformat()}.")
                         for r in recipients]
            continue
        days_over = -days_left
        window = _overdue_window(days_over, cfg["action_overdue_daily_days"])
        if window:
            dues += [Due("action_overdue", "action_item", item.id, r, f"{item.due_date}:{window}", "action_overdue",
                         f"Overdue by {days_over} day{'s' if days_over != 1 else ''}: {item.title} ({item.acronym})",
                         url + "#update", f"It was due {item.due_date.isoformat()}. Post its status.")
                     for r in recipients]
        if days_over >= cfg["action_escalate_days"]:
            dues += [Due("action_escalation", "action_item", item.id, r, f"{item.due_date}", "escalation",
                         f"Escalated: {item.acronym} is {days_over} days late on {item.title}", url,
                         f"Due {item.due_date.isoformat()}; no completion reported.") for r in people.staff]
    return dues


def status_request_dues(session: Session, people: People, now: datetime, cfg: dict) -> list[Due]:
    """Open items silent for the committee's number of days: ask the lead agency, again each period."""
    default = cfg["status_request_days"]
    thresholds: dict[int | None, int | None] = dict(
        session.execute(select(Committee.id, Committee.status_request_days)).tuples().all())
    shortest = min([default, *[d for d in thresholds.values() if d]])
    last = func.coalesce(ActionItem.last_update_at, ActionItem.created_at)
    rows = session.execute(select(ActionItem.id, ActionItem.title, ActionItem.committee_id,
                                  ActionItem.lead_agency_id, last.label("last_at"))
                           .where(ActionItem.status.not_in(CLOSED_STATUSES),
                                  last < now - timedelta(days=shortest))).all()
    dues = []
    for item in rows:
        period = thresholds.get(item.committee_id) or default
        silent = (now - item.last_at).days
        if silent < period:
            continue
        window = f"{item.last_at.date()}:{silent // period}"
        dues += [Due("status_request", "action_item", item.id, r, window, "status_request",
                     f"Status update requested: {item.title}", f"/action-items/{item.id}#update",
                     f"No status update for {silent} days. Post one from the item's page.")
                 for r in people.liaisons.get(item.lead_agency_id, [])]
    return dues


def recommendation_dues(session: Session, people: People, today: date, cfg: dict) -> list[Due]:
    horizon = today + timedelta(days=max(cfg["rec_due_days"] or [0]))
    answered = select(AgencyResponse.id).where(
        AgencyResponse.recommendation_id == RecommendationTarget.recommendation_id,
        AgencyResponse.agency_id == RecommendationTarget.agency_id).exists()
    rows = session.execute(select(Recommendation.id, Recommendation.number, Recommendation.title,
                                  RecommendationTarget.agency_id, RecommendationTarget.response_due.label("due"),
                                  Agency.acronym)
                           .join(RecommendationTarget, RecommendationTarget.recommendation_id == Recommendation.id)
                           .join(Agency, Agency.id == RecommendationTarget.agency_id)
                           .where(Recommendation.status == "open", RecommendationTarget.response_due.is_not(None),
                                  RecommendationTarget.response_due <= horizon, ~answered)).all()
    dues = []
    for target in rows:
        url = f"/recommendations/{target.id}"
        label = f"{target.number}: {target.title}"
        days_left = (target.due - today).days
        object_id = target.id * 1000 + target.agency_id % 1000  # one reminder stream per (recommendation, agency)
        recipients = people.liaisons.get(target.agency_id, [])
        if days_left >= 0:
            reached = [d for d in sorted(cfg["rec_due_days"]) if days_left <= d]
            if reached:
                dues += [Due("rec_response_due", "recommendation_target", object_id, r, f"{target.due}:{reached[0]}",
                             "rec_response_due", f"Response due in {days_left} days: {label}", url,
                             f"{target.acronym}'s response is due {target.due.isoformat()}.") for r in recipients]
            continue
        days_over = -days_left
        window = _overdue_window(days_over, 1)
        if window:
            dues += [Due("rec_response_overdue", "recommendation_target", object_id, r, f"{target.due}:{window}",
                         "rec_response_overdue", f"Response overdue: {label}", url,
                         f"{target.acronym}'s response was due {target.due.isoformat()}.") for r in recipients]
        if days_over >= cfg["rec_escalate_days"]:
            dues += [Due("rec_escalation", "recommendation_target", object_id, r, f"{target.due}", "escalation",
                         f"Escalated: {target.acronym} has not answered {label}", url,
                         f"The response was due {target.due.isoformat()}.") for r in people.staff]
    return dues


def meeting_dues(session: Session, people: People, now: datetime, today: date, cfg: dict,
                 clocks) -> list[Due]:
    """Agenda unpublished, minutes not circulated, and the FACA notice and certification deadlines."""
    start = now - timedelta(days=clocks.certify_days + 30)
    end = now + timedelta(days=max(cfg["agenda_unpublished_days"], clocks.notice_days + cfg["faca_deadline_days"]) + 1)
    rows = session.execute(select(Meeting, Committee, Agenda.published_at, Minutes.status, Minutes.approved_revision)
                           .join(Committee, Committee.id == Meeting.committee_id)
                           .join(Agenda, Agenda.meeting_id == Meeting.id, isouter=True)
                           .join(Minutes, Minutes.meeting_id == Meeting.id, isouter=True)
                           .where(Meeting.status == "scheduled", Meeting.starts_at >= start,
                                  Meeting.starts_at <= end)).all()
    dues = []
    for meeting, committee, published_at, minutes_status, approved_revision in rows:
        recipients = list(dict.fromkeys([*people.staff, *people.chairs.get(committee.id, [])]))
        day = to_local(meeting.starts_at, meeting.timezone).date()
        url = f"/meetings/{meeting.id}"
        name = f"{meeting.title} ({committee.short_name or committee.name}, {day.isoformat()})"

        def add(rule, window, title, body, *, _url=url, _meeting_id=meeting.id, _to=tuple(recipients)):
            dues.extend(Due(rule, "meeting", _meeting_id, r, window, "meeting_deadline", title, _url, body)
                        for r in _to)

        days_to = (day - today).days
        if 0 <= days_to <= cfg["agenda_unpublished_days"] and published_at is None:
            add("agenda_unpublished", str(day), f"Agenda not published: {name}",
                f"The meeting is in {days_to} days and its agenda is not published.")
        days_after = (today - day).days
        if days_after >= cfg["minutes_uncirculated_days"] and minutes_status in (None, "draft") \
                and approved_revision is None:
            add("minutes_uncirculated", str(day), f"Minutes not circulated: {name}",
                f"The meeting was {days_after} days ago and its minutes are not circulated.", _url=url + "/minutes")
        if committee.follows_faca:
            notice_deadline = day - timedelta(days=clocks.notice_days)
            if meeting.federal_register_notice_date is None and \
                    0 <= (notice_deadline - today).days <= cfg["faca_deadline_days"]:
                add("faca_notice_deadline", str(notice_deadline), f"Federal Register notice due: {name}",
                    f"Publish the notice by {notice_deadline.isoformat()} ({clocks.notice_days} days ahead).")
            certify_by = day + timedelta(days=clocks.certify_days)
            if approved_revision is None and day <= today and \
                    0 <= (certify_by - today).days <= cfg["faca_deadline_days"]:
                add("faca_certify_deadline", str(certify_by), f"Minutes to certify by {certify_by}: {name}",
                    f"The chair certifies the minutes within {clocks.certify_days} days of the meeting.",
                    _url=url + "/minutes")
    return dues


# ---- delivery --------------------------------------------------------------------------------

def _insert_ignore(session: Session) -> Callable[..., Any]:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


def claim(session: Session, dues: list[Due], now: datetime) -> list[Due]:
    """Insert each reminder's key; return the ones this run inserted (the others were given already)."""
    unique = list({d.key: d for d in dues}.values())
    if not unique:
        return []
    dialect_insert = _insert_ignore(session)
    stmt = (dialect_insert(ReminderLog)
            .on_conflict_do_nothing(index_elements=["rule", "object_type", "object_id", "recipient_id", "window"])
            .returning(ReminderLog.rule, ReminderLog.object_type, ReminderLog.object_id, ReminderLog.recipient_id,
                       ReminderLog.window))
    won: set[tuple] = set()
    # 5,000 keys a statement (25,000 bound values: within SQLite's limit): a run's statements
    # grow by one per 5,000 reminders, not one per reminder.
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        rows = [{"rule": d.rule, "object_type": d.object_type, "object_id": d.object_id,
                 "recipient_id": d.recipient_id, "window": d.window, "created_at": now} for d in chunk]
        won.update(tuple(r) for r in session.execute(stmt.values(rows)).all())
    return [d for d in unique if d.key in won]


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and (user.notification_prefs or {}).get(kind, "email") == "email"


def deliver(session: Session, people: People, claimed: list[Due], now: datetime, base_url: str) -> int:
    """In-app notifications for every claimed reminder, emails for those who want them: batched inserts."""
    if not claimed:
        return 0
    notes, mails = [], []
    for d in claimed:
        user = people.users.get(d.recipient_id)
        if user is None:
            continue
        key = "rem:" + ":".join(map(str, d.key))
        notes.append({"user_id": user.id, "kind": d.kind, "title": d.title[:300], "body": d.body, "url": d.url,
                      "dedup_key": key[:255], "created_at": now})
        if wants_email(user, d.kind):
            mails.append({"user_id": user.id, "to_address": user.email, "kind": d.kind, "subject": d.title[:300],
                          "body_text": f"{d.title}\n\n{d.body}\n\n{base_url}{d.url}\n", "body_html": "",
                          "message_id": f"<{uuid.uuid4()}@pitf.platform>", "dedup_key": key[:255],
                          "state": "pending", "attempts": 0, "next_attempt_at": now, "claimed_by": "",
                          "last_error": "", "created_at": now})
    for start in range(0, len(notes), CHUNK):
        session.execute(insert(Notification), notes[start:start + CHUNK])
    for start in range(0, len(mails), CHUNK):
        session.execute(insert(OutboxEmail), mails[start:start + CHUNK])
    return len(mails)


def run_reminders(session: Session, *, now: datetime, cfg: dict, clocks, base_url: str,
                  tz_name: str | None = None) -> RunReport:
    """One pass of every reminder rule at *now*."""
    today = now.astimezone(zone(tz_name)).date()
    people = People.load(session)
    dues = [*action_item_dues(session, people, today, cfg), *status_request_dues(session, people, now, cfg),
            *recommendation_dues(session, people, today, cfg),
            *meeting_dues(session, people, now, today, cfg, clocks)]
    report = RunReport(found=len(dues))
    claimed = claim(session, dues, now)
    report.claimed = len(claimed)
    for d in claimed:
        report.by_rule[d.rule] += 1
    report.emails = deliver(session, people, claimed, now, base_url)
    session.flush()
    return report
