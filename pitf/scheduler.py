"""The scheduler: its own process (`pitf scheduler`), never inside a web worker.

Jobs have fixed ids and replace_existing=True; missed runs are coalesced into one. Each job is a
module-level function that takes "now" and finds its due work in the database, so that a second
scheduler started by mistake sends nothing twice (the reminder keys and outbox claims see to it).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from pitf.db import get_db
from pitf.models import JobRun, utcnow

log = logging.getLogger("pitf.scheduler")


def _runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def job_reminders(app: Flask, now: datetime) -> str:
    """Every reminder rule, then the weekly digests."""
    from pitf.services import digests, reminder_settings, reminders
    from pitf.services.federal_clocks import Clocks

    base_url = app.config["PITF_BASE_URL"].rstrip("/")
    with get_db(app).session() as session:
        report = reminders.run_reminders(session, now=now, cfg=reminder_settings.load(session),
                                         clocks=Clocks.from_config(app.config), base_url=base_url,
                                         tz_name=app.config["PITF_TIMEZONE"])
    with get_db(app).session() as session:
        weekly = digests.run_digests(session, now=now, base_url=base_url)
    rules = ", ".join(f"{k} {v}" for k, v in sorted(report.by_rule.items())) or "none"
    return (f"{report.claimed} new reminders of {report.found} due ({rules}); {report.emails} emails queued; "
            f"{weekly.emails} digests queued")


def job_outbox(app: Flask, now: datetime) -> str:
    """Send the emails that are due, over SMTP (waits in the outbox when no PITF_MAIL_URL is set)."""
    from pitf.mail import Mailer, parse_mail_url
    from pitf.services.outbox import send_due

    config = parse_mail_url(app.config.get("PITF_MAIL_URL", ""))
    mailer = Mailer(config, app.config["PITF_MAIL_FROM"], app.config["PITF_MAIL_TIMEOUT"]) if config else None
    report = send_due(get_db(app), now=now, mailer=mailer, base_url=app.config["PITF_BASE_URL"].rstrip("/"),
                      runner=_runner(), max_attempts=app.config["PITF_MAIL_MAX_ATTEMPTS"],
                      lease=timedelta(minutes=app.config["PITF_MAIL_LEASE_MINUTES"]))
    if mailer is None:
        return f"PITF_MAIL_URL is not set: {report.waiting} emails wait in the outbox"
    return (f"{report.sent} sent, {report.retried} to retry, {report.failed} failed, "
            f"{report.requeued} requeued after a lost sender")


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[Flask, datetime], str]
    minutes: int
    description: str


JOBS: dict[str, JobSpec] = {
    "reminders": JobSpec("reminders", job_reminders, 5, "Reminder rules and weekly digests"),
    "outbox": JobSpec("outbox", job_outbox, 1, "Send queued email over SMTP"),
}


def run_job(app: Flask, job_id: str, now: datetime | None = None) -> JobRun:
    """Run one job now, recording the run (start, end, outcome) in the database."""
    spec = JOBS[job_id]
    now = now or utcnow()
    with get_db(app).session() as session:
        run = JobRun(job_id=job_id, started_at=utcnow(), outcome="running", runner=_runner())
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        with app.app_context():
            detail = spec.func(app, now)
        outcome = "ok"
    except Exception as exc:  # a job's failure is recorded and logged, never kills the scheduler
        log.exception("Job %s failed", job_id)
        detail, outcome = f"{type(exc).__name__}: {exc}", "error"
    with get_db(app).session() as session:
        finished = session.get(JobRun, run_id)
        assert finished is not None  # the row written when the job started
        finished.finished_at, finished.outcome, finished.detail = utcnow(), outcome, detail[:4000]
    return finished


@dataclass
class JobStatus:
    spec: JobSpec
    last: JobRun | None
    next_run: datetime


def job_statuses(app: Flask, now: datetime | None = None) -> list[JobStatus]:
    now = now or utcnow()
    statuses = []
    with get_db(app).session(write=False) as session:
        for spec in JOBS.values():
            last = session.execute(select(JobRun).where(JobRun.job_id == spec.id)
                                   .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)).scalar()
            if last is not None:
                session.expunge(last)
                next_run = max(now, last.started_at + timedelta(minutes=spec.minutes))
            else:
                next_run = now
            statuses.append(JobStatus(spec, last, next_run))
    return statuses


def build_scheduler(app: Flask, *, blocking: bool = True):
    """An APScheduler 3 scheduler with the platform's jobs (memory job store: one process owns it)."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for spec in JOBS.values():
        scheduler.add_job(run_job, IntervalTrigger(minutes=spec.minutes, timezone=UTC), id=spec.id,
                          name=spec.description, args=[app, spec.id], replace_existing=True,
                          next_run_time=datetime.now(UTC))
    return scheduler


def check_config(app: Flask) -> None:
    """Refuse to start on a malformed PITF_MAIL_URL or PITF_MAIL_FROM (raises ConfigError with the reason)."""
    from pitf.mail import parse_mail_from, parse_mail_url

    parse_mail_url(app.config.get("PITF_MAIL_URL", ""))
    parse_mail_from(app.config.get("PITF_MAIL_FROM", ""))
