"""The text of uploaded documents, for search: PDF, Word and plain text read on upload, bounded in size and time,
never failing the upload; `pitf attachments extract` reads the documents uploaded before."""

import io
import logging
import sys
import time

import docx
import pytest
from sqlalchemy import select, update
from weasyprint import HTML

from pitf import textextract
from pitf.models import Attachment
from pitf.services import attachments
from pitf.settings import ConfigError, load_settings
from pitf.storage import LocalStorage, get_storage
from tests.unit.test_storage import DOCX as FAKE_DOCX
from tests.unit.test_storage import attach, meeting_of, png_bytes

DOCX_TYPE = textextract.DOCX


def pdf_bytes(*pages: str) -> bytes:
    html = "".join(f'<p style="page-break-before: always">{p}</p>' for p in pages)
    return HTML(string=f"<html><body>{html}</body></html>").write_pdf()


def docx_bytes(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "files")


def stored_text(db, attachment_id: int) -> str | None:
    db.expire_all()
    return db.execute(select(Attachment.extracted_text).where(Attachment.id == attachment_id)).scalar_one()


# ---- extract_text on its own ---------------------------------------------------------------------

def test_pdf_pages_are_read_in_order():
    text = textextract.extract_text(pdf_bytes("Forced labor screening at the border", "T-visa backlog, H-2A"),
                                    "brief.pdf", "application/pdf")
    assert "Forced labor screening at the border" in text and "T-visa backlog, H-2A" in text
    assert text.index("Forced labor") < text.index("T-visa")


def test_docx_paragraphs_and_tables_are_read():
    data = docx_bytes("DHS commits to forced labor screening.", "Second paragraph.",
                      table=[["Agency", "Commitment"], ["DOJ", "Prosecute trafficking"]])
    text = textextract.extract_text(data, "memo.docx", DOCX_TYPE)
    assert text.splitlines() == ["DHS commits to forced labor screening.", "Second paragraph.",
                                 "Agency\tCommitment", "DOJ\tProsecute trafficking"]


@pytest.mark.parametrize("data,expected", [
    ("Café, naïve résumé — “quotes”".encode(), "Café, naïve résumé — “quotes”"),
    ("Café naïve résumé".encode("latin-1"), "Café naïve résumé"),
    ("Smart “quotes” from Word".encode("cp1252"), "Smart “quotes” from Word"),
    ("UTF-16 with its mark: café".encode("utf-16"), "UTF-16 with its mark: café"),
    (b"\xef\xbb\xbfUTF-8 with a BOM", "UTF-8 with a BOM"),
    (b"NUL\x00and\x07bell", "NUL and bell"),  # PostgreSQL's text refuses NUL
])
def test_plain_text_is_decoded_with_a_fallback(data, expected):
    assert textextract.extract_text(data, "notes.txt", "text/plain") == expected


def test_a_character_cut_at_the_limit_does_not_turn_utf8_into_latin1():
    data = ("é" * 100).encode()
    assert textextract.extract_text(data, "notes.txt", "text/plain", max_chars=10) == "é" * 10


@pytest.mark.parametrize("content_type,data", [
    ("text/plain", b"word " * 100_000),
    ("application/pdf", None),
])
def test_long_text_is_cut_at_the_limit(content_type, data):
    data = data if data is not None else pdf_bytes(*(["trafficking " * 200] * 5))
    text = textextract.extract_text(data, "long", content_type, max_chars=1000)
    assert len(text) == 1000 and text.startswith("word" if content_type == "text/plain" else "trafficking")


def test_the_limit_comes_from_the_settings(app):
    app.config["PITF_EXTRACT_MAX_CHARS"] = 7
    with app.app_context():
        assert textextract.extract_text(b"Trafficking in persons", "a.txt", "text/plain") == "Traffic"


@pytest.mark.parametrize("content_type", ["image/png", "application/vnd.ms-excel", "application/msword", ""])
def test_other_types_have_no_text(content_type):
    assert textextract.extract_text(png_bytes(), "x", content_type) is None


def test_extraction_off_reads_nothing():
    assert textextract.extract_text(b"words", "a.txt", "text/plain", timeout=0) is None


@pytest.mark.parametrize("content_type,data", [
    ("application/pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage"),
    ("application/pdf", b"not a pdf at all"),
    (DOCX_TYPE, FAKE_DOCX),
    (DOCX_TYPE, b"PK\x03\x04 truncated zip"),
])
def test_a_corrupt_file_gives_no_text_and_a_warning(caplog, content_type, data):
    with caplog.at_level(logging.WARNING, logger="pitf.textextract"):
        assert textextract.extract_text(data, "broken", content_type) == ""
    assert "No text from 'broken'" in caplog.text


def test_a_reader_that_runs_too_long_is_stopped(caplog, monkeypatch):
    # Stands in for a PDF that takes minutes: the child sleeps, and the parent kills it at the timeout.
    monkeypatch.setattr(textextract, "child_command",
                        lambda *args: [sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="pitf.textextract"):
        assert textextract.extract_text(pdf_bytes("x"), "slow.pdf", "application/pdf", timeout=1) == ""
    assert time.monotonic() - started < 10
    assert "took more than 1 s" in caplog.text


def test_the_child_sees_no_secret(monkeypatch):
    monkeypatch.setenv("PITF_SECRET_KEY", "do-not-leak")
    monkeypatch.setattr(textextract, "child_command", lambda *args: [
        sys.executable, "-c", "import os, sys; sys.stdout.write(' '.join(f'{k}={v}' for k, v in os.environ.items()))"])
    text = textextract.extract_text(b"%PDF-1.4", "a.pdf", "application/pdf")
    assert "do-not-leak" not in text and "PITF_" not in text


def test_the_child_runs_isolated_with_caps_that_leave_room_for_real_files():
    cmd = textextract.child_command("pdf", 1000, 5, 256)
    assert cmd[:3] == [sys.executable, "-E", "-P"] and cmd[-3:] == ["1000", "6", "256"]
    text = textextract.extract_text(pdf_bytes("x"), "a.pdf", "application/pdf", memory_mb=256)
    assert text == "x"  # enough memory for a real file


@pytest.mark.parametrize("name,value,words", [
    ("PITF_EXTRACT_MAX_CHARS", "0", "at least 1"),
    ("PITF_EXTRACT_TIMEOUT", "-1", r"0 \(off\) or more"),
    ("PITF_EXTRACT_MEMORY_MB", "64", "at least 256"),
    ("PITF_EXTRACT_TIMEOUT", "ten", "whole number"),
])
def test_bad_settings_are_refused(monkeypatch, tmp_path, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=words):
        load_settings({"PITF_ENV": "test", "PITF_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


# ---- on upload (both databases) ------------------------------------------------------------------

@pytest.mark.parametrize("name,data,words", [
    ("minutes.pdf", None, "Forced labor screening"),
    ("memo.docx", docx_bytes("DHS committed to forced labor screening."), "DHS committed to forced labor"),
    ("notes.txt", "Réunion: forced labor screening".encode("latin-1"), "Réunion: forced labor screening"),
    ("figures.csv", b"agency,commitment\nDHS,forced labor screening\n", "DHS,forced labor screening"),
])
def test_the_text_is_kept_on_upload(db, staff, storage, name, data, words):
    data = data if data is not None else pdf_bytes("Forced labor screening at ports of entry")
    a = attach(db, staff, storage, meeting_of(db, staff), name, data)
    db.flush()
    assert words in stored_text(db, a.id)


def test_an_image_keeps_no_text(db, staff, storage):
    a = attach(db, staff, storage, meeting_of(db, staff), "chart.png", png_bytes())
    db.flush()
    assert stored_text(db, a.id) is None


def test_a_corrupt_pdf_is_still_stored(db, staff, storage, caplog):
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\nxref garbage\n%%EOF\n"
    with caplog.at_level(logging.WARNING):
        a = attach(db, staff, storage, meeting_of(db, staff), "broken.pdf", broken)
    db.flush()
    assert (a.content_type, stored_text(db, a.id)) == ("application/pdf", "")
    with storage.open(a.storage_key) as fh:
        assert fh.read() == broken
    assert "No text from 'broken.pdf'" in caplog.text


def test_a_slow_reader_does_not_hold_the_upload(db, staff, storage, monkeypatch, app):
    monkeypatch.setattr(textextract, "child_command",
                        lambda *args: [sys.executable, "-c", "import time; time.sleep(60)"])
    app.config["PITF_EXTRACT_TIMEOUT"] = 1
    started = time.monotonic()
    with app.app_context():
        a = attach(db, staff, storage, meeting_of(db, staff), "slow.pdf", pdf_bytes("x"))
    db.flush()
    assert time.monotonic() - started < 10 and stored_text(db, a.id) == ""


def test_an_unreadable_stored_file_gives_no_text(db, staff, storage, monkeypatch):
    def fail(key):
        raise OSError("disk gone")

    monkeypatch.setattr(storage, "open", fail)
    assert attachments.read_text(storage, "ab/" + "a" * 32, "a.pdf", "application/pdf") == ""


def test_the_api_and_the_openapi_document_do_not_carry_the_text(db, client, api_as, staff):
    from tests.api.test_files_api import post_file

    m = meeting_of(db, staff)
    db.flush()
    headers, _ = api_as("secretariat")
    r = post_file(client, f"/api/v1/meetings/{m.id}/attachments", headers, "brief.pdf",
                  pdf_bytes("Forced labor screening"))
    assert r.status_code == 201, r.json
    assert "extracted_text" not in r.json and "Forced" not in r.get_data(as_text=True)
    assert "Forced labor screening" in stored_text(db, r.json["id"])
    listing = client.get(f"/api/v1/meetings/{m.id}/attachments", headers=headers)
    assert "Forced" not in listing.get_data(as_text=True)
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    public = next(v for k, v in schema.items() if k.startswith("AttachmentPublic"))
    assert "extracted_text" not in public["properties"]


def test_lists_do_not_load_the_text(db, staff, storage):
    m = meeting_of(db, staff)
    attach(db, staff, storage, m, "notes.txt", b"words")
    db.flush()
    db.expunge_all()
    (view,) = attachments.list_attachments(session=db, actor=staff, meeting_id=m.id)
    assert "extracted_text" not in view.attachment.__dict__  # deferred: loaded only when asked for


# ---- pitf attachments extract ----------------------------------------------------------------------

def test_the_cli_reads_documents_uploaded_before(app, db, staff):
    storage = get_storage(app)
    m = meeting_of(db, staff)
    docs = [attach(db, staff, storage, m, "old.pdf", pdf_bytes("Trafficking report")),
            attach(db, staff, storage, m, "old.txt", b"T-visa backlog"),
            attach(db, staff, storage, m, "broken.pdf", b"%PDF-1.4\nbroken"),
            attach(db, staff, storage, m, "chart.png", png_bytes())]
    db.flush()
    db.execute(update(Attachment).values(extracted_text=None))  # as the migration leaves them
    db.commit()
    runner = app.test_cli_runner()
    r = runner.invoke(args=["attachments", "extract"])
    assert r.exit_code == 0, r.output
    assert "Read 3 documents: 2 with text, 1 without" in r.output
    assert "Trafficking report" in stored_text(db, docs[0].id)
    assert [stored_text(db, d.id) for d in docs[1:]] == ["T-visa backlog", "", None]

    r = runner.invoke(args=["attachments", "extract"])
    assert "nothing to read" in r.output  # the broken one was tried: "" is not read again

    app.config["PITF_EXTRACT_MAX_CHARS"] = 5
    r = runner.invoke(args=["attachments", "extract", "--again"])
    assert "Read 3 documents" in r.output and stored_text(db, docs[1].id) == "T-vis"


def test_the_cli_says_when_extraction_is_off(app):
    app.config["PITF_EXTRACT_TIMEOUT"] = 0
    r = app.test_cli_runner().invoke(args=["attachments", "extract"])
    assert r.exit_code != 0 and "PITF_EXTRACT_TIMEOUT=0" in r.output
