"""The permission table: every role against every action of the foundation."""

from types import SimpleNamespace

import pytest

from pitf import permissions as p

ROLES = ["admin", "secretariat", "liaison", "council", "viewer"]


def actor(role, *, active=True, uid=1, agency_id=None):
    return SimpleNamespace(id=uid, role=role, is_authenticated=True, is_active=active, agency_id=agency_id)


ANONYMOUS = SimpleNamespace(is_authenticated=False, is_active=False, role=None, id=None)

# action -> the roles allowed
TABLE = {
    p.can_view_directory: {"admin", "secretariat", "liaison", "council", "viewer"},
    p.can_manage_users: {"admin"},
    p.can_manage_agencies: {"admin", "secretariat"},
    p.can_manage_committees: {"admin", "secretariat"},
    p.can_manage_memberships: {"admin", "secretariat"},
    p.can_view_audit_log: {"admin"},
    p.can_export_faca: {"admin", "secretariat"},
    p.can_use_api: {"admin", "secretariat", "liaison", "council", "viewer"},
    p.is_staff: {"admin", "secretariat"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("check", list(TABLE), ids=lambda f: f.__name__)
def test_role_table(check, role):
    assert check(actor(role)) is (role in TABLE[check])


@pytest.mark.parametrize("check", list(TABLE), ids=lambda f: f.__name__)
def test_anonymous_and_inactive_users_may_do_nothing(check):
    assert check(ANONYMOUS) is False
    assert check(None) is False
    assert check(actor("admin", active=False)) is False


@pytest.mark.parametrize("role", ROLES)
def test_tokens_are_managed_by_their_owner_or_an_admin(role):
    me = actor(role, uid=7)
    other = SimpleNamespace(id=8)
    assert p.can_manage_tokens_of(me, SimpleNamespace(id=7)) is True
    assert p.can_manage_tokens_of(me, other) is (role == "admin")
    assert p.can_manage_tokens_of(ANONYMOUS, other) is False


# ---- action items ------------------------------------------------------------------------------
LEAD, SUPPORT, OTHER = 10, 20, 30


def item(status="open"):
    return SimpleNamespace(lead_agency_id=LEAD, status=status)


def liaison_of(agency_id):
    return actor("liaison", agency_id=agency_id)


ACTION_CASES = [
    # (who, check, expected)
    ("admin", lambda a: p.can_create_action_item(a), True),
    ("secretariat", lambda a: p.can_create_action_item(a), True),
    ("lead liaison", lambda a: p.can_create_action_item(a), False),
    ("council", lambda a: p.can_create_action_item(a), False),
    ("viewer", lambda a: p.can_create_action_item(a), False),
    ("secretariat", lambda a: p.can_edit_action_item(a, item()), True),
    ("lead liaison", lambda a: p.can_edit_action_item(a, item()), False),
    ("secretariat", lambda a: p.can_import_action_items(a), True),
    ("lead liaison", lambda a: p.can_import_action_items(a), False),
    ("secretariat", lambda a: p.can_change_status(a, item(), "cancelled"), True),
    ("secretariat", lambda a: p.can_change_status(a, item("cancelled"), "open"), True),
    ("lead liaison", lambda a: p.can_change_status(a, item(), "in_progress"), True),
    ("lead liaison", lambda a: p.can_change_status(a, item(), "done"), True),
    ("lead liaison", lambda a: p.can_change_status(a, item(), "cancelled"), False),
    ("lead liaison", lambda a: p.can_change_status(a, item("cancelled"), "open"), False),
    ("supporting liaison", lambda a: p.can_change_status(a, item(), "in_progress"), False),
    ("other liaison", lambda a: p.can_change_status(a, item(), "in_progress"), False),
    ("council", lambda a: p.can_change_status(a, item(), "in_progress"), False),
    ("viewer", lambda a: p.can_change_status(a, item(), "in_progress"), False),
    ("secretariat", lambda a: p.can_add_note(a, item(), [SUPPORT]), True),
    ("lead liaison", lambda a: p.can_add_note(a, item(), [SUPPORT]), True),
    ("supporting liaison", lambda a: p.can_add_note(a, item(), [SUPPORT]), True),
    ("other liaison", lambda a: p.can_add_note(a, item(), [SUPPORT]), False),
    ("council", lambda a: p.can_add_note(a, item(), [SUPPORT]), False),
    ("viewer", lambda a: p.can_add_note(a, item(), [SUPPORT]), False),
    *[(who, lambda a: p.can_view_action_items(a), True)
      for who in ("admin", "secretariat", "lead liaison", "other liaison", "council", "viewer")],
]
WHO = {
    "admin": lambda: actor("admin"), "secretariat": lambda: actor("secretariat"),
    "lead liaison": lambda: liaison_of(LEAD), "supporting liaison": lambda: liaison_of(SUPPORT),
    "other liaison": lambda: liaison_of(OTHER), "council": lambda: actor("council"), "viewer": lambda: actor("viewer"),
}


@pytest.mark.parametrize("who,check,expected", ACTION_CASES,
                         ids=[f"{w}-{i}" for i, (w, _, _) in enumerate(ACTION_CASES)])
def test_action_item_table(who, check, expected):
    assert check(WHO[who]()) is expected


def test_action_items_are_closed_to_anonymous_and_inactive():
    for a in (ANONYMOUS, None, actor("secretariat", active=False)):
        assert not p.can_view_action_items(a)
        assert not p.can_change_status(a, item(), "open")
        assert not p.can_add_note(a, item(), [])


# ---- the system (the `pitf` command, the scheduler, imports, demo data) -------------------------
# SYSTEM is no person: it may do only what the platform does on its own, and nothing a user's role grants.
SYSTEM_MAY = [p.can_manage_users, p.can_manage_agencies, p.can_manage_committees, p.can_manage_memberships,
              p.can_create_action_item]
SYSTEM_MAY_NOT = [p.is_signed_in, p.is_admin, p.is_staff, p.can_view_directory, p.can_view_audit_log, p.can_use_api,
                  p.can_view_action_items, p.can_import_action_items, p.can_draft_recommendation,
                  p.can_confirm_minutes_actions, p.can_order_annual_report]


@pytest.mark.parametrize("check", SYSTEM_MAY, ids=lambda f: f.__name__)
def test_the_system_does_what_the_platform_does_on_its_own(check):
    assert check(p.SYSTEM) is True


@pytest.mark.parametrize("check", SYSTEM_MAY_NOT, ids=lambda f: f.__name__)
def test_the_system_is_no_signed_in_person(check):
    assert check(p.SYSTEM) is False


def test_the_system_manages_tokens_and_plans_meetings_for_any_committee():
    no_access = SimpleNamespace(is_chair_or_co_chair=False, is_member=False)
    assert p.can_manage_tokens_of(p.SYSTEM, SimpleNamespace(id=8)) is True
    assert p.can_plan_meetings(p.SYSTEM, no_access) is True
    assert p.can_view_meeting(p.SYSTEM, SimpleNamespace(is_open=True), no_access) is False


def test_only_the_one_system_actor_is_the_system():
    assert p.is_system(p.SYSTEM)
    assert not p.is_system("system")  # the old string is no actor any more: it may do nothing
    assert p.can_manage_users("system") is False
    assert not p.is_system(actor("admin"))


def test_the_audit_log_records_the_system_as_the_system(db):
    from zoneinfo import ZoneInfo

    from pitf.services import audit, audit_log
    from tests.factories import create_user

    entry = audit.record(db, actor=p.SYSTEM, action="demo.scale", object_type="ActionItem")
    db.flush()
    assert (entry.actor_id, entry.actor_label) == (None, "system")
    entries, _total = audit_log.list_audit(session=db, actor=create_user(db, role="admin"), tz=ZoneInfo("UTC"),
                                           filters=audit_log.parse_audit_filters({"person": "system"}))
    assert entry in entries  # the audit page's person filter keeps its value "system" in the address
