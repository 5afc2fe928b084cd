"""The outbox sender against a real SMTP server (aiosmtpd on loopback), with an injected clock.

These tests commit (the sender works in its own short transactions, as in production), so each
deletes the rows it made: every outbox row here has kind KIND.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, select

from pitf.db import Database
from pitf.errors import Forbidden
from pitf.mail import Mailer, parse_mail_url
from pitf.models import AuditEntry, OutboxEmail, User
from pitf.services.notify import notify
from pitf.services.outbox import backoff, outbox_counts, retry_failed, send_due
from tests.factories import create_user
from tests.smtp_server import SmtpServer, free_port

KIND = "outbox_test"
NOW = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)  # a Monday, 09:00 Eastern
FROM = "PITF Coordination Platform <no-reply@pitf.example.gov>"
BASE_URL = "https://pitf.example.gov"


@pytest.fixture
def outbox(engine):
    """The real engine's Database; the outbox rows, users and audit entries of the test are deleted after."""
    database = Database(engine)
    yield database
    delete_test_rows(database)


def delete_test_rows(database: Database) -> None:
    with database.session() as s:
        s.execute(delete(OutboxEmail).where(OutboxEmail.kind == KIND))
        user_ids = list(s.execute(select(User.id).where(User.email.like("%@outbox.test.example.gov"))).scalars())
        if user_ids:
            s.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_(user_ids)))
            s.execute(delete(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.object_id.in_(user_ids)))
            s.execute(delete(User).where(User.id.in_(user_ids)))


def add_rows(database: Database, n: int, *, due: datetime = NOW - timedelta(minutes=1), **kw) -> list[int]:
    """Commit *n* pending outbox rows due at *due*; return their ids."""
    with database.session() as s:
        rows = [OutboxEmail(to_address=f"person{i}@agency.example.gov", kind=KIND, subject=f"Reminder {i}",
                            body_text=f"Reminder number {i}.\n\n{BASE_URL}/actions/{i}",
                            message_id=f"<{uuid.uuid4()}@pitf.platform>", next_attempt_at=due,
                            created_at=due, **kw) for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def rows_of(database: Database, ids: list[int]) -> list[OutboxEmail]:
    with database.session(write=False) as s:
        return list(s.execute(select(OutboxEmail).where(OutboxEmail.id.in_(ids)).order_by(OutboxEmail.id)).scalars())


def mailer_for(port: int) -> Mailer:
    return Mailer(parse_mail_url(f"smtp://127.0.0.1:{port}"), FROM, timeout=5)


def run(database: Database, mailer: Mailer | None, now: datetime = NOW, **kw):
    return send_due(database, now=now, mailer=mailer, base_url=BASE_URL, runner=kw.pop("runner", "test-runner"), **kw)


def test_delivers_pending_rows_once_and_a_second_run_sends_nothing(outbox, smtp):
    ids = add_rows(outbox, 3)
    report = run(outbox, mailer_for(smtp.port))
    assert (report.sent, report.retried, report.failed, report.requeued, report.waiting) == (3, 0, 0, 0, 0)
    rows = rows_of(outbox, ids)
    assert sorted(smtp.message_ids) == sorted(r.message_id for r in rows)
    assert {(r.state, r.sent_at, r.attempts, r.claimed_by) for r in rows} == {("sent", NOW, 0, "test-runner")}
    received = {m.message_id: m for m in smtp.received}
    first = received[rows[0].message_id]
    assert first.rcpt_tos == [rows[0].to_address]
    assert first.message["List-Unsubscribe"] == f"<{BASE_URL}/account/notifications>"
    assert first.message["Subject"] == rows[0].subject

    again = run(outbox, mailer_for(smtp.port), NOW + timedelta(hours=1))
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    assert len(smtp.received) == 3


def test_rows_not_yet_due_wait(outbox, smtp):
    later = add_rows(outbox, 2, due=NOW + timedelta(minutes=5))
    report = run(outbox, mailer_for(smtp.port))
    assert (report.sent, report.waiting) == (0, 2)
    assert smtp.received == []
    assert {r.state for r in rows_of(outbox, later)} == {"pending"}
    report = run(outbox, mailer_for(smtp.port), NOW + timedelta(minutes=5))
    assert (report.sent, report.waiting) == (2, 0)


def test_without_a_mailer_email_waits_in_the_outbox(outbox, smtp):
    ids = add_rows(outbox, 4)
    report = run(outbox, None)
    assert (report.sent, report.retried, report.failed, report.waiting) == (0, 0, 0, 4)
    assert {(r.state, r.attempts, r.claimed_at) for r in rows_of(outbox, ids)} == {("pending", 0, None)}
    with outbox.session(write=False) as s:
        assert outbox_counts(s) == {"pending": 4, "sending": 0, "sent": 0, "failed": 0}
    assert smtp.received == []


def test_backoff_schedule():
    assert [backoff(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 240, 240)]


def test_smtp_down_is_retried_with_backoff_then_delivered_once(outbox):
    port = free_port()  # nothing listens there yet
    ids = add_rows(outbox, 3)
    report = run(outbox, mailer_for(port))  # never raises
    assert (report.sent, report.retried, report.failed, report.waiting) == (0, 3, 0, 3)
    rows = rows_of(outbox, ids)
    assert {(r.state, r.attempts, r.next_attempt_at) for r in rows} == {("pending", 1, NOW + timedelta(minutes=1))}
    assert all("SMTP server 127.0.0.1" in r.last_error for r in rows)

    # Not due again yet: the server is not even called.
    report = run(outbox, mailer_for(port), NOW + timedelta(seconds=30))
    assert (report.sent, report.retried) == (0, 0)

    with SmtpServer(port=port) as smtp:
        report = run(outbox, mailer_for(port), NOW + timedelta(minutes=2))
        assert (report.sent, report.retried, report.waiting) == (3, 0, 0)
        run(outbox, mailer_for(port), NOW + timedelta(hours=5))
        assert sorted(smtp.counts().values()) == [1, 1, 1]
        assert set(smtp.counts()) == {r.message_id for r in rows}
    rows = rows_of(outbox, ids)
    assert {(r.state, r.attempts, r.last_error, r.sent_at) for r in rows} == {
        ("sent", 1, "", NOW + timedelta(minutes=2))}


def test_after_max_attempts_failed_then_an_admin_retries(outbox):
    port = free_port()
    ids = add_rows(outbox, 3)
    assert run(outbox, mailer_for(port), max_attempts=2).retried == 3
    report = run(outbox, mailer_for(port), NOW + timedelta(minutes=1), max_attempts=2)
    assert (report.retried, report.failed, report.waiting) == (0, 3, 0)
    assert {(r.state, r.attempts) for r in rows_of(outbox, ids)} == {("failed", 2)}
    with outbox.session(write=False) as s:
        assert outbox_counts(s)["failed"] == 3

    with outbox.session() as s:
        admin = create_user(s, role="admin", email="admin@outbox.test.example.gov")
        staff = create_user(s, role="secretariat", email="staff@outbox.test.example.gov")
        with pytest.raises(Forbidden):
            retry_failed(s, staff, ids)
        assert retry_failed(s, admin, ids[:2] + [999_999_999]) == 2
        admin_id = admin.id
    rows = rows_of(outbox, ids)
    assert [(r.state, r.attempts) for r in rows] == [("pending", 0), ("pending", 0), ("failed", 2)]
    with outbox.session(write=False) as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.actor_id == admin_id)
                            .where(AuditEntry.action == "outbox.retried")).scalars().all()
    assert sorted(e.object_id for e in entries) == ids[:2]
    assert entries[0].changes["state"] == ["failed", "pending"]

    with SmtpServer(port=port) as smtp:
        report = run(outbox, mailer_for(port), NOW + timedelta(minutes=2), max_attempts=2)
        assert report.sent == 2
        assert sorted(smtp.message_ids) == sorted(r.message_id for r in rows[:2])
        with outbox.session() as s:
            assert retry_failed(s, s.get(User, admin_id), None) == 1
            assert retry_failed(s, s.get(User, admin_id), []) == 0
        assert run(outbox, mailer_for(port), NOW + timedelta(minutes=3)).sent == 1
        assert sorted(smtp.counts().values()) == [1, 1, 1]
    assert {r.state for r in rows_of(outbox, ids)} == {"sent"}


def test_refused_recipients_permanent_fails_at_once_temporary_is_retried(outbox, smtp):
    ids = add_rows(outbox, 4)
    smtp.refuse["person1@agency.example.gov"] = "550 5.1.1 No such user"
    smtp.refuse["person2@agency.example.gov"] = "452 4.2.2 Mailbox full"
    report = run(outbox, mailer_for(smtp.port))
    assert (report.sent, report.retried, report.failed) == (2, 1, 1)  # the connection went on after each refusal
    rows = rows_of(outbox, ids)
    assert [(r.state, r.attempts) for r in rows] == [("sent", 0), ("failed", 1), ("pending", 1), ("sent", 0)]
    assert "550" in rows[1].last_error and "452" in rows[2].last_error
    assert rows[2].next_attempt_at == NOW + timedelta(minutes=1)


def test_a_stuck_sending_row_is_requeued_after_the_lease_a_fresh_one_is_not(outbox, smtp):
    stale, fresh = add_rows(outbox, 2, state="sending", claimed_by="dead-host:4242")
    with outbox.session() as s:
        s.get(OutboxEmail, stale).claimed_at = NOW - timedelta(minutes=11)
        s.get(OutboxEmail, fresh).claimed_at = NOW - timedelta(minutes=9)
    report = run(outbox, mailer_for(smtp.port), lease=timedelta(minutes=10))
    assert (report.requeued, report.sent) == (1, 1)
    by_id = {r.id: r for r in rows_of(outbox, [stale, fresh])}
    assert smtp.message_ids == [by_id[stale].message_id]
    assert (by_id[stale].state, by_id[stale].claimed_by) == ("sent", "test-runner")
    assert (by_id[fresh].state, by_id[fresh].claimed_by) == ("sending", "dead-host:4242")
    # Once its own lease has run out, the fresh one is requeued and sent as well.
    report = run(outbox, mailer_for(smtp.port), NOW + timedelta(minutes=2), lease=timedelta(minutes=10))
    assert (report.requeued, report.sent) == (1, 1)
    assert len(smtp.received) == 2


def test_a_slow_batch_gives_back_its_rows_before_its_lease_runs_out(outbox):
    ids = add_rows(outbox, 10)
    with SmtpServer(delay=0.3) as smtp:
        report = run(outbox, mailer_for(smtp.port), lease=timedelta(seconds=1))  # stops after ~0.5 s
        assert 1 <= report.sent < 10
        rows = rows_of(outbox, ids)
        assert len(smtp.received) == report.sent
        assert {r.state for r in rows} == {"sent", "pending"}
        assert {r.attempts for r in rows if r.state == "pending"} == {0}  # given back, not counted as a failure
        run(outbox, mailer_for(smtp.port), NOW + timedelta(seconds=1), lease=timedelta(minutes=10))
        assert sorted(smtp.counts().values()) == [1] * 10


def test_a_user_without_email_gets_in_app_only(engine):
    with Database(engine).session() as s:
        user = create_user(s, role="viewer", email="noemail@outbox.test.example.gov")
        try:
            user.email = ""
            s.flush()
            notes = notify(s, users=[user], kind=KIND, title="Minutes circulated", url="/meetings/1")
            s.flush()
            assert len(notes) == 1
            assert s.execute(select(OutboxEmail).where(OutboxEmail.user_id == user.id)).first() is None
        finally:
            s.rollback()


class StatementLog:
    """The SQL statements an engine runs (BEGIN excluded: SQLite sends it, PostgreSQL's driver does not)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _on(self, _conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.statements.append(statement.lstrip().split(None, 1)[0].upper())

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)


@pytest.mark.parametrize(("n", "batch"), [(5, 50), (40, 50), (25, 10), (20, 10)])
def test_statements_per_run_are_constant_plus_one_per_message(engine, outbox, smtp, n, batch):
    """Per run: 1 UPDATE (requeue stale), per batch 1 SELECT ... FOR UPDATE SKIP LOCKED + 1 UPDATE ... IN,
    1 UPDATE per message, 1 more claim SELECT when the last batch was full, and 1 SELECT count at the end."""
    add_rows(outbox, n)
    with StatementLog(engine) as log:
        report = run(outbox, mailer_for(smtp.port), batch_size=batch)
    assert report.sent == n
    batches = math.ceil(n / batch)
    claims = n // batch + 1
    assert log.statements.count("SELECT") == claims + 1
    assert log.statements.count("UPDATE") == 1 + batches + n
    assert len(log.statements) == n + 2 + claims + batches
    assert set(log.statements) == {"SELECT", "UPDATE"}


def test_statements_of_a_run_do_not_grow_when_the_server_is_down(engine, outbox):
    add_rows(outbox, 30)
    with StatementLog(engine) as log:
        report = run(outbox, mailer_for(free_port()))
    assert report.retried == 30
    # requeue, claim SELECT + UPDATE, one UPDATE for the whole batch's retry, count.
    assert log.statements == ["UPDATE", "SELECT", "UPDATE", "UPDATE", "SELECT"]

