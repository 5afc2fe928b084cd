"""Single sign-on (OpenID Connect): which account a provider's verified identity signs in to.

Accounts are provisioned, never self-registered. The first sign-in of an identity links its (issuer, subject)
to the active account whose email the provider vouches for (`email_verified` true); every later sign-in matches
the (issuer, subject) only, never the email alone, so an identity linked to one account stays that account's
whatever email it later reports. Everything else is refused with a reason, audited, and nothing is created.
The token itself (signature, issuer, audience, expiry, nonce) was checked by Authlib before any of this runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import DomainError, NotFound, require
from pitf.models import User, UserIdentity, utcnow
from pitf.services import audit
from pitf.services.auth import normalize_email

ASK_FOR_ACCESS = "Ask the secretariat for access: they create accounts on the platform."


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider's checked ID token (and its userinfo) say about the person."""

    provider: str
    issuer: str
    subject: str
    email: str = ""
    email_verified: bool | None = None  # None: the provider said nothing either way
    acr: str = ""


class SsoRefused(DomainError):
    """Single sign-on refused: *reason* is what the audit log keeps, the message what the person reads."""

    status = 403
    code = "sso_refused"

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


def record_refusal(session: Session, *, provider: str, reason: str, user: User | None = None,
                   identity: VerifiedIdentity | None = None) -> None:
    """Audit a refused single sign-on (the caller keeps this write even though the answer is an error)."""
    changes: dict[str, list] = {"reason": [None, reason], "provider": [None, provider]}
    if identity is not None:
        changes["issuer"] = [None, identity.issuer]
        changes["subject"] = [None, identity.subject]
        if identity.email:
            changes["email"] = [None, identity.email]
    if user is not None:
        audit.record(session, actor=user, action="user.sso_refused", obj=user, changes=changes)
    else:
        audit.record(session, actor=None, action="user.sso_refused", object_type="User", changes=changes)
    session.flush()


def _refuse(session: Session, identity: VerifiedIdentity, reason: str, message: str,
            user: User | None = None) -> SsoRefused:
    record_refusal(session, provider=identity.provider, reason=reason, user=user, identity=identity)
    return SsoRefused(message, reason=reason)


def check_acr(session: Session, identity: VerifiedIdentity, required: tuple[str, ...]) -> None:
    """Refuse a sign-in whose `acr` is not one of the values the platform asked for (PITF_OIDC_<NAME>_ACR_VALUES)."""
    if required and identity.acr not in required:
        raise _refuse(session, identity, f"acr {identity.acr or '(none)'!r} does not meet {' '.join(required)!r}",
                      "Your identity provider did not confirm the level of assurance this platform requires "
                      "(for example a PIV/CAC card or a phishing-resistant second factor). Sign in again with it, "
                      "or ask the secretariat for help.")


def find_identity(session: Session, issuer: str, subject: str) -> UserIdentity | None:
    return session.execute(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    ).scalar_one_or_none()


def _vouched(identity: VerifiedIdentity, email_domains: tuple[str, ...]) -> str | None:
    """Why the provider's word on the email cannot link an account, or None when it can."""
    if not identity.email or identity.email_verified is False:
        return "email not verified by the provider"
    if email_domains:  # an agency's directory: authoritative for its own domains, and for nothing else
        domain = normalize_email(identity.email).rpartition("@")[2]
        return None if domain in email_domains else "email outside the provider's domains"
    return None if identity.email_verified else "email not verified by the provider"


def sign_in(*, session: Session, identity: VerifiedIdentity, acr_values: tuple[str, ...] = (),
            email_domains: tuple[str, ...] = ()) -> User:
    """The account this identity signs in to, linking it at its first sign-in; SsoRefused (audited) otherwise.

    The email links only when the provider vouches for it: `email_verified` true or, for a provider given
    *email_domains* (an agency's own directory), an address in one of them that it does not call unverified."""
    check_acr(session, identity, acr_values)
    linked = find_identity(session, identity.issuer, identity.subject)
    if linked is not None:
        user = session.get(User, linked.user_id)
        assert user is not None  # a foreign key
        if not user.is_active:
            raise _refuse(session, identity, "account deactivated",
                          f"This account has been deactivated. {ASK_FOR_ACCESS}", user=user)
        linked.last_used_at = utcnow()
        session.flush()
        return user
    if (problem := _vouched(identity, email_domains)) is not None:
        raise _refuse(session, identity, problem,
                      "Your identity provider did not confirm your email address, so the platform cannot tell "
                      f"which account is yours. Confirm your email address there, or {ASK_FOR_ACCESS.lower()}")
    email = normalize_email(identity.email)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        raise _refuse(session, identity, "no account for this email",
                      f"There is no account on the platform for {email}. {ASK_FOR_ACCESS}")
    if not user.is_active:
        raise _refuse(session, identity, "account deactivated",
                      f"This account has been deactivated. {ASK_FOR_ACCESS}", user=user)
    other = session.execute(
        select(UserIdentity).where(UserIdentity.user_id == user.id, UserIdentity.issuer == identity.issuer)
    ).scalar_one_or_none()
    if other is not None:
        raise _refuse(session, identity, "account already linked to another identity at this provider",
                      "Your account is already linked to another identity at this provider. Sign in with that one, "
                      "or ask an administrator to unlink it.", user=user)
    assert user.id is not None
    row = UserIdentity(user_id=user.id, provider=identity.provider, issuer=identity.issuer[:255],
                       subject=identity.subject[:255], email=email[:254], last_used_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor=user, action="user.identity_linked", obj=user, changes={
        "provider": [None, identity.provider], "issuer": [None, identity.issuer],
        "subject": [None, identity.subject], "email": [None, email]})
    session.flush()
    return user


def reauthenticate(*, session: Session, user: User, identity: VerifiedIdentity,
                   acr_values: tuple[str, ...] = ()) -> None:
    """The signed-in *user* proved who they are again at the provider; SsoRefused unless it is their identity."""
    check_acr(session, identity, acr_values)
    linked = find_identity(session, identity.issuer, identity.subject)
    if linked is None or linked.user_id != user.id or not user.is_active:
        raise _refuse(session, identity, "re-authentication with an identity not linked to the signed-in account",
                      "That identity is not linked to the account you are signed in with. Sign in again with "
                      "your own identity.", user=user)
    linked.last_used_at = utcnow()
    audit.record(session, actor=user, action="user.reauthenticated", obj=user,
                 changes={"method": [None, f"sso:{identity.provider}"]})
    session.flush()


def identities_of(*, session: Session, actor, user: User) -> list[UserIdentity]:
    require(permissions.can_manage_users(actor) or getattr(actor, "id", None) == user.id)
    return list(session.execute(
        select(UserIdentity).where(UserIdentity.user_id == user.id).order_by(UserIdentity.linked_at)
    ).scalars())


def unlink(*, session: Session, actor, user: User, identity_id: int) -> UserIdentity:
    """An administrator unlinks an identity from an account: its next sign-in links afresh by verified email."""
    require(permissions.can_manage_users(actor), "Only administrators unlink single sign-on identities.")
    row = session.get(UserIdentity, identity_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such linked identity.")
    audit.record(session, actor=actor, action="user.identity_unlinked", obj=user, changes={
        "provider": [row.provider, None], "issuer": [row.issuer, None], "subject": [row.subject, None],
        "email": [row.email, None]})
    session.delete(row)
    session.flush()
    return row
