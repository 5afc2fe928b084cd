"""The second step of a sign-in (and of a re-authentication): a security key's answer, an authenticator app's
code, or a recovery code, throttled per account like the password (pitf/services/auth.py's LoginPolicy).

Attempts are counted in their own table: giving the right password again does not restart the count of wrong
codes, so an attacker who knows the password still gets only `max_failures` guesses per window.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from webauthn import generate_authentication_options, options_to_json, verify_authentication_response
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import UserVerificationRequirement

from pitf.models import RecoveryCode, SecondFactorAttempt, TotpFactor, User, WebAuthnCredential, utcnow
from pitf.security import hash_token, unseal
from pitf.services import audit
from pitf.services.auth import LoginPolicy, _paused
from pitf.services.factors import (
    RelyingParty,
    _descriptors,
    factors_of,
    normalize_recovery_code,
    totp_step_matching,
)

WEBAUTHN, TOTP, RECOVERY = "webauthn", "totp", "recovery"
METHOD_LABELS = {WEBAUTHN: "security key", TOTP: "authenticator app", RECOVERY: "recovery code"}


def _id(user: User) -> int:
    assert user.id is not None  # a person who gave their password is a saved row
    return user.id


class SecondFactorFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_lockout(*, session: Session, user: User, now: datetime, policy: LoginPolicy) -> None:
    """Raise RateLimited while this account failed its second factor `max_failures` times within the window
    (counted since its last success)."""
    window_start = now - policy.window
    last_success = session.execute(select(func.max(SecondFactorAttempt.created_at)).where(
        SecondFactorAttempt.user_id == user.id, SecondFactorAttempt.succeeded.is_(True),
        SecondFactorAttempt.created_at > window_start)).scalar()
    since = max(window_start, last_success) if last_success else window_start
    count, oldest = session.execute(select(func.count(SecondFactorAttempt.id), func.min(SecondFactorAttempt.created_at))
                                    .where(SecondFactorAttempt.user_id == user.id,
                                           SecondFactorAttempt.succeeded.is_(False),
                                           SecondFactorAttempt.created_at > since)).one()
    if count >= policy.max_failures and oldest is not None:
        wait = (oldest + policy.window) - now
        if wait.total_seconds() > 0:
            raise _paused(wait)


def authentication_options(*, session: Session, user: User, rp: RelyingParty) -> tuple[str, bytes] | None:
    """Options for navigator.credentials.get() naming this person's keys, and their challenge; None without keys."""
    keys = factors_of(session, user).keys
    if not keys:
        return None
    options = generate_authentication_options(rp_id=rp.id, allow_credentials=_descriptors(keys),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json(options), options.challenge


def verify(*, session: Session, user: User, method: str, value: str, ip: str, policy: LoginPolicy,
           secret_key: str, rp: RelyingParty | None = None, challenge: bytes | None = None,
           now: datetime | None = None) -> str:
    """Check the second factor *value* given by *method*; return the method. Every attempt is recorded and
    audited; SecondFactorFailed (a message to show) when it is wrong, RateLimited while the account is paused."""
    now = now or utcnow()
    # While paused nothing is checked or recorded (as for the password): the failures that led here are.
    check_lockout(session=session, user=user, now=now, policy=policy)
    detail = ""
    try:
        if method == TOTP:
            detail = _totp(session, user, value, secret_key, now)
        elif method == RECOVERY:
            detail = _recovery(session, user, value, now)
        elif method == WEBAUTHN:
            detail = _webauthn(session, user, value, rp, challenge, now)
        else:
            raise SecondFactorFailed("Choose a security key, an authenticator app's code or a recovery code.")
    except SecondFactorFailed as exc:
        session.add(SecondFactorAttempt(user_id=_id(user), ip=ip[:64], succeeded=False, created_at=now))
        audit.record(session, actor=user, action="user.second_factor_refused", obj=user,
                     changes={"method": [None, method], "reason": [None, exc.message]})
        session.flush()
        raise
    session.add(SecondFactorAttempt(user_id=_id(user), ip=ip[:64], succeeded=True, created_at=now))
    changes = {"method": [None, method]}
    if detail:
        changes["detail"] = [None, detail]
    audit.record(session, actor=user, action="user.second_factor_used", obj=user, changes=changes)
    session.flush()
    return method


def _totp(session: Session, user: User, code: str, secret_key: str, now: datetime) -> str:
    totp = session.execute(select(TotpFactor).where(TotpFactor.user_id == user.id)).scalar_one_or_none()
    if totp is None:
        raise SecondFactorFailed("You have no authenticator app: use a security key or a recovery code.")
    secret = unseal(totp.secret_sealed, secret_key=secret_key)
    if secret is None:  # sealed under another PITF_SECRET_KEY
        raise SecondFactorFailed("Your authenticator app can no longer be checked (the platform's secret key "
                                 "changed): use a security key or a recovery code, then add the app again.")
    step = totp_step_matching(secret, code, now, after_step=totp.last_step)
    if step is None:
        raise SecondFactorFailed("That code is not right, or it was already used. Enter the code your "
                                 "authenticator app shows now.")
    # Claimed in one statement: two requests with the same code (two workers) cannot both pass.
    claimed = session.execute(update(TotpFactor).where(TotpFactor.id == totp.id, TotpFactor.last_step < step)
                              .values(last_step=step, last_used_at=now)).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        raise SecondFactorFailed("That code was already used. Wait for the next code.")
    session.expire(totp)
    return ""


def _recovery(session: Session, user: User, code: str, now: datetime) -> str:
    digest = hash_token(normalize_recovery_code(code))
    claimed = session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest, RecoveryCode.used_at.is_(None))
        .values(used_at=now)).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        raise SecondFactorFailed("That recovery code is not right, or it was already used.")
    left = session.execute(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar() or 0
    return f"{left} recovery codes left"


def _webauthn(session: Session, user: User, credential: str, rp: RelyingParty | None, challenge: bytes | None,
              now: datetime) -> str:
    import json

    if rp is None or not challenge or not credential:
        raise SecondFactorFailed("The security key did not answer. Try again.")
    try:
        cred_id = str(json.loads(credential).get("id") or "")
    except (ValueError, AttributeError):
        cred_id = ""
    key = session.execute(select(WebAuthnCredential).where(
        WebAuthnCredential.user_id == user.id, WebAuthnCredential.credential_id == cred_id)).scalar_one_or_none()
    if key is None:  # another person's key, a removed one, or none of ours
        raise SecondFactorFailed("This security key is not registered to your account.")
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=key.public_key, credential_current_sign_count=key.sign_count)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        reason = str(exc)
        if "sign count" in reason:
            raise SecondFactorFailed("This security key's use counter went back, the sign of a copied key: it "
                                     "was refused. Use another factor and tell the platform administrator.") from exc
        raise SecondFactorFailed("The security key's answer could not be verified. Try again.") from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = now
    return key.name
