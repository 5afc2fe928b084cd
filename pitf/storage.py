"""File storage behind one small interface: the local instance folder by default, S3-compatible later.

Every stored file of the platform (meeting documents, recommendation evidence, anything later) goes
through a ``Storage``. Its four methods are the whole contract:

- ``put(key, stream, max_bytes=None) -> StoredFile`` reads *stream* in chunks, counting and hashing
  as it goes, and refuses (``TooLarge``) as soon as more than *max_bytes* arrive. A refused or failed
  write leaves nothing behind: the bytes go to a temporary file that only ``os.replace`` turns into
  the stored file.
- ``open(key)`` returns a binary file object to read (the caller closes it).
- ``delete(key)`` removes the file (no error when it is already gone).
- ``exists(key)``.

Keys are made by ``new_key()`` from random UUIDs, never from a user's file name, and every method
checks the key's shape, so no key can reach outside the storage root.

``PITF_STORAGE`` picks the backend (``local``, the default, stores under
``<PITF_INSTANCE_PATH>/files``). An S3-compatible backend implements the same four methods: ``put``
streams a multipart upload (aborting it on ``TooLarge``), ``open`` returns the object's body,
``delete`` and ``exists`` map to DeleteObject and HeadObject; nothing else in the platform changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from pitf.errors import DomainError

CHUNK = 64 * 1024
MB = 1024 * 1024
KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


class TooLarge(DomainError):
    """The file is larger than the limit."""

    status = 413
    code = "too_large"


class InvalidKey(ValueError):
    """A storage key that new_key() did not make (and might point outside the storage root)."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


def new_key() -> str:
    """A fresh random key, spread over 256 folders: ``ab/ab12…`` (32 hex digits)."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise InvalidKey(f"Not a storage key: {key!r}")
    return key


def too_large_message(max_bytes: int) -> str:
    limit = f"{max_bytes // MB} MB" if max_bytes % MB == 0 else f"{max_bytes:,} bytes"
    return f"The file is larger than {limit}, the most the platform accepts. Send a smaller file."


class Readable(Protocol):
    """What ``put`` reads from: a binary stream's ``read(size)`` (a file, an upload, a wrapper of either)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Storage(Protocol):
    def put(self, key: str, stream: Readable, max_bytes: int | None = None) -> StoredFile: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files in a folder of the local disk (by default ``<PITF_INSTANCE_PATH>/files``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:  # belt and braces: the key's shape already rules this out
            raise InvalidKey(f"Not a storage key: {key!r}")
        return path

    def put(self, key: str, stream: Readable, max_bytes: int | None = None) -> StoredFile:
        """Store *stream* under *key*; raise TooLarge past *max_bytes*, leaving no file behind."""
        path = self._path(key)
        if path.exists():
            raise FileExistsError(f"Storage key already used: {key}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=path.parent)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(too_large_message(max_bytes))
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


BACKENDS = {"local": lambda app: LocalStorage(Path(app.config["PITF_INSTANCE_PATH"]) / "files")}


def get_storage(app) -> Storage:
    """The app's storage backend, chosen by PITF_STORAGE (built once per app)."""
    storage = app.extensions.get("pitf_storage")
    if storage is None:
        name = app.config.get("PITF_STORAGE") or "local"
        if name not in BACKENDS:
            from pitf.settings import ConfigError

            raise ConfigError(f"PITF_STORAGE must be one of {', '.join(sorted(BACKENDS))}, got {name!r}")
        storage = app.extensions["pitf_storage"] = BACKENDS[name](app)
    return storage
