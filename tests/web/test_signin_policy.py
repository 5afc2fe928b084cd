"""The sign-in policy: which roles need a second factor, which must sign in through single sign-on, and the
administrator's way back in."""

import pytest
from sqlalchemy import select

from pitf.errors import Forbidden, ValidationFailed
from pitf.models import AuditEntry
from pitf.permissions import SYSTEM
from pitf.services import signin_policy, users
from tests.factories import PASSWORD


def login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_the_default_asks_a_second_factor_of_administrators_and_the_secretariat(db):
    policy = signin_policy.load(db)
    assert policy.second_factor_roles == {"admin", "secretariat"}
    assert policy.sso_roles == frozenset()


def test_an_administrator_saves_the_policy_on_its_page_and_it_is_audited(client_as, db):
    c = client_as("admin")
    page = c.get("/admin/sign-in")
    assert page.status_code == 200 and "Sign-in policy" in page.get_data(as_text=True)
    r = c.post("/admin/sign-in", data={"second_factor_roles": ["admin", "secretariat", "liaison"],
                                       "sso_roles": ["liaison"]})
    assert r.status_code == 302
    policy = signin_policy.load(db)
    assert policy.second_factor_roles == {"admin", "secretariat", "liaison"}
    assert policy.sso_roles == {"liaison"}
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "settings.signin")).scalar_one()
    assert entry.changes["sso_roles"] == [[], ["liaison"]]
    assert entry.actor_id == c.user.id


@pytest.mark.parametrize("role", ["secretariat", "liaison", "council", "viewer"])
def test_only_administrators_change_the_policy(client_as, db, role):
    c = client_as(role)
    assert c.get("/admin/sign-in").status_code == 403
    assert c.post("/admin/sign-in", data={"sso_roles": ["viewer"]}).status_code == 403
    assert signin_policy.load(db).sso_roles == frozenset()
    with pytest.raises(Forbidden):
        signin_policy.save(session=db, actor=c.user, second_factor_roles=[], sso_roles=["viewer"])


def test_an_unknown_role_is_refused_and_nothing_changes(client_as, db):
    c = client_as("admin")
    r = c.post("/admin/sign-in", data={"second_factor_roles": ["admin", "emperor"]})
    assert r.status_code == 422 and "Unknown role: emperor" in r.get_data(as_text=True)
    assert signin_policy.load(db).second_factor_roles == {"admin", "secretariat"}


def test_a_role_that_must_use_sso_can_no_longer_sign_in_with_its_password(client, make_user, db):
    liaison = make_user("liaison", agency="DOJ")
    signin_policy.save(session=db, actor=make_user("admin"), second_factor_roles=[], sso_roles=["liaison"])
    r = login(client, liaison.email)
    assert r.status_code == 200 and "signs in through single sign-on" in r.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # not signed in
    refused = db.execute(select(AuditEntry).where(AuditEntry.action == "user.sign_in_refused")).scalar_one()
    assert refused.object_id == liaison.id
    # a wrong password still gets the generic answer: the policy is not told to someone guessing
    r = login(client, liaison.email, "not the password at all")
    assert "The email or password is not correct." in r.get_data(as_text=True)


def test_administrators_cannot_be_made_to_use_sso_without_a_way_back_in(client_as, db):
    c = client_as("admin")
    r = c.post("/admin/sign-in", data={"sso_roles": ["admin"]})
    assert r.status_code == 422 and "First mark one active administrator" in r.get_data(as_text=True)
    assert signin_policy.load(db).sso_roles == frozenset()


def test_the_way_back_in_keeps_its_password_and_the_others_lose_theirs(client, client_as, make_user, db):
    admin = client_as("admin")
    keeper = make_user("admin")
    other = make_user("admin")
    r = admin.post(f"/admin/users/{keeper.id}", data={
        "email": keeper.email, "name": keeper.name, "title": "", "role": "admin", "agency": "",
        "local_sign_in_allowed": "y", "version": keeper.version})
    assert r.status_code == 302
    db.refresh(keeper)
    assert keeper.local_sign_in_allowed
    assert admin.post("/admin/sign-in", data={"sso_roles": ["admin"]}).status_code == 302
    assert "signs in through single sign-on" in login(client, other.email).get_data(as_text=True)
    assert login(client, keeper.email).status_code == 302
    page = admin.get("/admin/sign-in").get_data(as_text=True)
    assert keeper.email in page and other.email not in page


def test_the_last_way_back_in_cannot_be_removed_or_deactivated(make_user, db):
    admin = make_user("admin")
    keeper = make_user("admin")
    users.update_user(session=db, actor=admin, user=keeper, version=keeper.version, user_in={
        "email": keeper.email, "name": keeper.name, "role": "admin", "local_sign_in_allowed": True})
    signin_policy.save(session=db, actor=admin, second_factor_roles=[], sso_roles=["admin"])
    with pytest.raises(ValidationFailed) as err:
        users.update_user(session=db, actor=admin, user=keeper, version=keeper.version, user_in={
            "email": keeper.email, "name": keeper.name, "role": "admin", "local_sign_in_allowed": False})
    assert "last administrator" in err.value.fields["local_sign_in_allowed"]
    with pytest.raises(ValidationFailed):
        users.update_user(session=db, actor=admin, user=keeper, version=keeper.version, user_in={
            "email": keeper.email, "name": keeper.name, "role": "secretariat", "local_sign_in_allowed": False})
    with pytest.raises(ValidationFailed):
        users.set_active(session=db, actor=admin, user=keeper, active=False)
    db.refresh(keeper)
    assert keeper.is_active and keeper.local_sign_in_allowed and keeper.role == "admin"


def test_only_an_administrator_account_can_be_the_way_back_in(db):
    with pytest.raises(ValidationFailed) as err:
        users.create_user(session=db, actor=SYSTEM, user_in={
            "email": "x@test.example.gov", "name": "X", "role": "viewer", "password": PASSWORD,
            "local_sign_in_allowed": True})
    assert "Only an administrator" in err.value.fields["local_sign_in_allowed"]


def test_a_password_sign_in_is_audited_with_its_method(client, make_user, db):
    user = make_user("viewer")
    assert login(client, user.email).status_code == 302
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "user.signed_in")).scalar_one()
    assert entry.changes["method"] == [None, "password"]
