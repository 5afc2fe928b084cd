"""The text of uploaded documents, for search: PDF (pypdf), Word .docx (python-docx) and plain text.

``extract_text(source, filename, content_type)`` answers

- ``None`` when the platform reads no text from this type of file (images, spreadsheets, legacy Office
  files) or extraction is turned off (``PITF_EXTRACT_TIMEOUT=0``);
- otherwise the text, at most ``PITF_EXTRACT_MAX_CHARS`` characters, ``""`` when there was none to read
  (a scanned PDF) or reading failed. It never raises: a failure is a warning in the log, and the upload
  goes on without text.

Bounded in time and memory. A PDF can be made to take minutes of CPU or gigabytes of memory (deep
object graphs, decompression bombs), and pypdf's and lxml's own limits do not bound time. A thread
cannot be stopped, and ``signal.alarm`` only interrupts Python code between bytecodes, on the main
thread, and would fight gunicorn over the signal. So PDF and Word files are read in a child process
(this file run as a script, importing nothing of the platform): its address space and CPU time are
capped with ``setrlimit`` and the parent kills it after ``PITF_EXTRACT_TIMEOUT`` seconds. Starting
Python costs about 0.15 s per upload, small beside storing the file. Plain text needs no child:
decoding the first bytes of a file is quick and cannot run away.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import subprocess  # noqa: S404 - our own interpreter running this file, no shell
import sys
from typing import BinaryIO

log = logging.getLogger("pitf.textextract")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Content types (as pitf.services.attachments detects them) whose text is read, and how.
READERS = {"application/pdf": "pdf", DOCX: "docx", "text/plain": "text", "text/csv": "text"}

DEFAULT_MAX_CHARS = 200_000
DEFAULT_TIMEOUT = 10  # seconds
DEFAULT_MEMORY_MB = 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL is refused by PostgreSQL's text
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n(?:[ \t\r\f\v]*\n)+")
_SPACES = re.compile(r"[ \t\r\f\v]{2,}")


def limits() -> tuple[int, float, int]:
    """(max characters, timeout in seconds, memory in MB): the app's settings inside an app, else defaults."""
    try:
        from flask import current_app

        cfg = current_app.config
        return (int(cfg.get("PITF_EXTRACT_MAX_CHARS", DEFAULT_MAX_CHARS)),
                float(cfg.get("PITF_EXTRACT_TIMEOUT", DEFAULT_TIMEOUT)),
                int(cfg.get("PITF_EXTRACT_MEMORY_MB", DEFAULT_MEMORY_MB)))
    except RuntimeError:  # no app context: a script
        return DEFAULT_MAX_CHARS, DEFAULT_TIMEOUT, DEFAULT_MEMORY_MB


def clean(text: str, max_chars: int) -> str:
    """Text fit to store and index: no control characters or lone surrogates, blank runs folded, bounded."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n"))
    text = _SPACES.sub(" ", _BLANK_LINES.sub("\n\n", text))
    return text.strip()[:max_chars]


def decode_text(data: bytes, max_chars: int) -> str:
    """Plain text from its first bytes: by its byte-order mark, else UTF-8, else Windows-1252, else Latin-1."""
    head = data[: max_chars * 4 + 4]
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    for encoding in ("utf-8", "cp1252"):
        try:  # not final: a character cut at the end of the head is not an error
            return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return head.decode("latin-1")


def extract_text(source: bytes | str | os.PathLike | BinaryIO, filename: str, content_type: str, *,
                 max_chars: int | None = None, timeout: float | None = None,
                 memory_mb: int | None = None) -> str | None:
    """The searchable text of a document (see the module's docstring); None if its type has none."""
    reader = READERS.get((content_type or "").split(";")[0].strip().lower())
    default_chars, default_timeout, default_memory = limits()
    max_chars = default_chars if max_chars is None else max_chars
    timeout = default_timeout if timeout is None else timeout
    memory_mb = default_memory if memory_mb is None else memory_mb
    if reader is None or timeout <= 0 or max_chars <= 0:
        return None
    try:
        if reader == "text":
            return clean(decode_text(_head(source, max_chars * 4 + 4), max_chars), max_chars)
        return clean(_in_child(reader, _read_all(source), max_chars, timeout, memory_mb), max_chars)
    except subprocess.TimeoutExpired:
        log.warning("No text from %r (%s): reading took more than %s s", filename, content_type, timeout)
    except Exception as exc:  # any failure: the upload goes on without text
        log.warning("No text from %r (%s): %s", filename, content_type, exc)
    return ""


def _head(source, size: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:size])
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read(size)
    return source.read(size)


def _read_all(source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read()
    return source.read()


def child_command(reader: str, max_chars: int, timeout: float, memory_mb: int) -> list[str]:
    """This file run by the same interpreter: -E ignores PYTHON* variables, -P keeps pitf/ off sys.path."""
    cpu_seconds = max(1, int(timeout) + 1)
    return [sys.executable, "-E", "-P", os.path.abspath(__file__), reader, str(max_chars), str(cpu_seconds),
            str(memory_mb)]


def _in_child(reader: str, data: bytes, max_chars: int, timeout: float, memory_mb: int) -> str:
    # A bare environment: the process parsing someone's file sees no secret or database address.
    done = subprocess.run(child_command(reader, max_chars, timeout, memory_mb),  # noqa: S603 - fixed argv
                          input=data, capture_output=True, timeout=timeout, check=False, env={"LC_ALL": "C.UTF-8"})
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"the reader stopped with code {done.returncode}"
        raise RuntimeError(reason[:500])
    return done.stdout.decode("utf-8", "replace")


# ---- the child process ---------------------------------------------------------------------------

def _pdf_text(data: bytes, max_chars: int) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")  # many PDFs are "encrypted" with an empty password; others fail here
    parts, count = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        count += len(text)
        if count >= max_chars:
            break
    return "\n\n".join(parts)


def _docx_text(data: bytes, max_chars: int) -> str:
    import io

    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    count = 0

    def add(text: str) -> bool:
        nonlocal count
        if text:
            parts.append(text)
            count += len(text)
        return count < max_chars

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                if not add("\t".join(cell.text for cell in row.cells)):
                    break
        elif not add(block.text):
            break
    return "\n".join(parts)


def _child_main(argv: list[str]) -> int:
    import resource

    reader, max_chars, cpu_seconds, memory_mb = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, memory_mb * 1024 * 1024))
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)  # pypdf warns about every quirk of a file
    data = sys.stdin.buffer.read()
    text = (_pdf_text if reader == "pdf" else _docx_text)(data, max_chars)
    sys.stdout.buffer.write(text[:max_chars].encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
