"""Operations pages for administrators: scheduled jobs (run now), the email outbox (retry), reminder settings."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from pitf import permissions, scheduler
from pitf.db import get_session
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models.notifications import OUTBOX_STATES
from pitf.paging import last_page, page_numbers, read_paging
from pitf.security import is_safe_next
from pitf.services import audit, notifications, outbox, reminder_settings
from pitf.web.form_errors import apply_form_errors

bp = Blueprint("admin_ops", __name__, url_prefix="/admin")

OUTBOX_PER_PAGE = 50
STATE_LABELS = {"pending": "Pending", "sending": "Sending", "sent": "Sent", "failed": "Failed"}


def _admin():
    """The signed-in administrator; anyone else gets 403."""
    require(permissions.is_admin(current_user), "Only administrators run the platform's jobs and email.")
    return current_user._get_current_object()


# ---- jobs --------------------------------------------------------------------------------------

@bp.route("/jobs")
@login_required
def jobs():
    _admin()
    statuses = scheduler.job_statuses(current_app._get_current_object())
    return render_template("admin/jobs.html", statuses=statuses)


@bp.route("/jobs/<job_id>/run", methods=["POST"])
@login_required
def run_job(job_id: str):
    actor = _admin()
    spec = scheduler.JOBS.get(job_id)
    if spec is None:
        raise NotFound("No such job.")
    db = get_session()
    # The job works in its own transactions. End this request's first: on SQLite a POST's transaction
    # holds the write lock (BEGIN IMMEDIATE) that the job's transactions would wait for.
    db.commit()
    # current_app is a LocalProxy at run time; Flask's stubs type it as the Flask app itself.
    run = scheduler.run_job(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
    audit.record(db, actor=actor, action="job.run_now", object_type="JobRun", object_id=run.id,
                 changes={"job_id": [None, job_id], "outcome": [None, run.outcome]})
    if run.outcome == "ok":
        flash(f"{spec.description}: ran now, ok. {run.detail}", "success")
    else:
        flash(f"{spec.description}: the run failed. {run.detail}", "error")
    return redirect(url_for("admin_ops.jobs"))


# ---- the outbox --------------------------------------------------------------------------------

def _back_to_outbox() -> str:
    target = request.form.get("next", "")
    if is_safe_next(target) and target.startswith(url_for("admin_ops.outbox")):
        return target
    return url_for("admin_ops.outbox")


@bp.route("/outbox", endpoint="outbox")
@login_required
def outbox_page():
    actor = _admin()
    db = get_session()
    errors: dict[str, str] = {}
    page, per_page = read_paging(request.args, errors, per_page=OUTBOX_PER_PAGE)
    filters: dict[str, str] = {}
    try:
        filters = notifications.parse_outbox_filters(request.args)
    except ValidationFailed as err:
        errors.update(err.fields)
    rows, total = [], 0
    if not errors:
        rows, total = notifications.list_outbox(session=db, actor=actor, page=page, per_page=per_page, **filters)
    query_args = dict(filters)
    if per_page != OUTBOX_PER_PAGE:
        query_args["per_page"] = per_page
    last = last_page(total, per_page)
    return render_template(
        "admin/outbox.html", rows=rows, total=total, page=page, per_page=per_page, last_page=last,
        page_numbers=page_numbers(page, last), query_args=query_args, filters=filters, errors=errors,
        args=request.args, counts=outbox.outbox_counts(db), states=OUTBOX_STATES, state_labels=STATE_LABELS,
        kinds=notifications.outbox_kinds(session=db, actor=actor),
        mail_configured=bool(current_app.config.get("PITF_MAIL_URL")), here=request.full_path.rstrip("?"),
    ), (422 if errors else 200)


@bp.route("/outbox/<int:email_id>")
@login_required
def outbox_email(email_id: int):
    """One email as the recipient gets it: headers, the plain text, and the HTML part made safe."""
    actor = _admin()
    row = notifications.get_outbox_email(session=get_session(), actor=actor, email_id=email_id)
    return render_template("admin/outbox_email.html", email=row, html_part=outbox.html_for_display(row.body_html),
                           state_labels=STATE_LABELS, here=request.full_path.rstrip("?"))


@bp.route("/outbox/<int:email_id>/retry", methods=["POST"])
@login_required
def outbox_retry(email_id: int):
    actor = _admin()
    db = get_session()
    row = notifications.get_outbox_email(session=db, actor=actor, email_id=email_id)
    if outbox.retry_failed(db, actor, [email_id]):
        flash(f"The email to {row.to_address} goes out again at the sender's next run.", "success")
    else:
        flash(f"The email to {row.to_address} has not failed ({row.state}): there is nothing to retry.", "info")
    return redirect(_back_to_outbox())


@bp.route("/outbox/retry-failed", methods=["POST"])
@login_required
def outbox_retry_all():
    actor = _admin()
    count = outbox.retry_failed(get_session(), actor, None)
    if count:
        flash(f"{count} failed email{'s go' if count != 1 else ' goes'} out again at the sender's next run.",
              "success")
    else:
        flash("No email has failed: there is nothing to retry.", "info")
    return redirect(_back_to_outbox())


# ---- reminder settings -------------------------------------------------------------------------

class ReminderSettingsForm(FlaskForm):
    """One text field per reminder setting (reminder_settings.FIELDS); the service checks the values."""


def _hint(name: str) -> str:
    default, _label, low, high = reminder_settings.FIELDS[name]
    if isinstance(default, list):
        shown = ", ".join(str(d) for d in default)
        return f"Days from {low} to {high}, several separated by commas. Default: {shown}."
    return f"A whole number from {low} to {high}. Default: {default}."


for _name, (_default, _label, _low, _high) in reminder_settings.FIELDS.items():
    setattr(ReminderSettingsForm, _name, StringField(_label, description=_hint(_name)))


def _shown(value) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


@bp.route("/reminders", methods=["GET", "POST"])
@login_required
def reminders():
    actor = _admin()
    db = get_session()
    if request.method == "POST":
        form = ReminderSettingsForm()
    else:
        form = ReminderSettingsForm(data={k: _shown(v) for k, v in reminder_settings.load(db).items()})
    if form.validate_on_submit():
        values = {name: (form[name].data or "").strip() for name in reminder_settings.FIELDS}
        try:
            reminder_settings.save(session=db, actor=actor, values=values)
        except ValidationFailed as err:
            apply_form_errors(form, err)
        else:
            flash("Reminder settings saved. The next run of the reminders job uses them.", "success")
            return redirect(url_for("admin_ops.reminders"))
    return render_template("admin/reminders.html", form=form, fields=reminder_settings.FIELDS), (
        422 if request.method == "POST" else 200)
