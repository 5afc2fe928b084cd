"""The demo loader: complete, and a second run changes nothing."""

from sqlalchemy import func, select
from sqlmodel import SQLModel

from pitf.demo import DEMO_USERS, load_demo
from pitf.models import User


def _counts(db):
    return {name: db.execute(select(func.count()).select_from(table)).scalar()
            for name, table in SQLModel.metadata.tables.items()}


def test_demo_loader_is_idempotent(db, tmp_path):
    created = load_demo(db, tmp_path)
    db.flush()
    assert {role for role, _, _ in created} == {"admin", "secretariat", "liaison", "council", "viewer"}
    before = _counts(db)
    again = load_demo(db, tmp_path)
    db.flush()
    assert again == []
    assert _counts(db) == before


def test_demo_passwords_are_generated_and_written_privately(db, tmp_path):
    created = load_demo(db, tmp_path)
    logins = tmp_path / "demo-logins.txt"
    assert logins.stat().st_mode & 0o777 == 0o600
    text = logins.read_text()
    passwords = [p for _, _, p in created]
    assert len(set(passwords)) == len(DEMO_USERS)
    assert all(p in text and len(p) >= 12 for p in passwords)
    other = tmp_path / "other"
    db2_created = [p for _, _, p in load_demo(db, other)]
    assert db2_created == []  # users exist: no new passwords, nothing printed


def test_demo_users_can_sign_in(app, db, tmp_path):
    created = load_demo(db, tmp_path)
    db.flush()
    for role, email, password in created:
        r = app.test_client().post("/login", data={"email": email, "password": password})
        # the demo asks no second factor (README, Sign-in): the password alone leads to the dashboard
        assert r.status_code == 302 and r.headers["Location"] == "/dashboard", (role, email)
    liaison = db.execute(select(User).where(User.email == "liaison.doj@pitf.example.gov")).scalar_one()
    assert liaison.role == "liaison"


def test_the_demo_turns_the_second_factor_off_once_and_keeps_an_administrators_later_choice(db, tmp_path):
    from pitf.services import signin_policy

    load_demo(db, tmp_path)
    assert signin_policy.load(db).second_factor_roles == frozenset()
    admin = db.execute(select(User).where(User.email == "admin@pitf.example.gov")).scalar_one()
    signin_policy.save(session=db, actor=admin, second_factor_roles=["admin"], sso_roles=[])
    load_demo(db, tmp_path)
    assert signin_policy.load(db).second_factor_roles == {"admin"}
