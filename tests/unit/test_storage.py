"""The file storage (streaming with an exact size limit, no partial files, keys that cannot leave the root)
and the documents stored through it (type checked by content, size, permissions, soft removal)."""

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from sqlalchemy import func, select

from pitf.errors import Forbidden, NotFound, ValidationFailed
from pitf.models import Attachment, AuditEntry, Membership
from pitf.services import attachments
from pitf.services import meetings as mtg
from pitf.storage import MB, InvalidKey, LocalStorage, TooLarge, check_key, get_storage, new_key
from tests.factories import committee, meeting_in


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


class Trickle(io.RawIOBase):
    """A stream that hands out a few bytes per read, like a slow upload."""

    def __init__(self, data: bytes, step: int = 1000):
        self.data, self.step = data, step

    def readable(self):
        return True

    def read(self, size=-1):
        chunk, self.data = self.data[:self.step], self.data[self.step:]
        return chunk


def test_put_stores_streams_and_reports_size_and_hash(tmp_path):
    storage = LocalStorage(tmp_path)
    data = b"x" * (200 * 1024 + 7)
    key = new_key()
    stored = storage.put(key, io.BytesIO(data), max_bytes=1 * MB)
    assert (stored.key, stored.size, stored.sha256) == (key, len(data), hashlib.sha256(data).hexdigest())
    assert storage.exists(key)
    with storage.open(key) as fh:
        assert fh.read() == data
    assert files_under(tmp_path) == [tmp_path / key]  # no temporary file left


def test_short_reads_are_fine(tmp_path):
    storage = LocalStorage(tmp_path)
    stored = storage.put(new_key(), Trickle(b"abc" * 5000, step=777), max_bytes=100_000)
    assert stored.size == 15000


@pytest.mark.parametrize("extra,accepted", [(-1, True), (0, True), (1, False)])
def test_size_limit_boundary_is_exact(tmp_path, extra, accepted):
    storage = LocalStorage(tmp_path)
    limit = 3 * 64 * 1024 + 5  # not a multiple of the chunk size
    key = new_key()
    data = b"a" * (limit + extra)
    if accepted:
        assert storage.put(key, io.BytesIO(data), max_bytes=limit).size == limit + extra
    else:
        with pytest.raises(TooLarge) as err:
            storage.put(key, io.BytesIO(data), max_bytes=limit)
        assert err.value.status == 413
        assert files_under(tmp_path) == []  # no partial file, no temporary file
        assert not storage.exists(key)


def test_a_stream_failing_half_way_leaves_nothing(tmp_path):
    class Broken(io.RawIOBase):
        calls = 0

        def readable(self):
            return True

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 3:
                raise ConnectionResetError("client went away")
            return b"z" * 1000

    storage = LocalStorage(tmp_path)
    key = new_key()
    with pytest.raises(ConnectionResetError):
        storage.put(key, Broken(), max_bytes=MB)
    assert files_under(tmp_path) == []


def test_the_message_names_the_limit(tmp_path):
    with pytest.raises(TooLarge, match="larger than 1 MB"):
        LocalStorage(tmp_path).put(new_key(), io.BytesIO(b"0" * (MB + 1)), max_bytes=MB)


def test_keys_are_random_and_never_reused(tmp_path):
    storage = LocalStorage(tmp_path)
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000
    key = new_key()
    storage.put(key, io.BytesIO(b"one"))
    with pytest.raises(FileExistsError):
        storage.put(key, io.BytesIO(b"two"))
    with storage.open(key) as fh:
        assert fh.read() == b"one"


@pytest.mark.parametrize("key", [
    "../secret_key", "../../etc/passwd", "/etc/passwd", "ab/../../x", "ab/" + "0" * 31 + "/", "report.pdf",
    "AB/" + "A" * 32, "ab\\" + "0" * 32, "ab/" + "0" * 32 + "\n", "", "ab/" + "0" * 31 + ".",
])
def test_keys_cannot_leave_the_root(tmp_path, key):
    storage = LocalStorage(tmp_path / "files")
    (tmp_path / "secret_key").write_text("s3cret")
    with pytest.raises(InvalidKey):
        check_key(key)
    for call in (storage.open, storage.delete, storage.exists):
        with pytest.raises(InvalidKey):
            call(key)
    with pytest.raises(InvalidKey):
        storage.put(key, io.BytesIO(b"x"))
    assert (tmp_path / "secret_key").read_text() == "s3cret"


def test_delete_is_idempotent(tmp_path):
    storage = LocalStorage(tmp_path)
    key = new_key()
    storage.put(key, io.BytesIO(b"x"))
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)


def test_the_app_stores_under_the_instance_folder(app, settings):
    from pathlib import Path

    storage = get_storage(app)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (Path(settings["PITF_INSTANCE_PATH"]) / "files").resolve()
    assert get_storage(app) is storage


def test_an_unknown_backend_is_a_configuration_error(tmp_path):
    from flask import Flask

    from pitf.settings import ConfigError

    app = Flask(__name__)
    app.config.update(PITF_STORAGE="ftp", PITF_INSTANCE_PATH=str(tmp_path))
    with pytest.raises(ConfigError, match="PITF_STORAGE"):
        get_storage(app)


# ---- documents: the attachments service on top of the storage ------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 62, 1) + b"\x00" * 200
PE = b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + struct.pack("<H", 0x14C) + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def zip_bytes(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buf.getvalue()


DOCX = zip_bytes([("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"></Types>'),
                  ("_rels/.rels", "<r/>"), ("word/document.xml", "<w/>")])


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "files")


def meeting_of(db, staff, body="Victim Services", is_open=True):
    return mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": "Working session", "starts_at": "2027-03-15T10:00:00",
        "ends_at": "2027-03-15T11:00:00", "is_open": is_open}))


def attach(db, actor, storage, meeting, name, data, kind="received", **kw):
    return attachments.add_attachment(session=db, actor=actor, storage=storage, meeting_id=meeting.id, kind=kind,
                                      filename=name, stream=io.BytesIO(data), **kw)


def rows(db) -> int:
    return db.execute(select(func.count()).select_from(Attachment)).scalar()


@pytest.mark.parametrize("name,data,content_type", [
    ("agenda.pdf", PDF, "application/pdf"),
    ("chart.png", png_bytes(), "image/png"),
    ("notes.txt", b"Minutes of the call\nAll present.\n", "text/plain"),
    ("figures.csv", b"agency,count\nDOJ,3\nDHS,4\nHHS,5\n", "text/csv"),
    ("brief.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("no extension", PDF, "application/pdf"),
])
def test_accepted_files_are_stored_with_the_detected_type(db, staff, storage, name, data, content_type):
    m = meeting_of(db, staff)
    a = attach(db, staff, storage, m, name, data)
    assert (a.filename, a.content_type, a.size, a.sha256) == (name, content_type, len(data),
                                                             hashlib.sha256(data).hexdigest())
    with storage.open(a.storage_key) as fh:
        assert fh.read() == data
    assert db.execute(select(AuditEntry.action).where(AuditEntry.object_type == "Attachment",
                                                      AuditEntry.object_id == a.id)).scalar() == "attachment.added"


@pytest.mark.parametrize("name,data,words", [
    ("report.pdf", ELF, "program (ELF executable)"),
    ("report.pdf", PE, "Windows program"),
    ("setup.exe", PE, "Windows program"),
    ("page.html", HTML, "web page (HTML)"),
    ("notes.txt", HTML, "web page (HTML)"),
    ("logo.svg", SVG, "SVG image"),
    ("logo.png", SVG, "SVG image"),
    ("run.sh", b"#!/bin/sh\nrm -rf /\n", "shell script"),
    ("archive.zip", zip_bytes([("a.txt", "hi")]), "zip archive"),
    ("fake.docx", zip_bytes([("a.txt", "hi")]), "not a Word document"),
    ("app.js", b"function f() { return 1; }\nvar x = f();\n", "name ends in .js"),
    ("photo.png", PDF, "name ends in .png"),
    ("empty.pdf", b"", "empty"),
])
def test_refused_files_leave_nothing(db, staff, storage, tmp_path, name, data, words):
    m = meeting_of(db, staff)
    before = rows(db)
    with pytest.raises(ValidationFailed) as err:
        attach(db, staff, storage, m, name, data)
    assert words in err.value.fields["file"]
    assert rows(db) == before
    assert files_under(tmp_path) == []


def test_too_large_is_413_and_leaves_nothing(db, staff, storage, tmp_path):
    m = meeting_of(db, staff)
    limit = 100_000
    assert attach(db, staff, storage, m, "exact.pdf", PDF + b"0" * (limit - len(PDF)), max_bytes=limit).size == limit
    before, stored = rows(db), files_under(tmp_path)
    with pytest.raises(TooLarge) as err:
        attach(db, staff, storage, m, "big.pdf", PDF + b"0" * (limit + 1 - len(PDF)), max_bytes=limit)
    assert err.value.status == 413 and "file" in err.value.fields
    assert rows(db) == before and files_under(tmp_path) == stored
    with pytest.raises(TooLarge):  # smaller than the bytes read to sniff the type
        attach(db, staff, storage, m, "small-limit.pdf", PDF + b"0" * 500, max_bytes=100)


def test_bad_kind_and_missing_file(db, staff, storage):
    m = meeting_of(db, staff)
    with pytest.raises(ValidationFailed) as err:
        attach(db, staff, storage, m, "a.pdf", PDF, kind="secret")
    assert "kind" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        attachments.add_attachment(session=db, actor=staff, storage=storage, meeting_id=m.id, kind="other",
                                   filename="", stream=io.BytesIO(PDF))
    assert err.value.fields["file"] == "Choose a file to upload."


@pytest.mark.parametrize("raw,clean", [
    ("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("evil\u202egpj.pdf", "evil gpj.pdf"),
    ("line\nbreak\t.pdf", "line break .pdf"),
    ("  ..hidden.pdf  ", "hidden.pdf"),
    ("Résumé – 2027.pdf", "Résumé – 2027.pdf"),
    ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
])
def test_filenames_are_cleaned(raw, clean):
    assert attachments.clean_filename(raw) == clean


def test_only_planners_upload_and_remove(db, staff, storage, make_user):
    m = meeting_of(db, staff)
    member = make_user("liaison", agency="DOJ")
    db.add(Membership(committee_id=m.committee_id, user_id=member.id, role="member"))
    chair = make_user("viewer")
    db.add(Membership(committee_id=m.committee_id, user_id=chair.id, role="chair"))
    db.flush()
    with pytest.raises(Forbidden):
        attach(db, member, storage, m, "a.pdf", PDF)
    a = attach(db, chair, storage, m, "a.pdf", PDF)
    with pytest.raises(Forbidden):
        attachments.remove_attachment(session=db, actor=member, attachment_id=a.id)
    attachments.remove_attachment(session=db, actor=chair, attachment_id=a.id)
    assert a.deleted_at is not None and storage.exists(a.storage_key)  # soft: the file is kept
    assert attachments.list_attachments(session=db, actor=staff, meeting_id=m.id) == []
    with pytest.raises(NotFound):
        attachments.get_attachment_for_download(session=db, actor=staff, storage=storage, attachment_id=a.id)


def test_closed_meeting_documents_are_hidden_from_non_members(db, staff, storage, make_user):
    m = meeting_of(db, staff, is_open=False)
    a = attach(db, staff, storage, m, "a.pdf", PDF)
    outsider = make_user("viewer")
    with pytest.raises(NotFound):
        attachments.list_attachments(session=db, actor=outsider, meeting_id=m.id)
    with pytest.raises(NotFound):
        attachments.get_attachment_for_download(session=db, actor=outsider, storage=storage, attachment_id=a.id)
    with pytest.raises(NotFound):
        attach(db, outsider, storage, m, "b.pdf", PDF)
    db.add(Membership(committee_id=m.committee_id, user_id=outsider.id, role="member"))
    db.flush()
    found, stream = attachments.get_attachment_for_download(session=db, actor=outsider, storage=storage,
                                                            attachment_id=a.id)
    with stream:
        assert found.id == a.id and stream.read() == PDF


def test_a_rolled_back_upload_leaves_no_file(app, staff, tmp_path, make_user):
    """The row and the file go together: a transaction rolled back after the upload deletes the file."""
    storage = LocalStorage(tmp_path / "rollback")
    session = app.extensions["pitf_db"].sessionmaker()
    try:
        actor = session.merge(staff)
        m = meeting_of(session, actor)
        session.commit()
        a = attach(session, actor, storage, m, "a.pdf", PDF)
        assert storage.exists(a.storage_key)
        session.rollback()
        assert files_under(tmp_path / "rollback") == []
        a = attach(session, actor, storage, m, "b.pdf", PDF)
        session.commit()
        assert storage.exists(a.storage_key)
    finally:
        session.close()
