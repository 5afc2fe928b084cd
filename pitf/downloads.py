"""The HTTP responses of stored documents and calendar files, shared by the pages and the API."""

from __future__ import annotations

from typing import BinaryIO

from flask import Response, send_file

from pitf.models import Attachment
from pitf.services.calendar import CONTENT_TYPE as ICS_TYPE

# A document is never run by the browser: no sniffing, and a sandbox without scripts even if opened.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def attachment_response(attachment: Attachment, stream: BinaryIO) -> Response:
    """Send a stored document as a download, with the type found by content, never shown inline."""
    response = send_file(stream, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, etag=attachment.sha256, conditional=True,
                         last_modified=attachment.created_at, max_age=0)
    if response.status_code == 200:
        response.content_length = attachment.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def ics_response(body: bytes, filename: str, *, disposition: str = "attachment") -> Response:
    """A calendar file: text/calendar in UTF-8, offered under *filename* (made by the platform, plain ASCII)."""
    response = Response(body, status=200, content_type=ICS_TYPE)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
