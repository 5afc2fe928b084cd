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


def test_the_next_spog_meeting_starts_with_last_meetings_open_work(db, tmp_path):
    from pitf.models import ActionItem, Meeting
    from pitf.services import agendas

    load_demo(db, tmp_path)
    db.flush()
    last = db.execute(select(Meeting).where(Meeting.title == "Demo: SPOG quarterly meeting")).scalar_one()
    nxt = db.execute(select(Meeting).where(Meeting.title == "Demo: SPOG next quarterly meeting")).scalar_one()
    assert nxt.starts_at > last.starts_at and nxt.committee_id == last.committee_id
    rows = agendas.agenda_view(db, nxt).rows
    assert [r.item.title for r in rows] == ["Trauma-informed training for task forces", "Next steps",
                                           "Open commitments from Demo: SPOG quarterly meeting"]
    assert {r.item.carried_from_meeting_id for r in rows} == {last.id}
    refs = dict(db.execute(select(ActionItem.external_ref, ActionItem.id)).tuples().all())
    notes = rows[-1].item.notes_md
    assert f"/action-items/{refs['NAP-2026-01']})" in notes and f"/action-items/{refs['NAP-2026-02']})" in notes
    assert f"/action-items/{refs['NAP-2026-07']})" not in notes  # done: not carried


def test_the_demo_chair_prints_certified_minutes_as_a_tagged_pdf(app, db, tmp_path):
    from pitf.demo import CERTIFIED_MEETING
    from pitf.models import Meeting
    from pitf.services import meetings as mtg
    from pitf.services import minutes as mins
    from tests.conftest import sign_in_client
    from tests.pdfs import assert_accessible, pdf_text

    load_demo(db, tmp_path)
    db.flush()
    meeting = db.execute(select(Meeting).where(Meeting.title == CERTIFIED_MEETING)).scalar_one()
    minutes = mins.get_minutes(db, meeting)
    assert minutes is not None and minutes.status == "approved"
    chair = db.execute(select(User).where(User.email == "council.chair@pitf.example.gov")).scalar_one()
    assert minutes.approved_by_id == chair.id
    client = app.test_client()
    sign_in_client(client, chair)
    page = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/minutes.pdf">Minutes PDF</a>' in page
    pdf = client.get(f"/meetings/{meeting.id}/minutes.pdf")
    assert pdf.status_code == 200
    day = mtg.meeting_local_date(meeting).strftime("%B %-d, %Y")
    assert_accessible(pdf.data, f"Minutes: {CERTIFIED_MEETING}, {day}", tags=("H1", "H2", "Table", "TH"))
    text = pdf_text(pdf.data)
    assert "DRAFT" not in text and "I hereby certify that the minutes are an accurate and complete summary" in text
    assert f"Certified by {chair.name}, Chair" in text and "Members of the public (12)" in text



def test_the_demo_turns_the_second_factor_off_once_and_keeps_an_administrators_later_choice(db, tmp_path):
    from pitf.services import signin_policy

    load_demo(db, tmp_path)
    assert signin_policy.load(db).second_factor_roles == frozenset()
    admin = db.execute(select(User).where(User.email == "admin@pitf.example.gov")).scalar_one()
    signin_policy.save(session=db, actor=admin, second_factor_roles=["admin"], sso_roles=[])
    load_demo(db, tmp_path)
    assert signin_policy.load(db).second_factor_roles == {"admin"}
