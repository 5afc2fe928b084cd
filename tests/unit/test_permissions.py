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
