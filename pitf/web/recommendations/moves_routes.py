"""The writes on a recommendation's page that change where it stands: a move of the transition table, the
secretariat's priority flag, and putting it on a meeting's agenda."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, ValidationFailed, require
from pitf.services import rec_presentations, rec_workflow
from pitf.services import recommendations as recs
from pitf.services.meetings import meeting_local_date
from pitf.web.confirm import ask, confirmed
from pitf.web.form_errors import apply_form_errors
from pitf.web.recommendations.forms import PresentForm
from pitf.web.recommendations.page import TO_FORM, MoveState, bp, reload, render_page, response_days, utc_today

MOVED = {"under_review": "Review started.", "draft": "Returned to the authors with your note.",
         "withdrawn": "The recommendation is withdrawn.",
         "open": "The recommendation is open; the target agencies' liaisons are asked to respond.",
         "closed_implemented": "Closed as implemented.", "closed_not_implemented": "Closed as not implemented."}


@bp.route("/<int:rec_id>/transition", methods=["POST"])
@login_required
def transition(rec_id: int):
    db = get_session()
    form = request.form
    to = form.get("to", "")
    note = (form.get("note") or "").replace("\r\n", "\n")
    due = {key.removeprefix("response_due."): value.strip() for key, value in form.items()
           if key.startswith("response_due.")}
    # The priority checkbox is on the opening form only; unticked, it sends nothing.
    priority = form.get("priority") == "true" if form.get("priority_shown") else None
    if to == "submitted" and not confirmed():
        recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)  # 404 first for those who may not see it
        return ask("submit_recommendation", cancel_url=url_for("recommendations.view", rec_id=rec_id))
    try:
        rec = rec_workflow.transition(session=db, actor=current_user, rec_id=rec_id, version=form.get("version"),
                                      to=to, note=note, response_due=due or None, priority=priority, today=utc_today(),
                                      response_days=response_days())
    except Conflict:
        rec, is_author = reload(rec_id)
        state = MoveState(to, {}, note, bool(priority), due, conflict=True)
        return render_page(rec, is_author, status=409, move=state)
    except ValidationFailed as err:
        rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
        state = MoveState(to, dict(err.fields) or {"-": err.message}, note, bool(priority), due)
        return render_page(rec, is_author, status=422, move=state)
    if to == "submitted":
        flash(f"Submitted as {rec.number}. The secretariat is notified; the recommendation is now read-only.",
              "success")
    else:
        flash(MOVED.get(to, "The recommendation is now {status}.").format(
            status=recs.STATUS_LABELS.get(rec.status, rec.status).lower()), "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor="history"))


@bp.route("/<int:rec_id>/priority", methods=["POST"])
@login_required
def priority(rec_id: int):
    db = get_session()
    wanted = request.form.get("priority")
    if wanted not in ("true", "false"):
        raise ValidationFailed("Send priority true or false.")
    try:
        rec = rec_workflow.set_priority(session=db, actor=current_user, rec_id=rec_id,
                                        version=request.form.get("version"), priority=wanted == "true")
    except Conflict:
        rec, is_author = reload(rec_id)
        return render_page(rec, is_author, status=409, priority_conflict=True)
    flash("Flagged as a priority." if rec.priority else "The priority flag is removed.", "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id))


@bp.route("/<int:rec_id>/present", methods=["POST"])
@login_required
def present(rec_id: int):
    db = get_session()
    rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
    require(permissions.can_link_meeting_to_recommendation(current_user),
            "Only the secretariat links a recommendation to a meeting.")
    form = PresentForm()
    try:
        meeting = rec_presentations.present_at_meeting(session=db, actor=current_user, rec_id=rec_id,
                                                       meeting_id=form.meeting_id.data).meeting
    except Conflict:
        rec, is_author = reload(rec_id)
        form.form_errors = ["Someone changed that meeting's agenda at the same moment. Choose it again."]
        return render_page(rec, is_author, status=409, present_form=form)
    except ValidationFailed as err:
        apply_form_errors(form, err, mapping={"items": "meeting_id", **TO_FORM})
        return render_page(rec, is_author, status=422, present_form=form)
    flash(f"Added to the agenda of {meeting.title} ({meeting_local_date(meeting).strftime('%B %-d, %Y')}).",
          "success")
    return redirect(url_for("recommendations.view", rec_id=rec_id, _anchor="presented"))
