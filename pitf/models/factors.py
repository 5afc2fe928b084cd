"""Second factors of local accounts: security keys and passkeys (WebAuthn), an authenticator app (TOTP),
recovery codes, and the attempts at a second factor (throttled like the password's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, created_field, optional_time_field

KEY_NAME_LENGTH = 100
CREDENTIAL_ID_LENGTH = 1400  # base64url of WebAuthn's longest credential id (1,023 bytes)


class WebAuthnCredential(SQLModel, table=True):
    """A security key or passkey: its credential id and public key, and how often the key says it was used (a
    count that goes back means a cloned key, and is refused)."""

    __table_args__ = (UniqueConstraint("credential_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=KEY_NAME_LENGTH)
    credential_id: str = Field(max_length=CREDENTIAL_ID_LENGTH)  # base64url, as browsers send it
    public_key: bytes = Field(sa_type=LargeBinary, nullable=False)  # COSE
    sign_count: int = Field(default=0)
    transports: list = Field(default_factory=list, sa_type=JSON, nullable=False)
    created_at: datetime = created_field()
    last_used_at: datetime | None = optional_time_field()


class TotpFactor(SQLModel, table=True):
    """An authenticator app's shared secret (sealed with a key derived from PITF_SECRET_KEY), one per person,
    and the last time step accepted: a code is good once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    secret_sealed: str = Field(max_length=255)
    last_step: int = Field(default=0)
    created_at: datetime = created_field()
    last_used_at: datetime | None = optional_time_field()


class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code, kept as the SHA-256 of a high-entropy code (never the code)."""

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = created_field()
    used_at: datetime | None = optional_time_field()


class SecondFactorAttempt(SQLModel, table=True):
    """A code or key given after the password, right or wrong, counted per account like LoginAttempt; a
    password given again does not restart this count."""

    __table_args__ = (Index("ix_secondfactorattempt_user_created", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    ip: str = Field(max_length=64)
    succeeded: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
