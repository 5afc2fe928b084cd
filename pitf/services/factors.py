"""A person's second factors: enrol and remove security keys and passkeys (WebAuthn) and an authenticator app
(TOTP), and their ten single-use recovery codes. Checking a factor at sign-in is pitf/services/second_factor.py.

Each person manages their own factors only; every enrolment, removal and regeneration is audited. Adding the
first factor also makes the recovery codes (shown once); removing the last one removes them too, and is refused
where the person's role requires a second factor.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from pitf.errors import NotFound, ValidationFailed
from pitf.models import RecoveryCode, TotpFactor, User, WebAuthnCredential, utcnow
from pitf.models.factors import KEY_NAME_LENGTH
from pitf.security import hash_token, seal
from pitf.services import audit

ISSUER = "PITF Coordination Platform"  # the name an authenticator app lists, and the relying party's name
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
RECOVERY_GROUPS = 4  # 4 x 4 characters of 31: about 79 bits, too many to guess, so SHA-256 is a safe hash
TOTP_STEP = 30
TRANSPORTS = {t.value for t in AuthenticatorTransport}


@dataclass(frozen=True)
class RelyingParty:
    """Who the security keys are registered with: the host of PITF_BASE_URL and its origin."""

    id: str
    origin: str
    name: str = ISSUER

    @property
    def usable(self) -> bool:
        """Browsers refuse WebAuthn on an IP address (a relying party is a domain name, localhost included)."""
        try:
            ip_address(self.id)
        except ValueError:
            return True
        return False


def relying_party(base_url: str) -> RelyingParty:
    parts = urlsplit(base_url)
    return RelyingParty(id=parts.hostname or "localhost", origin=f"{parts.scheme}://{parts.netloc}")


@dataclass
class Factors:
    """What a person has enrolled."""

    keys: list[WebAuthnCredential] = field(default_factory=list)
    totp: TotpFactor | None = None
    recovery_left: int = 0

    @property
    def any(self) -> bool:
        return bool(self.keys) or self.totp is not None


def factors_of(session: Session, user: User) -> Factors:
    keys = list(session.execute(select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
                                .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)).scalars())
    totp = session.execute(select(TotpFactor).where(TotpFactor.user_id == user.id)).scalar_one_or_none()
    left = session.execute(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).scalar() or 0
    return Factors(keys=keys, totp=totp, recovery_left=left)


def has_factor(session: Session, user: User) -> bool:
    return factors_of(session, user).any


# ---- recovery codes --------------------------------------------------------------------------------------------

def normalize_recovery_code(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _new_recovery_code() -> str:
    groups = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4)) for _ in range(RECOVERY_GROUPS)]
    return "-".join(groups)


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    assert user.id is not None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = utcnow()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_token(normalize_recovery_code(c)), created_at=now)
                    for c in codes)
    return codes


def regenerate_recovery_codes(*, session: Session, actor: User) -> list[str]:
    """Ten new codes (returned once, kept hashed); the old ones stop working. Only with a factor enrolled."""
    if not has_factor(session, actor):
        raise ValidationFailed("Add a security key or an authenticator app first: recovery codes stand in for "
                               "them when they are lost.")
    codes = _replace_recovery_codes(session, actor)
    audit.record(session, actor=actor, action="user.recovery_codes_generated", obj=actor,
                 changes={"recovery_codes": [None, RECOVERY_CODE_COUNT]})
    session.flush()
    return codes


def _first_factor_codes(session: Session, user: User, had_factor: bool) -> list[str] | None:
    """With the first factor enrolled come the recovery codes."""
    if had_factor:
        return None
    codes = _replace_recovery_codes(session, user)
    audit.record(session, actor=user, action="user.recovery_codes_generated", obj=user,
                 changes={"recovery_codes": [None, RECOVERY_CODE_COUNT]})
    return codes


# ---- an authenticator app (TOTP) -------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def totp_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def totp_step_matching(secret: str, code: str, now: datetime, after_step: int = 0) -> int | None:
    """The time step (of 30 seconds) whose code is *code*, this one or a neighbour (a clock a little off), and
    later than *after_step*; None when none is."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def enrol_totp(*, session: Session, actor: User, secret: str, code: str, secret_key: str,
               now: datetime | None = None) -> list[str] | None:
    """Save the authenticator app once it has shown it holds *secret* (its current *code*); the recovery codes
    when this is the first factor. ValidationFailed when the code is not right, or an app is already there."""
    now = now or utcnow()
    factors = factors_of(session, actor)
    if factors.totp is not None:
        raise ValidationFailed("You already have an authenticator app. Remove it first to use another.")
    step = totp_step_matching(secret, code, now)
    if step is None:
        raise ValidationFailed("That code is not right.", fields={
            "code": "Enter the 6-digit code your authenticator app shows now for this account."})
    assert actor.id is not None
    session.add(TotpFactor(user_id=actor.id, secret_sealed=seal(secret, secret_key=secret_key), last_step=step,
                           created_at=now))
    audit.record(session, actor=actor, action="user.factor_added", obj=actor,
                 changes={"factor": [None, "authenticator app"]})
    codes = _first_factor_codes(session, actor, factors.any)
    session.flush()
    return codes


def remove_totp(*, session: Session, actor: User) -> None:
    totp = session.execute(select(TotpFactor).where(TotpFactor.user_id == actor.id)).scalar_one_or_none()
    if totp is None:
        raise NotFound("You have no authenticator app.")
    _refuse_removing_the_last(session, actor, factors_of(session, actor), counts=1)
    session.delete(totp)
    audit.record(session, actor=actor, action="user.factor_removed", obj=actor,
                 changes={"factor": ["authenticator app", None]})
    _forget_codes_without_factor(session, actor)
    session.flush()


# ---- security keys and passkeys (WebAuthn) ---------------------------------------------------------------------

def _descriptors(keys: list[WebAuthnCredential]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id), transports=[
        AuthenticatorTransport(t) for t in k.transports if t in TRANSPORTS]) for k in keys]


def registration_options(*, session: Session, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() (base64url JSON) and their challenge, to keep for the
    answer. The keys already registered are excluded (a key is registered once)."""
    options = generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_name=user.email, user_display_name=user.name,
        user_id=f"pitf-user-{user.id}".encode(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=_descriptors(factors_of(session, user).keys))
    return options_to_json(options), options.challenge


def key_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("Name the key.", fields={"name": "Name the key, e.g. “YubiKey on my keyring”."})
    if len(name) > KEY_NAME_LENGTH:
        raise ValidationFailed("The name is too long.", fields={"name": f"Use at most {KEY_NAME_LENGTH} characters."})
    return name


def enrol_key(*, session: Session, actor: User, rp: RelyingParty, name: str, credential: str, challenge: bytes | None,
              now: datetime | None = None) -> tuple[WebAuthnCredential, list[str] | None]:
    """Register the security key or passkey that answered *challenge*; the recovery codes when it is the first
    factor. ValidationFailed (nothing saved) when the answer does not verify."""
    now = now or utcnow()
    name = key_name(name)
    if not challenge or not credential:
        raise ValidationFailed("The security key did not answer. Try again.")
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=rp.id, expected_origin=rp.origin)
        transports = [t for t in _credential_transports(credential) if t in TRANSPORTS]
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        audit.record(session, actor=actor, action="user.factor_refused", obj=actor,
                     changes={"factor": [None, "security key"], "reason": [None, str(exc)[:200]]})
        raise ValidationFailed("The security key's answer could not be verified. Try again; if it fails again, "
                               f"check that you opened the platform at {rp.origin}.") from exc
    cred_id = bytes_to_base64url(verified.credential_id)
    if session.execute(select(WebAuthnCredential.id).where(WebAuthnCredential.credential_id == cred_id)).first():
        raise ValidationFailed("This security key is already registered.")
    factors = factors_of(session, actor)
    assert actor.id is not None
    key = WebAuthnCredential(user_id=actor.id, name=name, credential_id=cred_id,
                             public_key=verified.credential_public_key, sign_count=verified.sign_count,
                             transports=transports, created_at=now)
    session.add(key)
    audit.record(session, actor=actor, action="user.factor_added", obj=actor,
                 changes={"factor": [None, "security key"], "name": [None, name]})
    codes = _first_factor_codes(session, actor, factors.any)
    session.flush()
    return key, codes


def _credential_transports(credential: str) -> list[str]:
    import json

    data = json.loads(credential)
    raw = (data.get("response") or {}).get("transports") or []
    return [str(t) for t in raw][:8] if isinstance(raw, list) else []


def remove_key(*, session: Session, actor: User, key_id: int) -> None:
    key = session.get(WebAuthnCredential, key_id)
    if key is None or key.user_id != actor.id:
        raise NotFound("No such security key.")
    _refuse_removing_the_last(session, actor, factors_of(session, actor), counts=1)
    session.delete(key)
    audit.record(session, actor=actor, action="user.factor_removed", obj=actor,
                 changes={"factor": ["security key", None], "name": [key.name, None]})
    _forget_codes_without_factor(session, actor)
    session.flush()


def reset_factors(*, session: Session, actor, user: User) -> None:
    """An administrator removes every second factor of *user* (a lost key and lost recovery codes); where their
    role needs one, they set one up again at their next sign-in."""
    from pitf import permissions
    from pitf.errors import require

    require(permissions.can_manage_users(actor), "Only administrators reset a person's second factor.")
    had = factors_of(session, user)
    if not had.any:
        raise ValidationFailed(f"{user.name} has no second factor.")
    session.execute(delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(session, actor=actor, action="user.factors_reset", obj=user, changes={
        "security_keys": [[k.name for k in had.keys], []],
        "authenticator_app": [had.totp is not None, False]})
    session.flush()


def _refuse_removing_the_last(session: Session, user: User, factors: Factors, counts: int) -> None:
    from pitf.services import signin_policy

    left = len(factors.keys) + (factors.totp is not None) - counts
    if left <= 0 and signin_policy.second_factor_required(session, user):
        raise ValidationFailed("Your role needs a second factor: add another security key or an authenticator "
                               "app before removing this one.")


def _forget_codes_without_factor(session: Session, user: User) -> None:
    session.flush()
    if not has_factor(session, user):  # recovery codes alone would be a password, not a second factor
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
