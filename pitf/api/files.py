"""API of documents (meeting and recommendation attachments) and iCalendar files, including the personal feed."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, Field
from spectree import Response

from pitf.api import api_bp
from pitf.api.spec import Error, Page, PageQuery, documented, responses, spec
from pitf.api.util import actor
from pitf.db import get_session
from pitf.downloads import attachment_response, ics_response
from pitf.errors import NotFound, ValidationFailed
from pitf.models import Attachment
from pitf.models.attachments import AttachmentPublic
from pitf.models.vocab import AttachmentKind
from pitf.paging import page_slice
from pitf.services import attachments, calendar
from pitf.services import meetings as mtg
from pitf.storage import MB, get_storage
from pitf.textutil import MAX_ID

TAGS = ["documents"]
UPLOADED = responses(201, AttachmentPublic, errors=(401, 403, 404, 413, 422))


class AttachmentUpload(BaseModel):
    """The multipart body of an upload, for the document: the view reads the parts itself (pitf/services/attachments
    checks the file and its kind)."""

    file: bytes = Field(description="PDF, Word, Excel, PowerPoint, OpenDocument, plain text or CSV, PNG, JPEG, GIF "
                                    "or WebP, checked by content; at most PITF_MAX_UPLOAD_MB (25 MB by default)")
    kind: AttachmentKind = AttachmentKind.OTHER


class FileResponses(Response):
    """A file's answer: its bytes under *media_type* (not JSON, so never validated as JSON) and the Error bodies."""

    def __init__(self, description: str, media_type: str, schema: dict, *errors: int):
        super().__init__(HTTP_200=None, **{f"HTTP_{code}": Error for code in errors})
        self.code_descriptions["HTTP_200"] = description
        self.media = {media_type: {"schema": schema}}

    def generate_spec(self, *args, **kwargs) -> dict[str, Any]:
        answers = super().generate_spec(*args, **kwargs)
        answers["200"]["content"] = self.media
        return answers


def ics_responses(*errors: int) -> FileResponses:
    return FileResponses("iCalendar (RFC 5545)", "text/calendar", {"type": "string"}, *errors)


def attachment_public(view: attachments.AttachmentView) -> AttachmentPublic:
    a = view.attachment
    return AttachmentPublic(**a.model_dump(include={
        "id", "filename", "size", "content_type", "kind", "sha256", "meeting_id", "recommendation_id",
        "uploaded_by_id", "created_at"}), uploaded_by=view.uploaded_by,
        download_url=url_for("api.attachment", attachment_id=a.id))


def _checked(object_id: int, what: str) -> int:
    if object_id > MAX_ID:
        raise NotFound(f"No such {what}.")
    return object_id


def _list(query: PageQuery, *, meeting_id: int | None = None, recommendation_id: int | None = None
          ) -> Page[AttachmentPublic]:
    views = attachments.list_attachments(session=get_session(), actor=actor(), meeting_id=meeting_id,
                                         recommendation_id=recommendation_id)
    return Page[AttachmentPublic](items=[attachment_public(v) for v in page_slice(views, query.page, query.per_page)],
                                  page=query.page, per_page=query.per_page, total=len(views))


def _upload(*, meeting_id: int | None = None, recommendation_id: int | None = None) -> FlaskResponse:
    """A multipart upload: the file in `file`, its kind in `kind`."""
    if not request.mimetype.startswith("multipart/form-data"):
        raise ValidationFailed("Send the file as multipart/form-data.", fields={
            "file": "Upload the file as multipart/form-data in a part named file."})
    db = get_session()
    attachment: Attachment = attachments.add_attachment(
        session=db, actor=actor(), storage=get_storage(current_app), kind=request.form.get("kind", "other"),
        file_storage=request.files.get("file"), max_bytes=current_app.config["PITF_MAX_UPLOAD_MB"] * MB,
        meeting_id=meeting_id, recommendation_id=recommendation_id)
    response = jsonify(attachment_public(attachments.attachment_view(db, attachment)).model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = url_for("api.attachment", attachment_id=attachment.id)
    return response


@api_bp.get("/meetings/<int:meeting_id>/attachments")
@spec.validate(query=PageQuery, resp=responses(200, Page[AttachmentPublic], errors=(401, 404, 422)), tags=TAGS)
def meeting_attachments(meeting_id: int, query: PageQuery):
    """A meeting's documents (404 for a closed meeting to non-members)"""
    return _list(query, meeting_id=_checked(meeting_id, "meeting"))


@api_bp.post("/meetings/<int:meeting_id>/attachments")
@documented(form=AttachmentUpload, resp=UPLOADED, tags=TAGS)
def upload_meeting_attachment(meeting_id: int):
    """Attach a document to a meeting (its planners)"""
    return _upload(meeting_id=_checked(meeting_id, "meeting"))


@api_bp.get("/recommendations/<int:rec_id>/attachments")
@spec.validate(query=PageQuery, resp=responses(200, Page[AttachmentPublic], errors=(401, 403, 404, 422)), tags=TAGS)
def recommendation_attachments(rec_id: int, query: PageQuery):
    """A recommendation's documents (for now: the secretariat and the filer)"""
    return _list(query, recommendation_id=_checked(rec_id, "recommendation"))


@api_bp.post("/recommendations/<int:rec_id>/attachments")
@documented(form=AttachmentUpload, resp=UPLOADED, tags=TAGS)
def upload_recommendation_attachment(rec_id: int):
    """Attach a document to a recommendation (for now: the secretariat)"""
    return _upload(recommendation_id=_checked(rec_id, "recommendation"))


@api_bp.get("/attachments/<int:attachment_id>")
@documented(resp=FileResponses("The file, with its detected content type", "application/octet-stream",
                              {"type": "string", "format": "binary"}, 401, 404), tags=TAGS)
def attachment(attachment_id: int):
    """Download a document (Content-Disposition: attachment)"""
    found, stream = attachments.get_attachment_for_download(
        session=get_session(), actor=actor(), storage=get_storage(current_app),
        attachment_id=_checked(attachment_id, "document"))
    return attachment_response(found, stream)


@api_bp.delete("/attachments/<int:attachment_id>")
@documented(resp=responses(204, None, errors=(401, 403, 404)), tags=TAGS)
def remove_attachment(attachment_id: int):
    """Remove a document (kept for the record; its planners)"""
    attachments.remove_attachment(session=get_session(), actor=actor(),
                                  attachment_id=_checked(attachment_id, "document"))
    return "", 204


@api_bp.get("/meetings/<int:meeting_id>.ics")
@documented(resp=ics_responses(401, 404), tags=TAGS)
def meeting_ics(meeting_id: int):
    """The meeting as an iCalendar event"""
    meeting, committee, _access = mtg.get_meeting(session=get_session(), actor=actor(),
                                                  meeting_id=_checked(meeting_id, "meeting"))
    cal = calendar.meeting_calendar(meeting, committee, current_app.config["PITF_BASE_URL"])
    return ics_response(calendar.to_ics(cal), calendar.ics_filename(meeting))


@api_bp.get("/calendar/<secret>.ics")
@documented(resp=ics_responses(404), tags=TAGS, security=[])
def calendar_feed(secret: str):
    """A user's personal feed of their committees' meetings (no token: the address is the key)"""
    db = get_session()
    user = calendar.user_for_feed(session=db, secret=secret)
    if user is None:
        raise NotFound("No such calendar feed. Its address may have been reset.")
    cal = calendar.feed_calendar(db, user, current_app.config["PITF_BASE_URL"])
    return ics_response(calendar.to_ics(cal), "pitf-meetings.ics", disposition="inline")
