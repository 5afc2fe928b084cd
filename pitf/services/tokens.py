"""API tokens: created for a user, shown once, stored as a hash, revocable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models import ApiToken, User, utcnow
from pitf.security import hash_token, new_token
from pitf.services import audit


def create_token(*, session: Session, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Return the stored token row and the token itself, which is never stored."""
    require(permissions.can_manage_tokens_of(actor, user))
    if len(name) > 100:
        raise ValidationFailed("The name is too long.", fields={"name": "Use at most 100 characters."})
    if not user.is_active:
        raise ValidationFailed("This account is deactivated.", fields={"user": "The account is deactivated."})
    assert user.id is not None  # a stored account
    token, prefix, digest = new_token()
    row = ApiToken(user_id=user.id, name=name.strip(), prefix=prefix, token_hash=digest, created_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="token.created", obj=row,
                 changes=audit.creation_changes(row, ["user_id", "name", "prefix"]))
    return row, token


def list_tokens(*, session: Session, actor, user: User) -> list[ApiToken]:
    require(permissions.can_manage_tokens_of(actor, user))
    return list(session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).scalars())


def revoke_token(*, session: Session, actor, token_id: int | None = None, prefix: str | None = None) -> ApiToken:
    row = None
    if token_id is not None:
        row = session.get(ApiToken, token_id)
    elif prefix:
        row = session.execute(select(ApiToken).where(ApiToken.prefix == prefix)).scalar_one_or_none()
    owner = session.get(User, row.user_id) if row else None
    if row is None or not permissions.can_manage_tokens_of(actor, owner):
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor=actor, action="token.revoked", obj=row, changes={"revoked_at": [None, "now"]})
        session.flush()
    return row


def user_for_token(*, session: Session, token: str) -> User | None:
    """The active user behind a live token, or None; notes when the token was last used."""
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user
