"""Passwords (argon2id), API token hashing, and safe redirect targets."""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory profile


def configure_hasher(*, time_cost: int, memory_kib: int) -> None:
    """Set the argon2id cost (tests lower it; production keeps the defaults)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def burn_verification_time(password: str) -> None:
    """Spend what a real verification costs, so unknown emails answer as slowly as known ones."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(16))
    verify_password(_DUMMY_HASH, password)


def new_token() -> tuple[str, str, str]:
    """Return (token, prefix, sha256) for a new API token; only the hash is stored."""
    token = "pitf_" + secrets.token_urlsafe(32)
    return token, token[:12], hash_token(token)


def hash_token(token: str) -> str:
    # A 256-bit random token needs no slow hash: nobody can guess it, so a fast lookup is safe.
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def is_safe_next(target: str | None) -> bool:
    """Whether *target* is a path on this site (Django's url_has_allowed_host_and_scheme, host-less)."""
    if not target:
        return False
    target = target.strip()
    if target.startswith("///") or "\\" in target:
        return False
    if any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    return target.startswith("/") and not target.startswith("//")


def _box(secret_key: str):
    """A Fernet box whose key is derived (HKDF-SHA256) from the app's secret key: stored secrets that must be
    read back (an authenticator app's TOTP secret) are sealed with it."""
    import base64

    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pitf second factor secrets").derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, *, secret_key: str) -> str:
    return _box(secret_key).encrypt(text.encode()).decode()


def unseal(token: str, *, secret_key: str) -> str | None:
    """The text sealed in *token*, or None when it was sealed under another secret key (or altered)."""
    from cryptography.fernet import InvalidToken

    try:
        return _box(secret_key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
