"""The outbox sender across processes: two schedulers at once, and a sender killed mid-batch (SIGKILL).

Each sender is a separate Python process with its own engine on this run's database (the SQLite
file, or the PostgreSQL schema of this run); the SMTP server (aiosmtpd) runs in the test process
and counts what it receives by Message-ID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pitf.db import Database
from pitf.models import OutboxEmail
from tests.smtp_server import SmtpServer
from tests.unit.test_outbox import NOW, add_rows, delete_test_rows, mailer_for, rows_of, run

ROOT = Path(__file__).resolve().parents[2]

# A sender process: connects, says "ready", waits for "go" on stdin, runs send_due, prints its report.
SENDER = r"""
import json, sys
from datetime import datetime
from pitf.db import Database, make_engine
from pitf.mail import Mailer, parse_mail_url
from pitf.services.outbox import send_due

args = json.loads(sys.argv[1])
engine = make_engine(args["db_url"])
with engine.connect():
    pass
mailer = Mailer(parse_mail_url(args["smtp_url"]), "PITF <no-reply@pitf.example.gov>", timeout=10)
print("ready", flush=True)
sys.stdin.readline()
report = send_due(Database(engine), now=datetime.fromisoformat(args["now"]), mailer=mailer,
                  base_url="https://pitf.example.gov", runner=args["runner"], batch_size=args["batch"])
print(json.dumps(vars(report)), flush=True)
"""


@pytest.fixture
def outbox(engine):
    database = Database(engine)
    yield database
    delete_test_rows(database)


def start_sender(engine, smtp: SmtpServer, *, runner: str, batch: int) -> subprocess.Popen:
    args = {"db_url": engine.url.render_as_string(hide_password=False), "smtp_url": smtp.url,
            "now": NOW.isoformat(), "runner": runner, "batch": batch}
    proc = subprocess.Popen([sys.executable, "-c", SENDER, json.dumps(args)], cwd=ROOT, text=True,  # noqa: S603
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        _out, err = proc.communicate(timeout=30)
        pytest.fail(f"the sender process did not start: {line!r}\n{err}")
    return proc


def go(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_schedulers_at_once_deliver_each_email_exactly_once(engine, outbox, smtp):
    ids = add_rows(outbox, 500)
    procs = []
    try:
        procs = [start_sender(engine, smtp, runner=f"scheduler-{n}", batch=20) for n in (1, 2)]
        for proc in procs:  # both are connected and waiting: released together
            go(proc)
        reports = [finish(proc) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    counts = smtp.counts()
    assert len(smtp.received) == 500
    assert len(counts) == 500 and set(counts.values()) == {1}
    rows = rows_of(outbox, ids)
    assert {r.message_id for r in rows} == set(counts)
    assert {r.state for r in rows} == {"sent"}
    assert sum(r["sent"] for r in reports) == 500
    assert all(r["sent"] > 0 for r in reports), reports  # both really worked at the same time
    by_runner = {name: sum(1 for r in rows if r.claimed_by == name) for name in ("scheduler-1", "scheduler-2")}
    assert by_runner == {"scheduler-1": reports[0]["sent"], "scheduler-2": reports[1]["sent"]}


def test_a_sender_killed_mid_batch_loses_nothing_and_duplicates_only_the_message_in_flight(engine, outbox):
    n, lease = 30, timedelta(minutes=10)
    ids = add_rows(outbox, n)
    with SmtpServer(delay=0.2) as smtp:  # slow: the kill lands while the server holds a message
        proc = start_sender(engine, smtp, runner="doomed", batch=10)
        try:
            go(proc)
            smtp.wait_for(5)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        received_before = set(smtp.message_ids)
        with outbox.session(write=False) as s:
            in_sending = set(s.execute(select(OutboxEmail.message_id).where(
                OutboxEmail.id.in_(ids), OutboxEmail.state == "sending")).scalars())
        assert in_sending, "the sender was killed after its batch: nothing to recover"

        smtp.delay = 0
        # Within the lease the dead sender's rows are left alone (it might be alive and slow)...
        early = run(outbox, mailer_for(smtp.port), NOW + timedelta(minutes=5), lease=lease)
        assert early.requeued == 0
        # ...after it they are sent again.
        report = run(outbox, mailer_for(smtp.port), NOW + lease + timedelta(minutes=1), lease=lease)
        assert report.requeued == len(in_sending)
        counts = smtp.counts()

    rows = rows_of(outbox, ids)
    assert {r.state for r in rows} == {"sent"}  # nothing lost
    assert set(counts) == {r.message_id for r in rows}
    duplicates = {mid for mid, c in counts.items() if c > 1}
    # The only copy allowed: the message the server had taken when the sender died, before its record.
    assert len(duplicates) <= 1
    assert duplicates <= (in_sending & received_before)
    assert max(counts.values()) <= 2
    assert len(smtp.received) == n + len(duplicates)
