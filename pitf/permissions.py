"""Who may do what: every permission decision of the platform, as small pure functions."""

from __future__ import annotations

from typing import Any, Final


class SystemActor:
    """The platform acting on its own: the `pitf` command, the scheduler, imports and demo data.

    It is no person: it never signs in (no role, no id, no email), so every rule about a user answers no
    for it, and only the rules below that name it answer yes. The audit log records its writes as the
    system."""

    id = None
    email = None
    role = None
    is_authenticated = False
    is_active = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


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
    return is_system(actor) or is_admin(actor)


def can_manage_agencies(actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_manage_committees(actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_manage_memberships(actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_export_faca(actor) -> bool:
    """The FACA Database export: the committee management officer's (administrators and the secretariat)."""
    return is_staff(actor)


def can_view_audit_log(actor) -> bool:
    return is_admin(actor)


def can_manage_tokens_of(actor, user) -> bool:
    """A user manages their own API tokens; an administrator (and the `pitf` command) manages anyone's."""
    if is_system(actor):
        return True
    if not is_signed_in(actor):
        return False
    return is_admin(actor) or actor.id == user.id


def can_use_api(actor) -> bool:
    return is_signed_in(actor)


def can_search(actor) -> bool:
    """The search box: every signed-in user; what each finds is what they may read (services.search)."""
    return is_signed_in(actor)


# ---- reports ----------------------------------------------------------------------------------

def can_view_annual_summary(actor) -> bool:
    """The PITF's annual summary: every signed-in role reads it, for any year and period. Its figures are sums of
    what each role already reads (every action item, every recommendation past draft, the scorecards), and a
    closed meeting shows only as a number, never its title or date."""
    return is_signed_in(actor)


# ---- action items ------------------------------------------------------------------------------
# Every signed-in user reads every action item: the task force works in the open.

def can_view_action_items(actor) -> bool:
    return is_signed_in(actor)


def can_create_action_item(actor) -> bool:
    """The secretariat, and the system (imports, demo data)."""
    return is_system(actor) or is_staff(actor)


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


# ---- meetings ---------------------------------------------------------------------------------
# Facts about the actor and one committee are computed once (services.meetings.committee_access)
# and handed to these pure functions.

def can_plan_meetings(actor, access) -> bool:
    """Schedule, edit and cancel meetings, build agendas, take attendance, write minutes (and the system)."""
    return is_system(actor) or is_staff(actor) or (is_signed_in(actor) and access.is_chair_or_co_chair)


def can_view_meeting(actor, meeting, access) -> bool:
    """Open meetings are for every signed-in user; a closed meeting only for its committee and staff."""
    if not is_signed_in(actor):
        return False
    return meeting.is_open or is_staff(actor) or access.is_member


def can_comment_on_minutes(actor, access) -> bool:
    return is_signed_in(actor) and (is_staff(actor) or access.is_member)


def can_approve_minutes(actor, committee, access) -> bool:
    """The chair approves; the secretariat too where the body is not under FACA.
    For a FACA body approval is the chair's certification, nobody else's."""
    if not is_signed_in(actor):
        return False
    if committee.follows_faca:
        return access.is_chair
    return access.is_chair_or_co_chair or is_staff(actor)


def can_confirm_minutes_actions(actor) -> bool:
    """Turning ACTION lines into action items assigns work to agencies: the secretariat's call."""
    return is_staff(actor)


def can_list_minutes_due(actor, chaired_committee_ids) -> bool:
    """The list of minutes still to approve: the secretariat's for every body, a chair's for their own."""
    return is_staff(actor) or (is_signed_in(actor) and bool(chaired_committee_ids))


# ---- recommendations --------------------------------------------------------------------------
# *is_author*: the filer or a co-sponsor (computed by services.recommendations.authorship).

def can_draft_recommendation(actor) -> bool:
    return _role(actor) == "council"


def can_view_recommendation(actor, rec, is_author: bool) -> bool:
    """Drafts are private to their authors; everything after is read by every signed-in user."""
    if not is_signed_in(actor):
        return False
    if rec.status == "draft":
        return is_author
    return True


def can_edit_recommendation_draft(actor, rec, is_author: bool) -> bool:
    return is_signed_in(actor) and rec.status == "draft" and is_author


def can_respond_for(actor, agency_id: int | None, targeted: bool, status: str) -> bool:
    """A liaison answers for their own agency, on an open recommendation addressed to it."""
    return (_role(actor) == "liaison" and agency_id is not None and actor.agency_id == agency_id
            and targeted and status == "open")


def can_link_meeting_to_recommendation(actor) -> bool:
    return is_staff(actor)


def can_order_annual_report(actor) -> bool:
    """Choose the order of the recommendations in the Council's annual report: its members and the secretariat."""
    return _role(actor) == "council" or is_staff(actor)


def can_attach_to_recommendation(actor, rec, is_author: bool) -> bool:
    """The authors add evidence while drafting; the secretariat at any time."""
    return is_staff(actor) or (is_signed_in(actor) and is_author and rec.status == "draft")


def can_read_recommendation_files(actor, rec, is_author: bool, targeted: bool) -> bool:
    """Evidence may hold survivors' testimony: the authors, the Council, the secretariat and the liaisons
    of the agencies addressed read it, not every signed-in user."""
    if not is_signed_in(actor):
        return False
    return is_staff(actor) or is_author or _role(actor) == "council" or (_role(actor) == "liaison" and targeted)
