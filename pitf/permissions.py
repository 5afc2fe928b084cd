"""Who may do what: every permission decision of the platform, as small pure functions."""

from __future__ import annotations

from typing import Any


def _role(actor: Any) -> str | None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return None
    return actor.role


def is_admin(actor) -> bool:
    return _role(actor) == "admin"


def is_staff(actor) -> bool:
    """The secretariat (IGA) or an administrator: runs the interagency process."""
    return _role(actor) in ("admin", "secretariat")


def is_signed_in(actor) -> bool:
    return _role(actor) is not None


# Directory: the task force works in the open; every signed-in user reads committees and agencies.
def can_view_directory(actor) -> bool:
    return is_signed_in(actor)


def can_manage_users(actor) -> bool:
    return is_admin(actor)


def can_manage_agencies(actor) -> bool:
    return is_staff(actor)


def can_manage_committees(actor) -> bool:
    return is_staff(actor)


def can_manage_memberships(actor) -> bool:
    return is_staff(actor)


def can_view_audit_log(actor) -> bool:
    return is_admin(actor)


def can_manage_tokens_of(actor, user) -> bool:
    """A user manages their own API tokens; an administrator manages anyone's."""
    if not is_signed_in(actor):
        return False
    return is_admin(actor) or actor.id == user.id


def can_use_api(actor) -> bool:
    return is_signed_in(actor)
