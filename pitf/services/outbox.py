"""The email outbox: claim the due rows, send them over SMTP, record each outcome; and the admin's retry.

Exactly once, with one documented window (docs/email.md): a row is claimed in a short write
transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: the IMMEDIATE transaction
serializes claimers) and marked `sending`; no other sender takes a `sending` row. Each outcome is
recorded in its own short transaction right after the server's answer. A sender that dies between
the server's acceptance and that record leaves the row in `sending`; after the lease it goes back
to `pending` and is sent again, with the same Message-ID, which receivers use to drop the copy.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import nh3
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from pitf.errors import require
from pitf.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from pitf.models import OutboxEmail, utcnow
from pitf.models.notifications import OUTBOX_STATES
from pitf.permissions import is_admin
from pitf.services import audit

if TYPE_CHECKING:
    from pitf.db import Database
    from pitf.mail import Mailer

log = logging.getLogger("pitf.outbox")

# Minutes to wait after the 1st, 2nd, ... failed attempt; the last step repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
UNSUBSCRIBE_PATH = "/account/notifications"


@dataclass
class SendReport:
    """What one run of the sender did; *waiting* counts the rows still pending when it ended."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    requeued: int = 0
    waiting: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait before the next try, after *attempts* failed tries (1, 5, 15, 60, 240 minutes)."""
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


def unsubscribe_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}"


def default_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def send_due(db: Database, *, now: datetime, mailer: Mailer | None, base_url: str, batch_size: int = 50,
             runner: str = "", max_attempts: int = 6, lease: timedelta = timedelta(minutes=10)) -> SendReport:
    """Send every due email once. Without a mailer (no PITF_MAIL_URL) nothing is sent and the
    rows wait in the outbox. Never raises for SMTP trouble: it is recorded on the rows.

    Statements per run (BEGIN excluded): 1 requeue + 2 per claimed batch (SELECT, UPDATE) + 1 per
    message + 1 final claim SELECT when the last batch was full + 1 count; and on a connection
    failure, 1 per distinct attempt count among the rows left in the batch.
    """
    runner = (runner or default_runner())[:100]
    report = SendReport(requeued=_requeue_stale(db, now=now, lease=lease))
    if mailer is not None:
        # Stop claiming and sending well within the lease, so no live sender's rows are requeued.
        deadline = time.monotonic() + lease.total_seconds() / 2
        link = unsubscribe_url(base_url)
        while True:
            rows = _claim(db, now=now, runner=runner, limit=batch_size)
            if rows and not _send_batch(db, rows, mailer=mailer, now=now, runner=runner, link=link,
                                        max_attempts=max_attempts, deadline=deadline, report=report):
                break
            if len(rows) < batch_size or time.monotonic() > deadline:
                break
    with db.session(write=False) as session:
        report.waiting = session.execute(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.state == "pending")).scalar_one()
    return report


def _requeue_stale(db: Database, *, now: datetime, lease: timedelta) -> int:
    """Put back the rows of a sender that died (claimed longer ago than the lease)."""
    with db.session() as session:
        result = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.state == "sending",
                   or_(OutboxEmail.claimed_at < now - lease, OutboxEmail.claimed_at.is_(None)))
            .values(state="pending", next_attempt_at=now,
                    last_error="Requeued: the sender stopped before recording the outcome "
                               "(if the server had accepted it, the copy has the same Message-ID)")
            .execution_options(synchronize_session=False))
        count = result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; execute() is typed as the base Result
    if count:
        log.warning("Requeued %d outbox emails left in 'sending' by a sender that stopped", count)
    return count


def _claim(db: Database, *, now: datetime, runner: str, limit: int) -> list[OutboxEmail]:
    """Take up to *limit* due rows for this sender, in one short write transaction."""
    with db.session() as session:
        rows = list(session.execute(
            select(OutboxEmail)
            .where(OutboxEmail.state == "pending", OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes
        ).scalars())
        if rows:
            session.execute(
                update(OutboxEmail).where(OutboxEmail.id.in_([r.id for r in rows]))
                .values(state="sending", claimed_at=now, claimed_by=runner)
                .execution_options(synchronize_session=False))
        for row in rows:
            session.expunge(row)
    for row in rows:
        row.state, row.claimed_at, row.claimed_by = "sending", now, runner
    return rows


def _send_batch(db: Database, rows: list[OutboxEmail], *, mailer: Mailer, now: datetime, runner: str, link: str,
                max_attempts: int, deadline: float, report: SendReport) -> bool:
    """Send claimed *rows* over one connection; False when the run should stop (server down, lease)."""
    from pitf.mail import ConnectionFailed, MessageRejected

    untried = list(rows)  # claimed, not yet handed to the server: safe to release on any error
    try:
        try:
            with mailer.connection() as conn:
                while untried:
                    if time.monotonic() > deadline:
                        _release(db, untried, runner=runner)
                        untried = []
                        return False
                    row = untried.pop(0)
                    try:
                        conn.send(row, unsubscribe_url=link)
                    except ConnectionFailed:
                        untried.insert(0, row)  # not accepted: it goes back with the rest
                        raise
                    except MessageRejected as exc:
                        _record_failures(db, [row], error=str(exc), now=now, runner=runner,
                                         max_attempts=max_attempts, permanent=exc.permanent, report=report)
                        continue
                    except Exception as exc:  # a row the message cannot be built from (bad header...)
                        log.exception("Outbox email %s cannot be sent", row.id)
                        _record_failures(db, [row], error=f"{type(exc).__name__}: {exc}", now=now, runner=runner,
                                         max_attempts=max_attempts, permanent=True, report=report)
                        continue
                    _record_sent(db, row, now=now, runner=runner, report=report)
        except ConnectionFailed as exc:
            log.warning("SMTP unavailable, %d emails will be retried: %s", len(untried), exc)
            failing, untried = untried, []
            _record_failures(db, failing, error=str(exc), now=now, runner=runner, max_attempts=max_attempts,
                             permanent=False, report=report)
            return False
    except BaseException:
        # An unexpected error (the database, a signal): give back the rows not yet tried, so they do not
        # wait for the lease. The one in flight, if any, stays claimed: its outcome is unknown.
        if untried:
            try:
                _release(db, untried, runner=runner)
            except Exception:  # the database itself may be what failed; the lease then brings them back
                log.exception("Could not release %d claimed outbox emails", len(untried))
        raise
    return True


def _mine(ids: Sequence[int | None], runner: str):
    """Only rows still claimed by this sender: a row requeued after the lease is no longer ours. (The rows were
    read from the table, so no id is None; the type says only what SQLModel declares.)"""
    return (OutboxEmail.id.in_(ids), OutboxEmail.state == "sending", OutboxEmail.claimed_by == runner)


def _record_sent(db: Database, row: OutboxEmail, *, now: datetime, runner: str, report: SendReport) -> None:
    with db.session() as session:
        session.execute(update(OutboxEmail).where(*_mine([row.id], runner))
                        .values(state="sent", sent_at=now, last_error="")
                        .execution_options(synchronize_session=False))
    report.sent += 1


def _record_failures(db: Database, rows: list[OutboxEmail], *, error: str, now: datetime, runner: str,
                     max_attempts: int, permanent: bool, report: SendReport) -> None:
    """Count a failed try on each row: retry after the backoff, or fail for good (one UPDATE per group)."""
    groups: dict[int, list[int | None]] = defaultdict(list)
    for row in rows:
        groups[row.attempts + 1].append(row.id)
    with db.session() as session:
        for attempts, ids in groups.items():
            final = permanent or attempts >= max_attempts
            session.execute(
                update(OutboxEmail).where(*_mine(ids, runner))
                .values(state="failed" if final else "pending", attempts=attempts, last_error=error[:2000],
                        next_attempt_at=now if final else now + backoff(attempts))
                .execution_options(synchronize_session=False))
            if final:
                report.failed += len(ids)
            else:
                report.retried += len(ids)


def _release(db: Database, rows: list[OutboxEmail], *, runner: str) -> None:
    """Give claimed rows back untried: pending again, no attempt counted."""
    with db.session() as session:
        session.execute(update(OutboxEmail).where(*_mine([r.id for r in rows], runner))
                        .values(state="pending").execution_options(synchronize_session=False))


def retry_failed(session: Session, actor, ids: list[int] | None = None) -> int:
    """Send failed emails again (all of them when *ids* is None): an administrator's decision, audited."""
    require(is_admin(actor), "Only an administrator can retry failed emails.")
    query = select(OutboxEmail).where(OutboxEmail.state == "failed").order_by(OutboxEmail.id)
    if ids is not None:
        if not ids:
            return 0
        query = query.where(OutboxEmail.id.in_(ids))
    now = utcnow()
    rows = list(session.execute(query).scalars())
    for row in rows:
        changes = audit.apply_changes(row, {"state": "pending", "attempts": 0, "next_attempt_at": now})
        audit.record(session, actor=actor, action="outbox.retried", obj=row, changes=changes)
    session.flush()
    return len(rows)


def outbox_counts(session: Session) -> dict[str, int]:
    """How many emails are in each state (every state present, zero included)."""
    counts: dict[str, int] = dict.fromkeys(OUTBOX_STATES, 0)
    for state, n in session.execute(select(OutboxEmail.state, func.count()).group_by(OutboxEmail.state)):
        counts[state] = n
    return counts


def html_for_display(body_html: str) -> str:
    """An email's HTML part made safe to show inside a page: the Markdown allow-list (no script, style,
    images or forms; links http, https and mailto only), without <h1> so the page keeps its own."""
    if not body_html or not body_html.strip():
        return ""
    return nh3.clean(body_html, tags=ALLOWED_TAGS - {"h1"}, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow", strip_comments=True)
