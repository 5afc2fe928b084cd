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
        assert r.status_code == 302, (role, email)
    liaison = db.execute(select(User).where(User.email == "liaison.doj@pitf.example.gov")).scalar_one()
    assert liaison.role == "liaison"
