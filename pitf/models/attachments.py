"""What the API shows of a stored document (the Attachment table is in .meetings, beside the meetings it serves)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from .fields import Timestamp
from .vocab import AttachmentKind


class AttachmentPublic(SQLModel):
    id: int
    filename: str
    size: int = Field(description="Bytes")
    content_type: str
    kind: AttachmentKind
    sha256: str
    meeting_id: int | None
    recommendation_id: int | None
    uploaded_by: str | None = Field(description="The uploader's name")
    uploaded_by_id: int
    created_at: Timestamp
    download_url: str
