"""Attachment upload and download; iCalendar files and personal feeds."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.downloads import attachment_response, ics_response
from pitf.errors import NotFound, ValidationFailed
from pitf.services import attachments, calendar
from pitf.services import meetings as mtg
from pitf.storage import MB, TooLarge, get_storage
from pitf.textutil import MAX_ID
from pitf.web.admin.forms import ConfirmForm
from pitf.web.files.forms import AttachmentForm, RecommendationAttachmentForm
from pitf.web.form_errors import apply_form_errors
from pitf.web.zones import localtime

bp = Blueprint("files", __name__)


def _checked(object_id: int, what: str) -> int:
    if object_id > MAX_ID:
        raise NotFound(f"No such {what}.")
    return object_id


def max_upload_bytes() -> int:
    return current_app.config["PITF_MAX_UPLOAD_MB"] * MB


def filesize(size: int) -> str:
    """A size people read: 532 bytes, 14.2 KB, 3.4 MB."""
    if size < 1024:
        return f"{size:,} byte{'s' if size != 1 else ''}"
    if size < MB:
        return f"{size / 1024:.1f} KB"
    return f"{size / MB:.1f} MB"


# ---- a meeting's documents -------------------------------------------------------------------

def _render_meeting_files(meeting_id: int, form: AttachmentForm | None = None, status: int = 200):
    db = get_session()
    meeting, committee, access = mtg.get_meeting(session=db, actor=current_user, meeting_id=meeting_id)
    return _render_files(
        views=attachments.list_attachments(session=db, actor=current_user, meeting_id=meeting.id),
        can_manage=permissions.can_plan_meetings(current_user, access), form=form, status=status,
        owner_title=meeting.title, heading="Documents of the meeting",
        crumbs=[("/meetings/", "Meetings"), (f"/meetings/{meeting.id}", meeting.title)],
        intro=f"{meeting.title}, {committee.name}, {localtime(meeting.starts_at)}"
              + (" (cancelled)." if meeting.status == "cancelled" else "."),
        notice="" if meeting.is_open else "Closed meeting: only the committee's members and the secretariat "
                                          "see these documents.",
        upload_url=url_for("files.upload_meeting_attachment", meeting_id=meeting.id),
        back_links=[(f"/meetings/{meeting.id}", "Back to the meeting"),
                    (url_for("files.meeting_ics", meeting_id=meeting.id), "Add the meeting to your calendar (.ics)")])


def _render_files(*, form, status, **page):
    return render_template("files/attachments.html", form=form or AttachmentForm(), confirm=ConfirmForm(),
                           filesize=filesize, max_mb=current_app.config["PITF_MAX_UPLOAD_MB"],
                           accepted=attachments.ACCEPTED_TEXT, **page), status


@bp.route("/meetings/<int:meeting_id>/attachments")
@login_required
def meeting_attachments(meeting_id: int):
    return _render_meeting_files(_checked(meeting_id, "meeting"))


@bp.route("/meetings/<int:meeting_id>/attachments", methods=["POST"])
@login_required
def upload_meeting_attachment(meeting_id: int):
    meeting_id = _checked(meeting_id, "meeting")
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _render_meeting_files(meeting_id, form, 422)
    try:
        attachment = attachments.add_attachment(
            session=get_session(), actor=current_user, storage=get_storage(current_app), meeting_id=meeting_id,
            kind=form.kind.data, file_storage=request.files.get("file"), max_bytes=max_upload_bytes())
    except (ValidationFailed, TooLarge) as err:
        apply_form_errors(form, err)
        return _render_meeting_files(meeting_id, form, err.status)
    flash(f"“{attachment.filename}” is attached to the meeting.", "success")
    return redirect(url_for("files.meeting_attachments", meeting_id=meeting_id))


# ---- a recommendation's documents ---------------------------------------------------------------

def _render_recommendation_files(rec_id: int, form: RecommendationAttachmentForm | None = None, status: int = 200):
    from pitf.services import recommendations as recs

    db = get_session()
    views = attachments.list_attachments(session=db, actor=current_user, recommendation_id=rec_id)
    rec, is_author = recs.get_recommendation(session=db, actor=current_user, rec_id=rec_id)
    label = f"{rec.number or 'Draft'}: {rec.title}"
    return _render_files(
        views=views, can_manage=permissions.can_attach_to_recommendation(current_user, rec, is_author),
        form=form or RecommendationAttachmentForm(), status=status, owner_title=label,
        heading="Documents of the recommendation",
        crumbs=[("/recommendations/", "Recommendations"), (f"/recommendations/{rec.id}", rec.number or "Draft")],
        intro=label, notice="Evidence and testimony summaries are read by the authors, the Advisory Council, "
                            "the secretariat and the agencies the recommendation is addressed to.",
        upload_url=url_for("files.upload_recommendation_attachment", rec_id=rec.id),
        back_links=[(f"/recommendations/{rec.id}", "Back to the recommendation")])


@bp.route("/recommendations/<int:rec_id>/attachments")
@login_required
def recommendation_attachments(rec_id: int):
    return _render_recommendation_files(_checked(rec_id, "recommendation"))


@bp.route("/recommendations/<int:rec_id>/attachments", methods=["POST"])
@login_required
def upload_recommendation_attachment(rec_id: int):
    rec_id = _checked(rec_id, "recommendation")
    form = RecommendationAttachmentForm()
    if not form.validate_on_submit():
        return _render_recommendation_files(rec_id, form, 422)
    try:
        attachment = attachments.add_attachment(
            session=get_session(), actor=current_user, storage=get_storage(current_app), recommendation_id=rec_id,
            kind=form.kind.data, file_storage=request.files.get("file"), max_bytes=max_upload_bytes())
    except (ValidationFailed, TooLarge) as err:
        apply_form_errors(form, err)
        return _render_recommendation_files(rec_id, form, err.status)
    flash(f"“{attachment.filename}” is attached to the recommendation.", "success")
    return redirect(url_for("files.recommendation_attachments", rec_id=rec_id))


# ---- any document ------------------------------------------------------------------------------

@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment, stream = attachments.get_attachment_for_download(
        session=get_session(), actor=current_user, storage=get_storage(current_app),
        attachment_id=_checked(attachment_id, "document"))
    return attachment_response(attachment, stream)


@bp.route("/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove(attachment_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attachment = attachments.remove_attachment(session=get_session(), actor=current_user,
                                               attachment_id=_checked(attachment_id, "document"))
    flash(f"“{attachment.filename}” was removed.", "success")
    if attachment.meeting_id is not None:
        return redirect(url_for("files.meeting_attachments", meeting_id=attachment.meeting_id))
    return redirect(url_for("files.recommendation_attachments", rec_id=attachment.recommendation_id))


# ---- calendars ---------------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int):
    meeting, committee, _access = mtg.get_meeting(session=get_session(), actor=current_user,
                                                  meeting_id=_checked(meeting_id, "meeting"))
    cal = calendar.meeting_calendar(meeting, committee, current_app.config["PITF_BASE_URL"])
    return ics_response(calendar.to_ics(cal), calendar.ics_filename(meeting))


@bp.route("/calendar/<secret>.ics")
def feed(secret: str):
    """The personal feed: no session (calendar clients have none); the secret address is the key."""
    db = get_session()
    user = calendar.user_for_feed(session=db, secret=secret)
    if user is None:
        raise NotFound("No such calendar feed. Its address may have been reset: copy the new one from your profile.")
    cal = calendar.feed_calendar(db, user, current_app.config["PITF_BASE_URL"])
    return ics_response(calendar.to_ics(cal), "pitf-meetings.ics", disposition="inline")
