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


# ---- action items ------------------------------------------------------------------------------
# Every signed-in user reads every action item: the task force works in the open.

def can_view_action_items(actor) -> bool:
    return is_signed_in(actor)


def can_create_action_item(actor) -> bool:
    return is_staff(actor)


def can_edit_action_item(actor, item) -> bool:
    """Change an item's fields, reassign or cancel it: the secretariat's work."""
    return is_staff(actor)


def can_import_action_items(actor) -> bool:
    return is_staff(actor)


def _is_lead_liaison(actor, item) -> bool:
    return _role(actor) == "liaison" and actor.agency_id is not None and actor.agency_id == item.lead_agency_id


def can_change_status(actor, item, new_status: str | None = None) -> bool:
    """Post a new status: the secretariat, or a liaison of the lead agency (cancelling is the secretariat's)."""
    if is_staff(actor):
        return True
    if new_status == "cancelled" or getattr(item, "status", None) == "cancelled":
        return False
    return _is_lead_liaison(actor, item)


def can_add_note(actor, item, supporting_agency_ids=()) -> bool:
    """Add a note to the history: the lead agency, a supporting agency, or the secretariat."""
    if is_staff(actor) or _is_lead_liaison(actor, item):
        return True
    return _role(actor) == "liaison" and actor.agency_id in set(supporting_agency_ids)
