"""Documents of meetings and recommendations: upload (type checked by content), list, download, soft removal.

Who may do what:
- A meeting's documents are uploaded and removed by those who plan it (the secretariat, the committee's
  chair and co-chairs) and read by those who may see the meeting (a closed meeting's documents are
  NotFound to non-members, like the meeting itself).
- A recommendation's documents (evidence, testimony summaries): its authors attach and remove them while
  drafting, the secretariat at any time; the authors, the Council, the secretariat and the liaisons of
  the agencies addressed read them (pitf/permissions.py). A recommendation its reader may not see at all
  (someone else's draft) is NotFound.

Nothing is written when an upload is refused: the type is checked on the first bytes before anything is
stored, the size while streaming (the storage leaves no partial file), and a stored file whose row does
not reach the database is deleted again.
"""

from __future__ import annotations

import logging
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import magic
from sqlalchemy import event, exists, select, update
from sqlalchemy.orm import Session

from pitf import permissions, textextract
from pitf.errors import Forbidden, NotFound, ValidationFailed, require
from pitf.models import Attachment, Recommendation, User, utcnow
from pitf.models.meetings import ATTACHMENT_KINDS
from pitf.models.recommendations import RecommendationCosponsor, RecommendationTarget
from pitf.services import audit
from pitf.services.meetings import get_meeting, get_meeting_for_planning
from pitf.storage import MB, Storage, TooLarge, new_key, too_large_message

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 25 * MB
SNIFF_BYTES = 8 * 1024
MAX_FILENAME = 255
KIND_LABELS = {"received": "Received", "issued": "Issued", "evidence": "Evidence", "other": "Other"}

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_ODT = "application/vnd.oasis.opendocument.text"
_ODS = "application/vnd.oasis.opendocument.spreadsheet"
_ODP = "application/vnd.oasis.opendocument.presentation"

# Accepted content types (as libmagic names them), with a name people know and the file name endings
# that agree with the content.
ALLOWED: dict[str, tuple[str, frozenset[str]]] = {
    "application/pdf": ("PDF", frozenset({"pdf"})),
    "application/msword": ("Word document", frozenset({"doc", "dot"})),
    _DOCX: ("Word document", frozenset({"docx"})),
    "application/vnd.ms-excel": ("Excel workbook", frozenset({"xls", "xlt"})),
    _XLSX: ("Excel workbook", frozenset({"xlsx"})),
    "application/vnd.ms-powerpoint": ("PowerPoint presentation", frozenset({"ppt", "pps", "pot"})),
    _PPTX: ("PowerPoint presentation", frozenset({"pptx"})),
    _ODT: ("OpenDocument text", frozenset({"odt"})),
    _ODS: ("OpenDocument spreadsheet", frozenset({"ods"})),
    _ODP: ("OpenDocument presentation", frozenset({"odp"})),
    "text/plain": ("plain text", frozenset({"txt", "text", "csv", "tsv", "md", "log"})),
    "text/csv": ("CSV", frozenset({"csv", "tsv", "txt"})),
    "image/png": ("PNG image", frozenset({"png"})),
    "image/jpeg": ("JPEG image", frozenset({"jpg", "jpeg", "jpe", "jfif"})),
    "image/gif": ("GIF image", frozenset({"gif"})),
    "image/webp": ("WebP image", frozenset({"webp"})),
}
ACCEPTED_TEXT = "PDF, Word, Excel, PowerPoint, OpenDocument, plain text or CSV, PNG, JPEG, GIF and WebP"

# Legacy Office files are OLE compound documents; from the first bytes libmagic cannot always tell a Word
# file from an Excel one, so the (agreeing) name ending decides which of the three it is.
_OLE_TYPES = {"application/x-ole-storage", "application/cdfv2", "application/vnd.ms-office"}
_OLE_BY_EXTENSION = {"doc": "application/msword", "dot": "application/msword", "xls": "application/vnd.ms-excel",
                     "xlt": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
                     "pps": "application/vnd.ms-powerpoint", "pot": "application/vnd.ms-powerpoint"}
# OOXML and OpenDocument files are zip archives; when libmagic sees only "zip" in the first bytes the
# archive's table of contents is checked after storing, before the file is accepted.
_ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}
_ZIP_BY_EXTENSION = {"docx": (_DOCX, "word/"), "xlsx": (_XLSX, "xl/"), "pptx": (_PPTX, "ppt/"),
                     "odt": (_ODT, _ODT), "ods": (_ODS, _ODS), "odp": (_ODP, _ODP)}

# Names of refused content people should recognize in the message.
_REFUSED_NAMES = {
    "application/x-executable": "a program (ELF executable)",
    "application/x-pie-executable": "a program (ELF executable)",
    "application/x-sharedlib": "a program library (ELF)",
    "application/x-dosexec": "a Windows program (EXE)",
    "application/vnd.microsoft.portable-executable": "a Windows program (EXE)",
    "application/x-msi": "a Windows installer",
    "application/x-mach-binary": "a macOS program",
    "text/html": "a web page (HTML)",
    "application/xhtml+xml": "a web page (XHTML)",
    "image/svg+xml": "an SVG image, which can carry scripts",
    "text/x-shellscript": "a shell script",
    "text/x-script.python": "a Python script",
    "text/x-php": "a PHP script",
    "text/x-perl": "a Perl script",
    "text/javascript": "a JavaScript program",
    "application/javascript": "a JavaScript program",
    "application/zip": "a zip archive",
    "application/x-empty": "an empty file",
}
# Endings that say "program" or "web page": such a name on accepted content still contradicts it.
_RISKY_EXTENSIONS = frozenset({
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "js", "mjs", "jar", "sh", "py", "php", "pl",
    "html", "htm", "xhtml", "svg", "svgz", "hta", "lnk", "app", "apk", "elf", "bin", "so", "dylib",
})
_KNOWN_EXTENSIONS = frozenset().union(*(exts for _label, exts in ALLOWED.values())) | _RISKY_EXTENSIONS


@dataclass(frozen=True)
class AttachmentView:
    attachment: Attachment
    uploaded_by: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.attachment.kind, self.attachment.kind)


# ---- recommendations --------------------------------------------------------------------------

def _recommendation(session: Session, actor, recommendation_id: int | None) -> tuple[Recommendation, bool]:
    rec = session.get(Recommendation, recommendation_id) if recommendation_id is not None else None
    if rec is None or not permissions.is_signed_in(actor):
        raise NotFound("No such recommendation.")
    is_author = rec.filed_by_id == actor.id or bool(session.execute(select(exists().where(
        RecommendationCosponsor.recommendation_id == rec.id, RecommendationCosponsor.user_id == actor.id))).scalar())
    if not permissions.can_view_recommendation(actor, rec, is_author):
        raise NotFound("No such recommendation.")
    return rec, is_author


def _require_readable(session: Session, actor, *, meeting_id: int | None, recommendation_id: int | None) -> None:
    if meeting_id is not None:
        get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    else:
        rec, is_author = _recommendation(session, actor, recommendation_id)
        targeted = actor.agency_id is not None and session.get(RecommendationTarget, (rec.id, actor.agency_id)) \
            is not None
        require(permissions.can_read_recommendation_files(actor, rec, is_author, targeted),
                "A recommendation's documents are read by its authors, the Council, the secretariat and the "
                "agencies it is addressed to.")


def _require_writable(session: Session, actor, *, meeting_id: int | None, recommendation_id: int | None) -> None:
    if meeting_id is not None:
        get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    else:
        rec, is_author = _recommendation(session, actor, recommendation_id)
        require(permissions.can_attach_to_recommendation(actor, rec, is_author),
                "The authors add documents while drafting; after that, the secretariat.")


def _one_target(meeting_id: int | None, recommendation_id: int | None) -> None:
    if (meeting_id is None) == (recommendation_id is None):
        raise ValueError("Give exactly one of meeting_id and recommendation_id.")


# ---- file names and types -----------------------------------------------------------------------

def clean_filename(raw: str | None) -> str:
    """The name to show and offer on download: the last path part, printable, at most 255 characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters (a right-to-left override can disguise "gpj.exe" as "exe.jpg").
    name = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return ""
    if len(name) > MAX_FILENAME:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: MAX_FILENAME - len(ext)].rstrip(" .") + ext
    return name


def extension(filename: str) -> str:
    ext = os.path.splitext(filename)[1]
    return ext[1:].lower() if ext else ""


def _describe(mime: str, head: bytes) -> str:
    if mime in _REFUSED_NAMES:
        return f"{_REFUSED_NAMES[mime]} ({mime})"
    try:
        detail = magic.from_buffer(head)
    except magic.MagicException:
        detail = ""
    detail = " ".join(detail.split())[:80]
    return f"{detail} ({mime})" if detail else mime


def _refuse(message: str):
    raise ValidationFailed(message, fields={"file": message})


@dataclass(frozen=True)
class DetectedType:
    content_type: str
    zip_marker: str | None = None  # set when the archive's contents must still be checked


def detect_type(head: bytes, filename: str) -> DetectedType:
    """The content type of a file from its first bytes, or ValidationFailed saying what was found."""
    mime = magic.from_buffer(head, mime=True)
    ext = extension(filename)
    if mime.lower() in _OLE_TYPES and ext in _OLE_BY_EXTENSION:
        mime = _OLE_BY_EXTENSION[ext]
    elif mime in _ZIP_TYPES and ext in _ZIP_BY_EXTENSION:
        content_type, marker = _ZIP_BY_EXTENSION[ext]
        return DetectedType(content_type, marker)
    if mime not in ALLOWED:
        _refuse(f"This type of file is not accepted: the content is {_describe(mime, head)}. "
                f"Accepted: {ACCEPTED_TEXT}.")
    label, endings = ALLOWED[mime]
    if ext and ext in _KNOWN_EXTENSIONS and ext not in endings:
        _refuse(f"The file's name ends in .{ext}, but its content is {label} ({mime}). "
                f"Rename the file or choose the right one.")
    return DetectedType(mime)


def _zip_contents_agree(stream: BinaryIO, marker: str) -> bool:
    """Whether a stored zip is the OOXML or OpenDocument file its name says."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if marker.startswith("application/"):  # OpenDocument: a "mimetype" entry holding the type
                return "mimetype" in names and archive.read("mimetype").strip() == marker.encode()
            return "[Content_Types].xml" in names and any(n.startswith(marker) for n in names)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return False


# ---- streams ------------------------------------------------------------------------------------

def _read_head(stream: BinaryIO, size: int) -> bytes:
    parts, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


class _Prefixed:
    """A stream that yields *head* and then the rest of *stream* (the bytes read to sniff the type)."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size is None or size < 0:
                data, self.head = self.head + self.stream.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.stream.read(size)


def _forget_new_files(session) -> None:
    session.info.pop("pitf_new_files", None)


def _discard_new_files(session, previous_transaction) -> None:
    """A rolled-back request leaves no stored file without its row."""
    if session.in_transaction():  # a savepoint rolled back; the outer transaction may still commit
        return
    for storage, key in session.info.pop("pitf_new_files", []):
        storage.delete(key)


def _delete_if_rolled_back(session: Session, storage: Storage, key: str) -> None:
    session.info.setdefault("pitf_new_files", []).append((storage, key))
    if not session.info.get("pitf_file_cleanup"):
        session.info["pitf_file_cleanup"] = True
        event.listen(session, "after_commit", _forget_new_files)
        event.listen(session, "after_soft_rollback", _discard_new_files)


# ---- text for search ----------------------------------------------------------------------------

def read_text(storage: Storage, key: str, filename: str, content_type: str) -> str | None:
    """The stored file's text for search (pitf/textextract.py): None if its type has none; never raises."""
    if content_type not in textextract.READERS:
        return None
    try:
        with storage.open(key) as fh:
            return textextract.extract_text(fh, filename, content_type)
    except OSError as exc:
        log.warning("No text from %r: the stored file could not be read: %s", filename, exc)
        return ""


@dataclass(frozen=True)
class StoredDocument:
    id: int
    storage_key: str
    filename: str
    content_type: str


def documents_to_read(*, session: Session, again: bool = False) -> list[StoredDocument]:
    """The documents whose text was never read (with *again*: every readable one), removed ones too."""
    where = [Attachment.content_type.in_(list(textextract.READERS))]
    if not again:
        where.append(Attachment.extracted_text.is_(None))
    rows = session.execute(select(Attachment.id, Attachment.storage_key, Attachment.filename,
                                  Attachment.content_type).where(*where).order_by(Attachment.id)).all()
    return [StoredDocument(*row) for row in rows]


def keep_texts(*, session: Session, texts: dict[int, str | None]) -> None:
    """Store texts read by read_text (outside any transaction: reading may take seconds) for their documents."""
    for attachment_id, text in texts.items():
        session.execute(update(Attachment).where(Attachment.id == attachment_id).values(extracted_text=text))


# ---- the service --------------------------------------------------------------------------------

def add_attachment(*, session: Session, actor, storage: Storage, kind: str, meeting_id: int | None = None,
                   recommendation_id: int | None = None, file_storage=None, filename: str | None = None,
                   stream: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Attachment:
    """Store an uploaded file (a werkzeug FileStorage, or *filename* and *stream*) as a document."""
    _one_target(meeting_id, recommendation_id)
    _require_writable(session, actor, meeting_id=meeting_id, recommendation_id=recommendation_id)
    if file_storage is not None:
        filename, stream = file_storage.filename, file_storage.stream
    errors = {}
    if kind not in ATTACHMENT_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(ATTACHMENT_KINDS)}."
    name = clean_filename(filename)
    if stream is None or not name:
        errors["file"] = "Choose a file to upload."
    if errors or stream is None:
        raise ValidationFailed("The upload has problems.", fields=errors)
    head = _read_head(stream, SNIFF_BYTES)
    if not head:
        _refuse("The file is empty.")
    if len(head) > max_bytes:
        raise TooLarge(too_large_message(max_bytes), fields={"file": too_large_message(max_bytes)})
    detected = detect_type(head, name)
    key = new_key()
    try:
        stored = storage.put(key, _Prefixed(head, stream), max_bytes=max_bytes)
    except TooLarge as err:
        err.fields = {"file": err.message}
        raise
    try:
        if detected.zip_marker is not None:
            with storage.open(key) as fh:
                agree = _zip_contents_agree(fh, detected.zip_marker)
            if not agree:
                label = ALLOWED[detected.content_type][0]
                _refuse(f"The file's name ends in .{extension(name)}, but its content is not a {label} "
                        f"(it is a zip archive). Accepted: {ACCEPTED_TEXT}.")
        attachment = Attachment(meeting_id=meeting_id, recommendation_id=recommendation_id, filename=name,
                                storage_key=key, size=stored.size, content_type=detected.content_type,
                                sha256=stored.sha256, kind=kind, uploaded_by_id=actor.id, created_at=utcnow(),
                                extracted_text=read_text(storage, key, name, detected.content_type))
        session.add(attachment)
        session.flush()
        audit.record(session, actor=actor, action="attachment.added", obj=attachment,
                     changes=audit.creation_changes(attachment, ["meeting_id", "recommendation_id", "filename",
                                                                 "size", "content_type", "sha256", "kind"]))
        session.flush()
    except BaseException:
        storage.delete(key)
        raise
    _delete_if_rolled_back(session, storage, key)
    return attachment


def list_attachments(*, session: Session, actor, meeting_id: int | None = None,
                     recommendation_id: int | None = None) -> list[AttachmentView]:
    """The documents (not removed) of a meeting or a recommendation the actor may read, oldest first."""
    _one_target(meeting_id, recommendation_id)
    _require_readable(session, actor, meeting_id=meeting_id, recommendation_id=recommendation_id)
    target = (Attachment.meeting_id == meeting_id) if meeting_id is not None else (
        Attachment.recommendation_id == recommendation_id)
    rows = session.execute(select(Attachment, User.name).outerjoin(User, User.id == Attachment.uploaded_by_id)
                           .where(target, Attachment.deleted_at.is_(None))
                           .order_by(Attachment.created_at, Attachment.id)).all()
    return [AttachmentView(a, name) for a, name in rows]


def get_attachment(*, session: Session, actor, attachment_id: int) -> Attachment:
    """A document the actor may read; a removed one, or one of a meeting they may not see, is NotFound."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.deleted_at is not None:
        raise NotFound("No such document.")
    try:
        _require_readable(session, actor, meeting_id=attachment.meeting_id,
                          recommendation_id=attachment.recommendation_id)
    except (NotFound, Forbidden):  # a document one may not read is, to them, no document at all
        raise NotFound("No such document.") from None
    return attachment


def attachment_view(session: Session, attachment: Attachment) -> AttachmentView:
    uploader = session.get(User, attachment.uploaded_by_id)
    return AttachmentView(attachment, uploader.name if uploader else None)


def get_attachment_for_download(*, session: Session, actor, storage: Storage,
                                attachment_id: int) -> tuple[Attachment, BinaryIO]:
    attachment = get_attachment(session=session, actor=actor, attachment_id=attachment_id)
    try:
        return attachment, storage.open(attachment.storage_key)
    except FileNotFoundError:
        raise NotFound("The document's file is missing from storage; tell the IGA team.") from None


def remove_attachment(*, session: Session, actor, attachment_id: int) -> Attachment:
    """Remove a document from its meeting or recommendation. The row and the file are kept for the record."""
    attachment = get_attachment(session=session, actor=actor, attachment_id=attachment_id)
    _require_writable(session, actor, meeting_id=attachment.meeting_id,
                      recommendation_id=attachment.recommendation_id)
    attachment.deleted_at = utcnow()
    audit.record(session, actor=actor, action="attachment.removed", obj=attachment,
                 changes={"deleted_at": [None, attachment.deleted_at.isoformat()]})
    session.flush()
    return attachment
