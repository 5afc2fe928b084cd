"""How each role signs in: an administrator's choice, kept in the database (Setting "signin").

- *second_factor_roles*: roles whose local (password) sign-in must also pass a second factor (a security key
  or passkey, an authenticator app's code, or a recovery code). Default: administrators and the secretariat.
- *sso_roles*: roles that must sign in through single sign-on (OpenID Connect). Their passwords stop working,
  except on an administrator's account marked as the way back in (User.local_sign_in_allowed), so that a
  provider's outage never locks every administrator out.

A single sign-on through a provider counts as the second factor: the provider (Login.gov, an agency's identity
provider with PIV/CAC) asks for it, and its assurance level can be demanded with `PITF_OIDC_<NAME>_ACR_VALUES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import Setting, User, utcnow
from pitf.models.org import ROLE_LABELS, Role
from pitf.services import audit

KEY = "signin"
DEFAULT_SECOND_FACTOR_ROLES: tuple[str, ...] = (Role.ADMIN.value, Role.SECRETARIAT.value)


@dataclass(frozen=True)
class SignInPolicy:
    second_factor_roles: frozenset[str]
    sso_roles: frozenset[str]

    def second_factor_required(self, user) -> bool:
        return getattr(user, "role", None) in self.second_factor_roles

    def sso_required(self, user) -> bool:
        """Whether this person's password no longer signs them in (their role signs in through SSO and their
        account is not an administrator's way back in)."""
        if getattr(user, "role", None) not in self.sso_roles:
            return False
        return not (getattr(user, "role", None) == Role.ADMIN.value and getattr(user, "local_sign_in_allowed", False))


def load(session: Session) -> SignInPolicy:
    row = session.get(Setting, KEY)
    value = row.value if row is not None else {}
    known = {r.value for r in Role}
    factor = value.get("second_factor_roles", list(DEFAULT_SECOND_FACTOR_ROLES))
    sso = value.get("sso_roles", [])
    return SignInPolicy(second_factor_roles=frozenset(r for r in factor if r in known),
                        sso_roles=frozenset(r for r in sso if r in known))


def second_factor_required(session: Session, user) -> bool:
    return load(session).second_factor_required(user)


def sso_required(session: Session, user) -> bool:
    return load(session).sso_required(user)


def _roles(raw: Iterable, field: str) -> list[str]:
    known = [r.value for r in Role]
    chosen = [str(r) for r in raw]
    if unknown := sorted(set(chosen) - set(known)):
        raise ValidationFailed("Some settings are not valid.", fields={field: f"Unknown role: {', '.join(unknown)}."})
    return [r for r in known if r in chosen]  # in the roles' own order


def local_admins(session: Session) -> list[User]:
    """Active administrators whose password still signs them in when administrators must use SSO."""
    return list(session.execute(
        select(User).where(User.role == Role.ADMIN.value, User.is_active.is_(True),
                           User.local_sign_in_allowed.is_(True)).order_by(User.name)
    ).scalars())


def save(*, session: Session, actor, second_factor_roles: Iterable, sso_roles: Iterable) -> SignInPolicy:
    """Store the policy; ValidationFailed (nothing changed) when a role is unknown, or when administrators would
    have to use SSO with no administrator left who may sign in with a password."""
    require(permissions.is_admin(actor), "Only administrators change how people sign in.")
    factor = _roles(second_factor_roles, "second_factor_roles")
    sso = _roles(sso_roles, "sso_roles")
    if Role.ADMIN.value in sso and not local_admins(session):
        raise ValidationFailed(
            "Keep a way back in before administrators must use single sign-on.",
            fields={"sso_roles": "First mark one active administrator's account as “may sign in with a password” "
                                 "(People, the account's page): if the identity provider fails, that account "
                                 "still signs in."})
    before = load(session)
    row = session.get(Setting, KEY)
    if row is None:
        row = Setting(key=KEY, value={})
        session.add(row)
    row.value = {"second_factor_roles": factor, "sso_roles": sso}
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    changes = {}
    if set(factor) != before.second_factor_roles:
        changes["second_factor_roles"] = [sorted(before.second_factor_roles), factor]
    if set(sso) != before.sso_roles:
        changes["sso_roles"] = [sorted(before.sso_roles), sso]
    audit.record(session, actor=actor, action="settings.signin", object_type="Setting", changes=changes)
    session.flush()
    return load(session)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
