"""The administrators' operations pages: scheduled jobs (run now), the outbox (filters, retry), reminder settings."""

from __future__ import annotations

import html as htmllib
import uuid

import pytest
from sqlalchemy import func, select

from pitf.conditional import RENDERED
from pitf.models import AuditEntry, JobRun, OutboxEmail, Setting, utcnow
from pitf.services import reminder_settings

PAGES = ["/admin/jobs", "/admin/outbox", "/admin/reminders"]
POSTS = ["/admin/jobs/reminders/run", "/admin/outbox/retry-failed", "/admin/reminders"]


def email(db, *, to="ana@agency.gov", state="failed", kind="action_due", subject="Due soon", attempts=6,
          last_error="550 mailbox unavailable"):
    row = OutboxEmail(to_address=to, kind=kind, subject=subject, body_text="Body", state=state, attempts=attempts,
                      last_error=last_error, message_id=f"<{uuid.uuid4()}@test>", next_attempt_at=utcnow())
    db.add(row)
    db.flush()
    return row


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:2000]
    return r.get_data(as_text=True)


def main_part(html: str) -> str:
    return htmllib.unescape(html[html.index("<main"):html.index("</main>")])


def outbox_rows(html: str) -> list[str]:
    """The recipients of the outbox table, in order."""
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [cells.split("<td>")[1].split("</td>")[0] for cells in body.split("<tr>")[1:]]


# ---- who may ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["secretariat", "liaison", "council", "viewer"])
def test_only_administrators(db, client_as, role):
    c = client_as(role)
    failed = email(db)
    for url in PAGES:
        assert c.get(url).status_code == 403, url
    for url in [*POSTS, f"/admin/outbox/{failed.id}/retry"]:
        assert c.post(url, data={"action_escalate_days": "5"}).status_code == 403, url
    assert db.execute(select(func.count()).select_from(JobRun)).scalar() == 0
    db.refresh(failed)
    assert failed.state == "failed"
    assert db.get(Setting, reminder_settings.KEY) is None


def test_administrators_see_every_page_and_the_cards(client_as):
    c = client_as("admin")
    for url in PAGES:
        page(c, url)
    index = page(c, "/admin/")
    assert 'href="/admin/jobs"' in index and 'href="/admin/outbox"' in index and 'href="/admin/reminders"' in index
    assert 'href="/admin/jobs"' not in page(client_as("secretariat"), "/admin/")


def test_anonymous_visitors_sign_in_first(client):
    r = client.get("/admin/jobs")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# ---- jobs -------------------------------------------------------------------------------------

def test_jobs_page_lists_each_job_never_run(client_as):
    html = main_part(page(client_as("admin"), "/admin/jobs"))
    assert "Reminder rules and weekly digests" in html and "Send queued email over SMTP" in html
    assert "5 minutes" in html and "1 minute<" in html and html.count("Never run") == 2
    assert 'action="/admin/jobs/reminders/run"' in html and 'action="/admin/jobs/outbox/run"' in html


def test_run_now_records_the_run_and_shows_its_outcome(db, client_as):
    c = client_as("admin")
    r = c.post("/admin/jobs/reminders/run")
    assert r.status_code == 302 and r.headers["Location"] == "/admin/jobs"
    runs = db.execute(select(JobRun).where(JobRun.job_id == "reminders")).scalars().all()
    assert len(runs) == 1
    run = runs[0]
    assert run.outcome == "ok" and run.finished_at is not None and "new reminders" in run.detail
    html = main_part(page(c, "/admin/jobs"))
    assert "Reminder rules and weekly digests: ran now, ok." in html  # the flash
    assert run.detail in html and ">OK<" in html
    assert html.count("Never run") == 1  # the outbox job still never ran
    audit = db.execute(select(AuditEntry).where(AuditEntry.action == "job.run_now")).scalar_one()
    assert audit.object_id == run.id and audit.actor_id == c.user.id


def test_run_now_of_an_unknown_job_is_404(client_as):
    assert client_as("admin").post("/admin/jobs/nope/run").status_code == 404


# ---- outbox -----------------------------------------------------------------------------------

def test_outbox_counts_filters_and_banner(db, client_as):
    c = client_as("admin")
    email(db, to="ana@doj.gov", state="failed", kind="action_due")
    email(db, to="bob@doj.gov", state="sent", kind="digest", last_error="")
    email(db, to="carla@dhs.gov", state="pending", kind="action_due", attempts=0, last_error="")
    html = page(c, "/admin/outbox")
    assert "Email is not configured: messages wait here" in html
    assert sorted(outbox_rows(html)) == ["ana@doj.gov", "bob@doj.gov", "carla@dhs.gov"]
    text = main_part(html)
    assert "1 failed" in " ".join(text.split()) and "Retry all 1 failed" in text
    for column in ("Created", "To", "Kind", "Subject", "State", "Attempts", "Next attempt", "Last error", "Sent at"):
        assert f'<th scope="col">{column}</th>' in html
    assert "550 mailbox unavailable" in text
    assert outbox_rows(page(c, "/admin/outbox?state=failed")) == ["ana@doj.gov"]
    assert sorted(outbox_rows(page(c, "/admin/outbox?recipient=DOJ.gov"))) == ["ana@doj.gov", "bob@doj.gov"]
    assert outbox_rows(page(c, "/admin/outbox?kind=digest")) == ["bob@doj.gov"]
    assert outbox_rows(page(c, "/admin/outbox?kind=action_due&recipient=dhs")) == ["carla@dhs.gov"]
    assert "No email matches these filters." in page(c, "/admin/outbox?recipient=nobody")
    bad = page(c, "/admin/outbox?state=lost", status=422)
    assert "Choose one of: pending, sending, sent, failed." in bad
    c.application.config["PITF_MAIL_URL"] = "smtp://mail.example.gov:587"
    RENDERED.clear()  # settings are read once at start: a running worker's page copies assume them fixed
    assert "Email is not configured" not in page(c, "/admin/outbox")


def test_outbox_pages(db, client_as):
    c = client_as("admin")
    for k in range(55):
        email(db, to=f"person{k:02d}@agency.gov", state="sent")
    first = page(c, "/admin/outbox")
    assert len(outbox_rows(first)) == 50 and 'href="/admin/outbox?page=2"' in first
    assert len(outbox_rows(page(c, "/admin/outbox?page=2"))) == 5
    assert 'href="/admin/outbox?page=2&amp;state=sent"' in page(c, "/admin/outbox?state=sent")


def test_retry_a_failed_row(db, client_as):
    c = client_as("admin")
    failed, other = email(db, to="ana@doj.gov"), email(db, to="bob@doj.gov")
    sent = email(db, to="carla@doj.gov", state="sent", last_error="")
    html = page(c, "/admin/outbox?state=failed")
    assert f'action="/admin/outbox/{failed.id}/retry"' in html and f'action="/admin/outbox/{sent.id}/retry"' not in html
    r = c.post(f"/admin/outbox/{failed.id}/retry", data={"next": "/admin/outbox?state=failed"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/outbox?state=failed"
    for row in (failed, other):
        db.refresh(row)
    assert failed.state == "pending" and failed.attempts == 0 and other.state == "failed"
    assert "The email to ana@doj.gov goes out again" in page(c, "/admin/outbox")
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "outbox.retried",
                                               AuditEntry.object_id == failed.id)).scalar() is not None
    # Not failed: nothing to retry. Missing: 404. Off-site return address: ignored.
    r = c.post(f"/admin/outbox/{sent.id}/retry", data={"next": "//evil.example"})
    assert r.headers["Location"] == "/admin/outbox"
    assert "has not failed (sent)" in page(c, "/admin/outbox")
    assert c.post("/admin/outbox/99999999/retry").status_code == 404


def test_retry_all_failed(db, client_as):
    c = client_as("admin")
    rows = [email(db, to=f"p{k}@doj.gov") for k in range(3)]
    sent = email(db, to="sent@doj.gov", state="sent", last_error="")
    r = c.post("/admin/outbox/retry-failed", follow_redirects=True)
    assert "3 failed emails go out again" in r.get_data(as_text=True)
    for row in [*rows, sent]:
        db.refresh(row)
    assert [row.state for row in rows] == ["pending"] * 3 and sent.state == "sent"
    again = c.post("/admin/outbox/retry-failed", follow_redirects=True).get_data(as_text=True)
    assert "No email has failed" in again


# ---- reminder settings ------------------------------------------------------------------------

def form_data(**over) -> dict:
    data = {name: ", ".join(map(str, d)) if isinstance(d, list) else str(d)
            for name, d in reminder_settings.defaults().items()}
    data.update(over)
    return data


def test_reminder_settings_show_the_defaults(client_as):
    html = htmllib.unescape(page(client_as("admin"), "/admin/reminders"))
    for name, (_default, label, _low, _high) in reminder_settings.FIELDS.items():
        assert f'<label class="usa-label" for="{name}">' in html and label in html
    assert 'value="7, 1"' in html and 'name="action_escalate_days" type="text" value="14"' in html


@pytest.mark.parametrize("value, message", [("abc", "A whole number from 1 to 365."),
                                            ("0", "A whole number from 1 to 365."),
                                            ("", "A whole number from 1 to 365.")])
def test_a_bad_setting_is_a_form_error_and_nothing_is_stored(db, client_as, value, message):
    c = client_as("admin")
    r = c.post("/admin/reminders", data=form_data(action_escalate_days=value, action_due_days="10, 2"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="action_escalate_days-error"' in html and message in html
    assert 'aria-invalid="true"' in html and 'value="10, 2"' in html  # what was typed stays
    assert db.get(Setting, reminder_settings.KEY) is None
    assert reminder_settings.load(db)["action_due_days"] == [7, 1]


def test_a_bad_list_setting_is_a_form_error(db, client_as):
    r = client_as("admin").post("/admin/reminders", data=form_data(rec_due_days="14, x"))
    assert r.status_code == 422 and 'id="rec_due_days-error"' in r.get_data(as_text=True)
    assert db.get(Setting, reminder_settings.KEY) is None


def test_good_settings_are_stored_and_shown(db, client_as):
    c = client_as("admin")
    r = c.post("/admin/reminders", data=form_data(action_escalate_days=" 21 ", action_due_days="1, 10, 5"))
    assert r.status_code == 302 and r.headers["Location"] == "/admin/reminders"
    stored = reminder_settings.load(db)
    assert stored["action_escalate_days"] == 21 and stored["action_due_days"] == [10, 5, 1]
    html = page(c, "/admin/reminders")
    assert "Reminder settings saved." in html
    assert 'name="action_escalate_days" type="text" value="21"' in html and 'value="10, 5, 1"' in html
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "settings.reminders")).scalar() is not None
