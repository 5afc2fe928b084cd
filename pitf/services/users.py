"""People: create, update, deactivate, and look them up."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.models import Agency, User, utcnow
from pitf.models.org import UserCreate, UserUpdate
from pitf.security import hash_password, new_secret
from pitf.services import audit
from pitf.services.auth import normalize_email, rotate_session_token, validate_password
from pitf.settings import platform_timezone
from pitf.validation import validate_beside


def get_user(*, session: Session, actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not permissions.can_view_directory(actor):
        raise NotFound("No such user.")
    return user


def find_agency(session: Session, acronym: str | None) -> Agency | None:
    if not acronym:
        return None
    return session.execute(select(Agency).where(Agency.acronym == acronym.strip().upper())).scalar_one_or_none()


def _user_problems(session: Session, values: Mapping[str, Any], user_id: int | None = None) -> dict[str, str]:
    """What only the database tells of an account: an email in use, an agency that does not exist or is
    missing for a liaison."""
    errors: dict[str, str] = {}
    email = normalize_email(str(values.get("email") or ""))
    clash = session.execute(select(User.id).where(User.email == email)).scalar() if email else None
    if clash is not None and clash != user_id:
        errors["email"] = "Another account already uses this email address."
    acronym = values.get("agency")
    agency = find_agency(session, acronym) if isinstance(acronym, str) else None
    if acronym and agency is None:
        errors["agency"] = "No agency has that acronym."
    elif values.get("role") == "liaison" and agency is None:
        errors["agency"] = "An agency liaison must belong to an agency."
    if values.get("local_sign_in_allowed") and values.get("role") != "admin":
        errors["local_sign_in_allowed"] = "Only an administrator's account can be the way back in."
    return errors


def _keeps_way_back_in(session: Session, user: User, values: Mapping[str, Any]) -> dict[str, str]:
    """Where administrators must use single sign-on, the last administrator who may still sign in with a
    password cannot lose that (the way back in when the identity provider fails)."""
    from pitf.services import signin_policy

    was_local = user.role == "admin" and user.local_sign_in_allowed and user.is_active
    stays_local = values.get("role") == "admin" and bool(values.get("local_sign_in_allowed"))
    if not was_local or stays_local or "admin" not in signin_policy.load(session).sso_roles:
        return {}
    if any(other.id != user.id for other in signin_policy.local_admins(session)):
        return {}
    return {"local_sign_in_allowed": "Administrators must use single sign-on and this is the last administrator "
                                     "who may sign in with a password. Mark another administrator first."}


def create_user(*, session: Session, actor, user_in: UserCreate | Mapping[str, Any], min_length: int = 12,
                timezone: str | None = None) -> User:
    require(permissions.can_manage_users(actor))

    def problems(values: Mapping[str, Any]) -> dict[str, str]:
        errors = _user_problems(session, values)
        try:
            validate_password(str(values.get("password") or ""), min_length=min_length)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        return errors
    checked = validate_beside(UserCreate, user_in, "The account could not be created.", problems)
    agency = find_agency(session, checked.agency)
    user = User(email=checked.email, name=checked.name, role=str(checked.role), agency_id=agency.id if agency else None,
                title=checked.title, password_hash=hash_password(checked.password), session_token=new_secret(24),
                local_sign_in_allowed=checked.local_sign_in_allowed,
                timezone=timezone or platform_timezone(), password_changed_at=utcnow())
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.created", obj=user,
                 changes=audit.creation_changes(user, ["email", "name", "role", "agency_id", "title",
                                                       "local_sign_in_allowed"]))
    return user


def update_user(*, session: Session, actor, user: User, version: int | str | None,
                user_in: UserUpdate | Mapping[str, Any]) -> User:
    require(permissions.can_manage_users(actor))
    from pitf.services.concurrency import check_version

    check_version(user, version)
    checked = validate_beside(UserUpdate, user_in, "The account could not be saved.",
                              lambda values: _user_problems(session, values, user.id)
                              | _keeps_way_back_in(session, user, values))
    if user.id == getattr(actor, "id", None) and checked.role != "admin":
        raise ValidationFailed("You cannot remove your own administrator role.",
                               fields={"role": "Ask another administrator to change your role."})
    agency = find_agency(session, checked.agency)
    changes = audit.apply_changes(user, {"email": checked.email, "name": checked.name, "role": str(checked.role),
                                         "agency_id": agency.id if agency else None, "title": checked.title,
                                         "local_sign_in_allowed": checked.local_sign_in_allowed})
    if changes:
        if "role" in changes or "agency_id" in changes:
            rotate_session_token(user)  # privileges changed: sign the person in again
        audit.record(session, actor=actor, action="user.updated", obj=user, changes=changes)
        session.flush()
    return user


def set_active(*, session: Session, actor, user: User, active: bool) -> User:
    require(permissions.can_manage_users(actor))
    if not active and user.id == getattr(actor, "id", None):
        raise ValidationFailed("You cannot deactivate your own account.")
    if not active and (problem := _keeps_way_back_in(session, user, {"role": None})):
        raise ValidationFailed(problem["local_sign_in_allowed"])
    if user.is_active == active:
        return user
    changes = audit.apply_changes(user, {"is_active": active, "deactivated_at": None if active else utcnow()})
    rotate_session_token(user)
    audit.record(session, actor=actor, action="user.reactivated" if active else "user.deactivated",
                 obj=user, changes=changes)
    session.flush()
    return user


def reset_password(*, session: Session, actor, user: User, password: str, min_length: int = 12) -> None:
    require(permissions.can_manage_users(actor))
    validate_password(password, min_length=min_length)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    rotate_session_token(user)
    audit.record(session, actor=actor, action="user.password_reset", obj=user)
    session.flush()


def update_preferences(*, session: Session, actor: User, timezone: str) -> None:
    if timezone not in zoneinfo.available_timezones():
        raise ValidationFailed("Unknown time zone.", fields={"timezone": "Choose a time zone from the list."})
    changes = audit.apply_changes(actor, {"timezone": timezone})
    if changes:
        audit.record(session, actor=actor, action="user.preferences", obj=actor, changes=changes)
        session.flush()


def list_users(*, session: Session, actor, include_inactive: bool = True) -> list[User]:
    require(permissions.can_manage_users(actor))
    stmt = select(User).order_by(User.is_active.desc(), User.name)
    if not include_inactive:
        stmt = stmt.where(User.is_active.is_(True))
    return list(session.execute(stmt).scalars())
