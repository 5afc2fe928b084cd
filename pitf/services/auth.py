"""Sign-in with a database-backed lockout, password changes, and session tokens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from pitf.errors import RateLimited, ValidationFailed
from pitf.models import LoginAttempt, User, utcnow
from pitf.security import burn_verification_time, hash_password, new_secret, verify_password
from pitf.services import audit

GENERIC_FAILURE = "The email or password is not correct."
SSO_REQUIRED = ("Your account signs in through single sign-on, not with a password: "
                "use a “Sign in with …” button on this page.")


@dataclass(frozen=True)
class LoginPolicy:
    """How often sign-in may fail before it pauses (ASVS 4.0.3 2.2.1: slow guessing, no lockout of others).

    - Per account: *max_failures* failed sign-ins of one email within *window* (counted since the account's
      last success) pause that account's sign-in until the oldest of them is *window* old. It lifts by itself.
    - Per address: the limit counts **distinct accounts**, not attempts. Sign-in from one address pauses once
      *address_limit* different emails have failed from it within *window* (an email whose failure was
      followed by a success, a typo then the right password, no longer counts). Federal networks leave
      through a few shared egress addresses, and behind a proxy without PITF_PROXY_HOPS every user shares
      the proxy's address: counted in attempts, one person's typos (or one attacker) would stop everyone
      there. Counted in accounts, failures on one account never stop another account that gives its right
      password (the limit is at least 2), while spraying one password over many accounts still stops.
    - Someone there could still fail on `address_limit` made-up emails on purpose. So a paused address
      pauses only accounts that never signed in from it: the people who work behind that address keep
      signing in (each still under its own per-account limit), like OWASP's "device cookies" but by address.
    """

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    address_limit: int = 50

    def __post_init__(self):
        if self.address_limit < 2:
            raise ValueError("address_limit counts distinct accounts and must be at least 2")


class SignInFailed(Exception):
    def __init__(self, message: str = GENERIC_FAILURE):
        super().__init__(message)
        self.message = message


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _paused(wait: timedelta) -> RateLimited:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return RateLimited(
        f"Too many failed sign-in attempts. For your security, sign-in is paused: "
        f"try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=max(1, int(wait.total_seconds())),
    )


def _account_wait(session: Session, email: str, now: datetime, policy: LoginPolicy) -> timedelta | None:
    """How long this account's sign-in stays paused, or None."""
    window_start = now - policy.window
    last_success = session.execute(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at > window_start
        )
    ).scalar()
    since = max(window_start, last_success) if last_success else window_start
    count, oldest = session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.created_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
    ).one()  # min() keeps the column's type, so the time is UTC-aware
    if count >= policy.max_failures and oldest is not None:
        return (oldest + policy.window) - now
    return None


def _address_wait(session: Session, ip: str, now: datetime, policy: LoginPolicy) -> timedelta | None:
    """How long sign-in from this address stays paused (too many distinct accounts failed), or None."""
    window_start = now - policy.window
    later = aliased(LoginAttempt)
    recovered = (
        select(later.id)
        .where(later.email == LoginAttempt.email, later.succeeded.is_(True), later.created_at > LoginAttempt.created_at)
        .exists()
    )
    last_failure = func.max(LoginAttempt.created_at)
    # Each failing account once, by its latest failure here; the address pauses while `address_limit` of
    # them are inside the window, so it reopens when the limit-th most recent one leaves it.
    row = session.execute(
        select(last_failure)
        .where(LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > window_start,
               ~recovered)
        .group_by(LoginAttempt.email)
        .order_by(last_failure.desc())
        .offset(policy.address_limit - 1)
        .limit(1)
    ).first()
    if row is None or row[0] is None:
        return None
    return (row[0] + policy.window) - now


def _signed_in_here_before(session: Session, email: str, ip: str) -> bool:
    return session.execute(
        select(LoginAttempt.id).where(LoginAttempt.email == email, LoginAttempt.ip == ip,
                                      LoginAttempt.succeeded.is_(True)).limit(1)
    ).first() is not None


def check_lockout(*, session: Session, email: str, ip: str, now: datetime, policy: LoginPolicy) -> None:
    """Raise RateLimited when this account failed too often lately, or when too many accounts failed from
    this address and this account never signed in from it."""
    if (wait := _account_wait(session, email, now, policy)) is not None and wait.total_seconds() > 0:
        raise _paused(wait)
    wait = _address_wait(session, ip, now, policy)
    if wait is not None and wait.total_seconds() > 0 and not _signed_in_here_before(session, email, ip):
        raise _paused(wait)


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
    assert user is not None  # ok only when the account was found
    if not user.is_active:
        raise SignInFailed("This account has been deactivated. Ask an administrator to restore it.")
    from pitf.services import signin_policy

    if signin_policy.sso_required(session, user):
        audit.record(session, actor=user, action="user.sign_in_refused", obj=user,
                     changes={"reason": [None, "single sign-on required for this role"]})
        raise SignInFailed(SSO_REQUIRED)
    user.last_login_at = now
    return user


def confirm_password(*, session: Session, user: User, password: str, ip: str, policy: LoginPolicy,
                     now: datetime | None = None) -> None:
    """Check the password of *user*, signed in already, who confirms it is them before a sensitive step; throttled
    and recorded like a sign-in. SignInFailed or RateLimited when it is refused."""
    now = now or utcnow()
    email = normalize_email(user.email)
    check_lockout(session=session, email=email, ip=ip, now=now, policy=policy)
    ok = verify_password(user.password_hash, password)
    session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=ok, created_at=now))
    session.flush()
    if not ok:
        raise SignInFailed("The password is not correct.")


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
