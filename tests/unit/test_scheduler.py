"""The scheduler process and `pitf jobs`: fixed jobs, recorded runs, start-up checks, reminders to SMTP."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pitf.models import JobRun, OutboxEmail
from pitf.scheduler import JOBS, build_scheduler, check_config, job_statuses, run_job
from pitf.services import actions
from pitf.settings import ConfigError
from tests.conftest import make_app
from tests.factories import committee
from tests.smtp_server import SmtpServer


@pytest.fixture
def due_item(db, make_user):
    staff = make_user("secretariat")
    liaison = make_user("liaison", agency="DOJ")
    item = actions.create_action_item(session=db, actor=staff, data={
        "title": "Publish the screening protocol", "committee_id": committee(db, "Victim Services").id,
        "lead_agency": "DOJ", "due_date": "2027-03-20", "pillar": "protection"}, notify_agency=False)
    item.created_at = datetime(2027, 3, 1, tzinfo=UTC)
    db.flush()
    return item, liaison


@pytest.mark.parametrize("url", ["smtp//nohost", "ftp://mail.example.gov", "smtp://:25", "smtp://host:99999"])
def test_a_malformed_mail_url_stops_the_scheduler_at_start(connection, settings, url):
    app = make_app({**settings, "PITF_MAIL_URL": url}, connection)
    with pytest.raises(ConfigError):
        check_config(app)
    result = app.test_cli_runner().invoke(args=["scheduler"])
    assert result.exit_code != 0 and "PITF_MAIL_URL" in result.output


def test_a_bad_sender_address_stops_the_scheduler_at_start(connection, settings):
    app = make_app({**settings, "PITF_MAIL_FROM": "nobody"}, connection)
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code != 0 and "PITF_MAIL_FROM" in result.output


def test_jobs_have_fixed_ids_coalesce_and_replace(app):
    scheduler = build_scheduler(app, blocking=False)
    scheduler.start(paused=True)  # job defaults apply when the scheduler starts; paused runs nothing
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert set(jobs) == set(JOBS)
        assert all(j.coalesce and j.max_instances == 1 and j.misfire_grace_time == 3600 for j in jobs.values())
        scheduler.add_job(run_job, "interval", minutes=5, id="reminders", args=[app, "reminders"],
                          replace_existing=True)
        assert len(scheduler.get_jobs()) == len(JOBS)
    finally:
        scheduler.shutdown(wait=False)


def test_jobs_run_puts_reminders_in_the_outbox_and_sends_them_once(app, db, due_item):
    item, liaison = due_item
    runner = app.test_cli_runner()
    with SmtpServer() as smtp:
        app.config["PITF_MAIL_URL"] = smtp.url
        result = runner.invoke(args=["jobs", "run", "--now", "2027-03-13T17:00:00+00:00"])
        assert result.exit_code == 0, result.output
        assert "reminders: ok" in result.output and "outbox: ok" in result.output
        smtp.wait_for(1)
        again = runner.invoke(args=["jobs", "run", "--now", "2027-03-13T17:05:00+00:00"])
        assert again.exit_code == 0 and "0 new reminders" in again.output
        assert len(smtp.received) == 1 and smtp.received[0].rcpt_tos == [liaison.email]
    db.expire_all()
    mail = db.execute(select(OutboxEmail).where(OutboxEmail.user_id == liaison.id)).scalar_one()
    assert mail.state == "sent" and "Publish the screening protocol" in mail.subject
    assert smtp.message_ids == [mail.message_id]


def test_without_mail_url_email_waits_in_the_outbox(app, db, due_item):
    app.config["PITF_MAIL_URL"] = ""
    run_job(app, "reminders", datetime(2027, 3, 13, 17, 0, tzinfo=UTC))
    run = run_job(app, "outbox", datetime(2027, 3, 13, 17, 1, tzinfo=UTC))
    assert run.outcome == "ok" and "wait in the outbox" in run.detail
    db.expire_all()
    assert {m.state for m in db.execute(select(OutboxEmail)).scalars()} == {"pending"}


def test_a_failing_job_is_recorded_and_does_not_raise(app, db, monkeypatch):
    from pitf import scheduler

    def boom(_app, _now):
        raise RuntimeError("database went away")

    monkeypatch.setitem(scheduler.JOBS, "reminders", scheduler.JobSpec("reminders", boom, 5, "x"))
    run = run_job(app, "reminders")
    assert run.outcome == "error" and "database went away" in run.detail
    db.expire_all()
    assert db.execute(select(JobRun).where(JobRun.id == run.id)).scalar_one().outcome == "error"


def test_jobs_list_shows_schedule_last_run_outcome_and_next(app, due_item):
    runner = app.test_cli_runner()
    before = runner.invoke(args=["jobs", "list"]).output
    assert "reminders" in before and "never" in before and "every  5 min" in before
    run_job(app, "reminders", datetime(2027, 3, 13, 17, 0, tzinfo=UTC))
    statuses = {s.spec.id: s for s in job_statuses(app)}
    assert statuses["reminders"].last.outcome == "ok"
    assert statuses["reminders"].next_run >= statuses["reminders"].last.started_at
    after = runner.invoke(args=["jobs", "list"]).output
    assert " ok " in after and "new reminders" in after


def test_jobs_run_refuses_unknown_job_and_naive_time(app):
    runner = app.test_cli_runner()
    assert "No job 'nope'" in runner.invoke(args=["jobs", "run", "nope"]).output
    assert "offset" in runner.invoke(args=["jobs", "run", "reminders", "--now", "2027-03-13T12:00"]).output
