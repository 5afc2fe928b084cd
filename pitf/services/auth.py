"""Sign-in with a database-backed lockout, password changes, and session tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from pitf.errors import RateLimited, ValidationFailed
from pitf.models import LoginAttempt, User, utcnow
from pitf.security import burn_verification_time, hash_password, new_secret, verify_password
from pitf.services import audit

GENERIC_FAILURE = "The email or password is not correct."


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


class SignInFailed(Exception):
    def __init__(self, message: str = GENERIC_FAILURE):
        super().__init__(message)
        self.message = message


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _failures_since(session: Session, column, value: str, since: datetime) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
    ).one()
    return row[0], row[1]  # min() keeps the column's type, so the time is UTC-aware


def check_lockout(*, session: Session, email: str, ip: str, now: datetime, policy: LoginPolicy) -> None:
    """Raise RateLimited when the account or the address has failed too often lately."""
    window_start = now - policy.window
    last_success = session.execute(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at > window_start
        )
    ).scalar()
    for column, value, since in (
        (LoginAttempt.email, email, max(window_start, last_success) if last_success else window_start),
        (LoginAttempt.ip, ip, window_start),
    ):
        count, oldest = _failures_since(session, column, value, since)
        if count >= policy.max_failures and oldest is not None:
            wait = (oldest + policy.window) - now
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise RateLimited(
                f"Too many failed sign-in attempts. For your security, sign-in is paused: "
                f"try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                retry_after=max(1, int(wait.total_seconds())),
            )


def sign_in(
    *, session: Session, email: str, password: str, ip: str, now: datetime | None = None, policy: LoginPolicy
) -> User:
    """Return the user for these credentials; record the attempt either way."""
    now = now or utcnow()
    email = normalize_email(email)
    check_lockout(session=session, email=email, ip=ip, now=now, policy=policy)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        burn_verification_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=ok, created_at=now))
    session.flush()
    if not ok:
        raise SignInFailed()
    if not user.is_active:
        raise SignInFailed("This account has been deactivated. Ask an administrator to restore it.")
    user.last_login_at = now
    return user


def validate_password(password: str, *, min_length: int) -> None:
    if len(password or "") < min_length:
        raise ValidationFailed(
            "The password is too short.", fields={"password": f"Use at least {min_length} characters."}
        )
    if len(password) > 1024:
        raise ValidationFailed("The password is too long.", fields={"password": "Use at most 1,024 characters."})


def rotate_session_token(user: User) -> None:
    """End every session of *user*: their cookies name a token that no longer matches."""
    user.session_token = new_secret(24)


def change_password(
    *, session: Session, actor: User, current_password: str, new_password: str, min_length: int
) -> None:
    if not verify_password(actor.password_hash, current_password):
        raise ValidationFailed("The current password is not correct.",
                               fields={"current_password": "This is not your current password."})
    validate_password(new_password, min_length=min_length)
    actor.password_hash = hash_password(new_password)
    actor.password_changed_at = utcnow()
    rotate_session_token(actor)
    audit.record(session, actor=actor, action="user.password_changed", obj=actor)
    session.flush()
