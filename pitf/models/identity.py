"""Single sign-on: the identities at OpenID providers linked to people's accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created_field, optional_time_field


class UserIdentity(SQLModel, table=True):
    """A provider's (issuer, subject) linked to an account at its first sign-in, by the email the provider
    vouched for then; later sign-ins match the (issuer, subject) only, whatever the email says by then."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    provider: str = Field(max_length=32)  # the name in PITF_OIDC_PROVIDERS when it was linked
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    email: str = Field(max_length=254)  # as the provider vouched for it at link time
    linked_at: datetime = created_field()
    last_used_at: datetime | None = optional_time_field()
