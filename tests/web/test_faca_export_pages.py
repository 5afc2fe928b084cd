"""The FACA Database export from the body's page: who gets it, the zip, the messages; and the FACA fields of the
meeting and membership forms and of the API."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from pitf.models import Meeting, Membership, User
from pitf.reference import COUNCIL, SPOG
from pitf.services import faca_export
from pitf.services.federal_clocks import federal_today
from tests.factories import committee
from tests.web.test_meetings_pages import form_for

CURRENT_FY = faca_export.fiscal_year_of(federal_today())


@pytest.mark.parametrize("role", ["admin", "secretariat"])
def test_the_committee_management_officer_downloads_the_zip(client_as, db, role):
    c = client_as(role)
    council = committee(db, COUNCIL)
    page = c.get(f"/committees/{council.id}").get_data(as_text=True)
    assert "FACA Database export" in page and f'<option value="{CURRENT_FY}"' in page
    r = c.get(f"/committees/{council.id}/faca-export?fiscal_year={CURRENT_FY}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/zip"
    assert r.headers["Content-Disposition"] == f'attachment; filename="faca-council-fy{CURRENT_FY}.zip"'
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as zf:
        assert set(zf.namelist()) == {"README.txt", "committee.csv", "meetings.csv", "members.csv", "reports.csv",
                                      "recommendations.csv"}
    form_page = c.get(f"/committees/{council.id}/faca-export")
    assert form_page.status_code == 200 and "What the zip holds" in form_page.get_data(as_text=True)


@pytest.mark.parametrize("role, kw", [("liaison", {"agency": "DOJ"}), ("council", {}), ("viewer", {})])
def test_others_are_refused(client_as, db, role, kw):
    c = client_as(role, **kw)
    council = committee(db, COUNCIL)
    assert "FACA Database export" not in c.get(f"/committees/{council.id}").get_data(as_text=True)
    assert c.get(f"/committees/{council.id}/faca-export?fiscal_year={CURRENT_FY}").status_code == 403
    assert c.get(f"/committees/{council.id}/faca-export").status_code == 403
    assert c.get("/committees/999999/faca-export").status_code == 404


@pytest.mark.parametrize("raw, message", [
    ("twenty", "Enter a fiscal year as four digits, e.g. 2026"),
    (str(CURRENT_FY + 1), f"FY{CURRENT_FY + 1} has not begun"),
    ("1999", "has no record before FY"),
])
def test_bad_years_get_the_page_with_a_message(client_as, db, raw, message):
    council = committee(db, COUNCIL)
    r = client_as("secretariat").get(f"/committees/{council.id}/faca-export?fiscal_year={raw}")
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("text/html")
    assert message in r.get_data(as_text=True)


def test_a_body_outside_faca_gets_a_message_not_a_file(client_as, db):
    spog = committee(db, SPOG)
    c = client_as("admin")
    assert "FACA Database export" not in c.get(f"/committees/{spog.id}").get_data(as_text=True)
    r = c.get(f"/committees/{spog.id}/faca-export?fiscal_year={CURRENT_FY}")
    assert r.status_code == 422
    assert "does not follow FACA procedures" in r.get_data(as_text=True)


def test_meeting_form_saves_the_faca_fields(client_as, db):
    c = client_as("secretariat")
    r = c.post("/meetings/new", data=form_for(db, COUNCIL, title="FACA fields", access="partly_closed",
                                              purpose="Hear the public", federal_register_citation="91 FR 7001",
                                              federal_register_notice_date="2027-02-20"))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    m = db.execute(select(Meeting).where(Meeting.title == "FACA fields")).scalar_one()
    assert (m.is_open, m.partly_closed, m.purpose, m.federal_register_citation) == \
        (True, True, "Hear the public", "91 FR 7001")
    edit = c.get(f"/meetings/{m.id}/edit").get_data(as_text=True)
    assert 'value="partly_closed" checked' in edit and 'value="91 FR 7001"' in edit
    page = c.get(f"/meetings/{m.id}").get_data(as_text=True)
    assert "Partly closed meeting" in page and "Hear the public" in page and "91 FR 7001" in page
    bad = c.post("/meetings/new", data=form_for(db, COUNCIL, title="Bad cite", federal_register_citation="p. 7"))
    assert bad.status_code == 422 and "e.g. 91 FR 12345" in bad.get_data(as_text=True)


def test_membership_forms_save_the_appointment(client_as, db, make_user):
    c = client_as("secretariat")
    council = committee(db, COUNCIL)
    person = make_user("council")
    r = c.post(f"/admin/committees/{council.id}/members", data={
        "member_type": "person", "user_id": str(person.id), "agency": "", "role": "member",
        "appointment_type": "special_government_employee", "started_on": "01/15/2026", "term_ends_on": "2028-01-14"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    m = db.execute(select(Membership).where(Membership.user_id == person.id)).scalar_one()
    assert (m.appointment_type, m.started_on, m.term_ends_on) == \
        ("special_government_employee", date(2026, 1, 15), date(2028, 1, 14))
    listed = c.get(f"/admin/committees/{council.id}/members").get_data(as_text=True)
    assert "Special government employee" in listed
    page = c.get(f"/admin/memberships/{m.id}/appointment")
    assert page.status_code == 200
    r = c.post(f"/admin/memberships/{m.id}/appointment", data={
        "appointment_type": "representative", "started_on": "2026-01-15", "term_ends_on": "2027-01-14",
        "version": str(m.version)})
    assert r.status_code == 302
    db.refresh(m)
    assert (m.appointment_type, m.term_ends_on) == ("representative", date(2027, 1, 14))
    bad = c.post(f"/admin/memberships/{m.id}/appointment", data={
        "appointment_type": "representative", "started_on": "2026-01-15", "term_ends_on": "2025-02-30",
        "version": str(m.version)})
    assert bad.status_code == 422 and "February 30, 2025 does not exist" in bad.get_data(as_text=True)
    assert client_as("council").get(f"/admin/memberships/{m.id}/appointment").status_code == 403


def test_api_shows_the_faca_fields(app, db, api_as, make_user):
    headers, _user = api_as("secretariat")
    council = committee(db, COUNCIL)
    client = app.test_client()
    r = client.post("/api/v1/meetings", headers=headers, json={
        "committee_id": council.id, "title": "API FACA", "starts_at": "2027-04-01T10:00:00-04:00",
        "ends_at": "2027-04-01T12:00:00-04:00", "partly_closed": True, "purpose": "Public comment",
        "federal_register_citation": "92 FR 101"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["partly_closed"], body["purpose"], body["federal_register_citation"]) == \
        (True, "Public comment", "92 FR 101")
    r = client.patch(f"/api/v1/meetings/{body['id']}", headers=headers,
                     json={"version": body["version"], "is_open": False})
    assert r.status_code == 422 and "partly_closed" in r.get_json()["error"]["fields"]
    r = client.patch(f"/api/v1/meetings/{body['id']}", headers=headers,
                     json={"version": body["version"], "federal_register_citation": "nope"})
    assert r.status_code == 422 and "91 FR 12345" in r.get_json()["error"]["fields"]["federal_register_citation"]
    person = make_user("council")
    db.add(Membership(committee_id=council.id, user_id=person.id, role="member", started_on=date(2026, 1, 15),
                      appointment_type="representative", term_ends_on=date(2028, 1, 14)))
    db.flush()
    members = client.get(f"/api/v1/committees/{council.id}", headers=headers).get_json()["members"]
    mine = next(m for m in members if m.get("user_id") == person.id)
    assert (mine["since"], mine["appointment_type"], mine["term_ends_on"]) == \
        ("2026-01-15", "representative", "2028-01-14")


def test_the_demo_councils_fy2026_export_opens_with_its_columns_described(app, db, tmp_path):
    import csv

    from pitf.demo import load_demo
    from tests.conftest import sign_in_client

    load_demo(db, tmp_path)
    db.flush()
    admin = db.execute(select(User).where(User.email == "admin@pitf.example.gov")).scalar_one()
    c = app.test_client()
    sign_in_client(c, admin)
    council = committee(db, COUNCIL)
    r = c.get(f"/committees/{council.id}/faca-export?fiscal_year=2026")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.get_data())) as zf:
        readme = zf.read("README.txt").decode("utf-8")
        files = {name: list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
                 for name in zf.namelist() if name.endswith(".csv")}
    meetings = [(m["title"], m["meeting_type"], m["federal_register_citation"], bool(m["purpose"]))
                for m in files["meetings.csv"]]
    assert meetings == [("Demo: Advisory Council FY2026 spring meeting", "Open", "91 FR 8542", True),
                        ("Demo: Advisory Council FY2026 summer meeting", "Partially closed", "91 FR 40117", True)]
    members = {m["member_name"]: (m["role"], m["appointment_type"], m["appointment_end"])
               for m in files["members.csv"]}
    assert members["Robin Ellis"] == ("Chair", "Special government employee", "2027-01-14")
    assert members["Taylor Brooks"] == ("Member", "Special government employee", "2026-07-31")
    assert members["Sam Rivera"][:2] == ("Designated federal officer", "Regular government employee")
    for name, rows in files.items():
        assert f"{name}: " in readme
        for column in (rows[0] if rows else {}):
            assert f"  {column}: " in readme
