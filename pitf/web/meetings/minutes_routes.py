"""Minutes pages, the printable minutes and their PDF, the minutes-due list, and the public pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from pitf.markdown import render_markdown
from pitf.models import User, utcnow
from pitf.models.actions import PILLAR_LABELS
from pitf.models.meetings import MinutesUpdate
from pitf.services import federal_clocks as fc
from pitf.services import meetings as mtg
from pitf.services import minutes as mins
from pitf.services import minutes_print, public
from pitf.services.pdf import render_pdf
from pitf.services.timeutil import to_local
from pitf.textutil import parse_id
from pitf.validation import validate
from pitf.web.confirm import ask, confirmed, question
from pitf.web.form_errors import apply_form_errors
from pitf.web.meetings.common import KIND_LABELS as ATTENDEE_KIND_LABELS
from pitf.web.meetings.common import STATUS_LABELS as ATTENDANCE_LABELS
from pitf.web.meetings.common import file_slug, quorum_text
from pitf.web.meetings.minutes_forms import CommentForm, ConfirmActionForm, MinutesForm

bp = Blueprint("minutes", __name__)

STATUS_LABELS = {"none": "No minutes yet", "draft": "Draft", "circulated": "Circulated for comment",
                 "approved": "Approved"}
# Service errors about fields a form does not show go to the top of the form.
TO_FORM = {"version": "-", "status": "-"}


def _ask(step: str, meeting_id: int, anchor: str | None = None, **values):
    return ask(step, cancel_url=url_for("minutes.view", meeting_id=meeting_id, _anchor=anchor), **values)


@bp.context_processor
def _helpers():
    return {"minutes_status_labels": STATUS_LABELS, "pillar_labels": PILLAR_LABELS,
            "meeting_time": _meeting_time, "confirm_text": question}


def _meeting_time(value, tz_name: str | None, fmt: str = "%B %-d, %Y") -> str:
    """A time in the meeting's own zone: the public record reads the same for everyone."""
    return to_local(value, tz_name).strftime(fmt) if value else ""


def _user_name(user_id: int | None) -> str | None:
    user = get_session().get(User, user_id) if user_id else None
    return user.name if user else None


# ---- the minutes page ------------------------------------------------------------------------

def _render_minutes(meeting_id: int, *, status: int = 200, alert: str | None = None,
                    comment_form: CommentForm | None = None):
    """The minutes as this reader may see them, with the actions open to them."""
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    reader = mins.minutes_for(db, current_user, meeting, access)
    minutes = reader.minutes
    planner = permissions.can_plan_meetings(current_user, access)
    commenter = permissions.can_comment_on_minutes(current_user, access)
    staff = permissions.can_confirm_minutes_actions(current_user)
    proposals = mins.proposed_actions(db, minutes) if staff else []
    meeting_day = mtg.meeting_local_date(meeting)
    clocks = fc.Clocks.from_config(current_app.config)
    open_for_comment = commenter and reader.status == "circulated"
    if comment_form is not None and not open_for_comment and alert is None:
        # The form is not shown (the minutes are no longer circulated): say why the comment was refused.
        alert = " ".join([*getattr(comment_form, "form_errors", []), *(e for f in comment_form for e in f.errors)])
    if comment_form is None and open_for_comment:
        comment_form = CommentForm(formdata=None)
    not_held = None  # the steps after the meeting are not offered before it (the service refuses them too)
    try:
        mtg.require_held(meeting, "its minutes are circulated and " + (
            "certified" if committee.follows_faca else "approved"))
    except ValidationFailed as err:
        not_held = err.fields["status"]
    return render_template(
        "meetings/minutes.html", meeting=meeting, committee=committee, reader=reader, minutes=minutes,
        planner=planner, commenter=commenter, staff=staff,
        comments=mins.comments(db, minutes) if minutes is not None and (planner or commenter) else [],
        comment_form=comment_form if open_for_comment else None,
        proposals=proposals,
        action_forms={a.id: ConfirmActionForm(formdata=None, prefix=f"action{a.id}")
                      for a, _acronym in proposals if a.state == "proposed" and not a.problem},
        approved_by=_user_name(reader.approved.approved_by_id) if reader.approved else None,
        can_circulate=planner and minutes is not None and minutes.status == "draft" and not not_held,
        can_approve=(minutes is not None and minutes.status == "circulated" and not not_held
                     and permissions.can_approve_minutes(current_user, committee, access)),
        not_held=not_held if planner or permissions.can_approve_minutes(current_user, committee, access) else None,
        can_mail=planner and minutes is not None and minutes.approved_revision is not None,
        certification=mins.certification_text(meeting_day),
        certify_by=(meeting_day + timedelta(days=clocks.certify_days)) if committee.follows_faca else None,
        alert=alert,
    ), status


@bp.route("/meetings/<int:meeting_id>/minutes", endpoint="view")
@login_required
def view(meeting_id: int):
    return _render_minutes(meeting_id)


def _act(meeting_id: int, do, done: str | None = None, *, anchor: str | None = None):
    """Run one lifecycle step; a refusal shows the minutes page again with the reason."""
    db = get_session()
    try:
        result = do(db)
    except Conflict:
        db.rollback()
        return _render_minutes(meeting_id, status=409, alert="Someone changed these minutes since you opened the "
                                                             "page. Read them as they are now, then try again.")
    except InvalidTransition as err:
        db.rollback()
        return _render_minutes(meeting_id, status=409, alert=err.message)
    except ValidationFailed as err:
        db.rollback()
        return _render_minutes(meeting_id, status=422, alert=" ".join(err.fields.values()) or err.message)
    flash(done if done is not None else result, "success")
    return redirect(url_for("minutes.view", meeting_id=meeting_id, _anchor=anchor))


@bp.route("/meetings/<int:meeting_id>/minutes/circulate", methods=["POST"], endpoint="circulate")
@login_required
def circulate(meeting_id: int):
    if not confirmed():
        mtg.get_meeting_for_planning(session=get_session(), actor=current_user, meeting_id=meeting_id)
        return _ask("circulate", meeting_id)
    return _act(meeting_id, lambda db: mins.circulate(session=db, actor=current_user, meeting_id=meeting_id,
                                                      version=request.form.get("version")),
                "The minutes are circulated: the committee's members are told, and may comment.")


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["POST"], endpoint="approve")
@login_required
def approve(meeting_id: int):
    if not confirmed():
        db = get_session()
        meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
        if not permissions.can_approve_minutes(current_user, committee, access):
            raise Forbidden("Only the chair certifies the minutes of a body under FACA." if committee.follows_faca
                            else "Only the chair or the secretariat approves minutes.")
        minutes = mins.get_minutes(db, meeting)
        return _ask("certify" if committee.follows_faca else "approve", meeting_id,
                    revision=minutes.revision if minutes else 1)

    def do(db):
        _meeting, committee, _ = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
        what = "certified" if committee.follows_faca else "approved"
        minutes = mins.approve(session=db, actor=current_user, meeting_id=meeting_id,
                               version=request.form.get("version"))
        return f"Revision {minutes.revision} of the minutes is {what}; it is now the text everyone reads."

    return _act(meeting_id, do)


@bp.route("/meetings/<int:meeting_id>/minutes/mail", methods=["POST"], endpoint="mail")
@login_required
def mail(meeting_id: int):
    if not confirmed():
        mtg.get_meeting_for_planning(session=get_session(), actor=current_user, meeting_id=meeting_id)
        return _ask("mail", meeting_id)

    def do(db):
        queued = mins.mail_minutes(session=db, actor=current_user, meeting_id=meeting_id)
        if not queued:
            return "Nothing was queued: every participant already has these approved minutes."
        return f"{queued} email{'s' if queued != 1 else ''} queued with the approved minutes and the action items."

    return _act(meeting_id, do)


@bp.route("/meetings/<int:meeting_id>/minutes/comments", methods=["POST"], endpoint="comment")
@login_required
def comment(meeting_id: int):
    db = get_session()
    form = CommentForm()
    if form.validate_on_submit():
        try:
            mins.add_comment(session=db, actor=current_user, meeting_id=meeting_id,
                             body_md=(form.body_md.data or "").replace("\r\n", "\n"))
        except ValidationFailed as err:
            db.rollback()
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            flash("Your comment is posted under the minutes.", "success")
            return redirect(url_for("minutes.view", meeting_id=meeting_id, _anchor="comments"))
    return _render_minutes(meeting_id, status=422, comment_form=form)


@bp.route("/meetings/<int:meeting_id>/minutes/actions/<int:action_id>/confirm", methods=["POST"],
          endpoint="confirm_action")
@login_required
def confirm_action(meeting_id: int, action_id: int):
    form = ConfirmActionForm(prefix=f"action{action_id}")

    def do(db):
        item = mins.confirm_action(session=db, actor=current_user, meeting_id=meeting_id, action_id=action_id,
                                   pillar=form.pillar.data or "partnership")
        return f"Action item created: {item.title} (item {item.id}); the lead agency is told."

    return _act(meeting_id, do, anchor="proposed-actions")


@bp.route("/meetings/<int:meeting_id>/minutes/actions/<int:action_id>/dismiss", methods=["POST"],
          endpoint="dismiss_action")
@login_required
def dismiss_action(meeting_id: int, action_id: int):
    if not confirmed():
        db = get_session()
        meeting, _committee, _access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
        if not permissions.can_confirm_minutes_actions(current_user):
            raise Forbidden("Only the secretariat handles proposed actions.")
        minutes = mins.get_minutes(db, meeting)
        action = next((a for a, _acr in mins.proposed_actions(db, minutes) if a.id == action_id), None)
        if action is None:
            raise NotFound("No such proposed action.")
        return _ask("dismiss", meeting_id, anchor="proposed-actions", title=action.title)
    return _act(meeting_id, lambda db: mins.dismiss_action(session=db, actor=current_user, meeting_id=meeting_id,
                                                           action_id=action_id),
                "The proposed action is dismissed; no action item was made of it.", anchor="proposed-actions")


# ---- the printable minutes and their PDF ---------------------------------------------------------------

def _print_html(meeting_id: int, *, for_pdf: bool) -> tuple[str, minutes_print.PrintableMinutes]:
    approved = request.args.get("text") == "approved"
    printable = minutes_print.printable_minutes(session=get_session(), actor=current_user, meeting_id=meeting_id,
                                                approved=approved)
    html = render_template(
        "meetings/minutes_print.html", p=printable, meeting=printable.meeting, committee=printable.committee,
        approved_text=approved, attendee_kinds=ATTENDEE_KIND_LABELS, attendance_labels=ATTENDANCE_LABELS,
        quorum_line=quorum_text(printable.quorum),
        # The PDF reads the stylesheet from the static folder and links back to the platform in full.
        css_href="css/print.css" if for_pdf else url_for("static", filename="css/print.css"),
        link_base=current_app.config["PITF_BASE_URL"].rstrip("/") if for_pdf else "", for_pdf=for_pdf,
        printed_at=utcnow())
    return html, printable


@bp.route("/meetings/<int:meeting_id>/minutes/print", endpoint="print")
@login_required
def print_minutes(meeting_id: int):
    html, _printable = _print_html(meeting_id, for_pdf=False)
    return html


@bp.route("/meetings/<int:meeting_id>/minutes.pdf", endpoint="pdf")
@login_required
def minutes_pdf(meeting_id: int):
    html, p = _print_html(meeting_id, for_pdf=True)
    response = make_response(render_pdf(html, base_url=current_app.static_folder or ""))
    response.headers["Content-Type"] = "application/pdf"
    name = (f"minutes-{mtg.meeting_local_date(p.meeting).isoformat()}-"
            f"{file_slug(p.committee.short_name or p.committee.name)}{'-draft' if p.is_draft else ''}")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# ---- the editor --------------------------------------------------------------------------------

def _render_editor(meeting, committee, minutes, form: MinutesForm, *, status: int = 200, preview: str | None = None,
                   replace_skeleton: bool = False, conflict=None):
    return render_template("meetings/minutes_edit.html", meeting=meeting, committee=committee, minutes=minutes,
                           form=form, preview=preview, replace_skeleton=replace_skeleton, conflict=conflict,
                           locked=minutes is not None and minutes.status == "approved"), status


def _version_read(raw: str | None) -> int | str:
    """The version the editor read: 0 while the meeting had no minutes, else its number (or the text as sent,
    for the schema to refuse by name)."""
    raw = (raw or "").strip()
    return 0 if raw in ("", "0") else (parse_id(raw) or raw)


@bp.route("/meetings/<int:meeting_id>/minutes/edit", methods=["GET", "POST"], endpoint="edit")
@login_required
def edit(meeting_id: int):
    db = get_session()
    meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user, meeting_id=meeting_id)
    minutes = mins.get_minutes(db, meeting)
    form = MinutesForm()
    if request.method == "GET":
        form.body_md.data = minutes.body_md if minutes else ""
        form.version.data = minutes.version if minutes else ""
        return _render_editor(meeting, committee, minutes, form)
    body = (form.body_md.data or "").replace("\r\n", "\n")
    form.body_md.data = body
    do = request.form.get("do", "save")
    if do in ("skeleton", "skeleton_replace"):
        # Fill the text box; nothing is saved until "Save draft". Typed text is replaced only on request.
        if body.strip() and do == "skeleton":
            return _render_editor(meeting, committee, minutes, form, replace_skeleton=True)
        form.body_md.data = mins.skeleton(db, meeting, committee)
        db.rollback()  # reading the agenda may create its empty row: this button writes nothing
        return _render_editor(meeting, committee, minutes, form)
    if do == "preview":
        return _render_editor(meeting, committee, minutes, form, preview=render_markdown(body))
    if form.validate_on_submit():
        try:
            # An empty version while minutes exist means they were started meanwhile: a conflict, not an error.
            changes = validate(MinutesUpdate, {"body_md": body, "revision_reason": form.revision_reason.data or "",
                                               "version": _version_read(form.version.data)})
            saved = mins.save_minutes(session=db, actor=current_user, meeting_id=meeting_id, changes=changes)
        except Conflict:
            db.rollback()
            meeting, committee, _access = mtg.get_meeting_for_planning(session=db, actor=current_user,
                                                                       meeting_id=meeting_id)
            minutes = mins.get_minutes(db, meeting)
            form.version.data = minutes.version if minutes else ""
            return _render_editor(meeting, committee, minutes, form, status=409, conflict=minutes)
        except ValidationFailed as err:
            db.rollback()
            apply_form_errors(form, err, mapping=TO_FORM)
        else:
            if saved.approved_revision and saved.status == "draft" and saved.revision > saved.approved_revision:
                flash(f"Saved as revision {saved.revision}, a correction in draft. Revision "
                      f"{saved.approved_revision} stays the approved text until this one is approved.", "success")
            else:
                flash("The minutes are saved.", "success")
            return redirect(url_for("minutes.view", meeting_id=meeting_id))
    return _render_editor(meeting, committee, mins.get_minutes(db, meeting), form, status=422)


# ---- revisions and their differences -----------------------------------------------------------

def _visible(meeting_id: int):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    minutes = mins.get_minutes(db, meeting)
    revs = mins.visible_revisions(db, current_user, minutes, access) if minutes is not None else []
    return meeting, committee, minutes, revs


@bp.route("/meetings/<int:meeting_id>/minutes/revisions", endpoint="revisions")
@login_required
def revisions(meeting_id: int):
    meeting, committee, minutes, revs = _visible(meeting_id)
    numbers = {r.revision for r in revs}
    return render_template("meetings/minutes_revisions.html", meeting=meeting, committee=committee, minutes=minutes,
                           revisions=revs, comparable={r.revision for r in revs if r.revision - 1 in numbers},
                           names={r.id: (_user_name(r.approved_by_id), _user_name(r.created_by_id)) for r in revs})


@bp.route("/meetings/<int:meeting_id>/minutes/revisions/<int:number>/diff", endpoint="diff")
@login_required
def diff(meeting_id: int, number: int):
    meeting, committee, _minutes, revs = _visible(meeting_id)
    by_number = {r.revision: r for r in revs}
    newer, older = by_number.get(number), by_number.get(number - 1)
    if newer is None or older is None:
        raise NotFound("There is no such pair of revisions to compare." if newer is None else
                       "This is the first revision you may read: there is none before it to compare with.")
    lines = mins.diff_revisions(older.body_md, newer.body_md)
    return render_template("meetings/minutes_diff.html", meeting=meeting, committee=committee, older=older,
                           newer=newer, lines=lines, added=sum(1 for d in lines if d.kind == "added"),
                           removed=sum(1 for d in lines if d.kind == "removed"))


# ---- minutes still to approve ----------------------------------------------------------------

@bp.route("/minutes/due", endpoint="due")
@login_required
def due():
    now = utcnow()
    rows = fc.minutes_due(session=get_session(), actor=current_user,
                          clocks=fc.Clocks.from_config(current_app.config), now=now)
    return render_template("meetings/due.html", rows=rows, clocks=fc.Clocks.from_config(current_app.config),
                           today=fc.federal_today(now))


# ---- the public record (no sign-in) -------------------------------------------------------------

@bp.route("/public/", endpoint="public_index")
def public_index():
    return render_template("public/index.html", meetings=public.public_meetings(get_session()))


@bp.route("/public/meetings/<int:meeting_id>", endpoint="public_meeting")
def public_meeting(meeting_id: int):
    record = public.public_meeting(get_session(), meeting_id)
    return render_template("public/meeting.html", r=record, meeting=record.meeting, committee=record.committee)
