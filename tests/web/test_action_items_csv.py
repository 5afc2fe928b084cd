"""The CSV pages: export of the filtered list, and the upload, preview and confirm of an import."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from pitf import create_app
from pitf.models import ActionItem
from pitf.services import actions
from pitf.settings import ROOT
from tests.conftest import TEST_SETTINGS
from tests.factories import committee

HEADER = "external_ref,title,description,committee,lead_agency,supporting_agencies,owner_email,due_date,status," \
         "pillar,priority\n"
CLEAN = HEADER + (
    "W-1,Train task forces,,Victim Services,DOJ,HHS,,2027-06-30,open,protection,high\n"
    "W-2,Screen imports,,Procurement and Supply Chains,DHS,DOL; DOS,,2027-03-31,open,prevention,normal\n"
)


def count(db):
    db.expire_all()
    return db.execute(select(func.count()).select_from(ActionItem)).scalar()


def upload(client, text: str | bytes, name: str = "items.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/action-items/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def payload_of(page: bytes) -> str:
    return unescape(re.search(r'name="payload" type="hidden" value="([^"]+)"', page.decode()).group(1))


def confirm(client, payload: str):
    return client.post("/action-items/import/confirm", data={"payload": payload})


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def make(db, staff, title, lead="DOJ", days=30, **over):
    data = {"title": title, "committee_id": committee(db, "Victim Services").id, "lead_agency": lead,
            "supporting_agencies": [], "due_date": (date.today() + timedelta(days=days)).isoformat(),
            "pillar": "protection"}
    data.update(over)
    item = actions.create_action_item(session=db, actor=staff, data=data)
    db.flush()
    return item


# ---- export ----------------------------------------------------------------------------------

def test_export_is_excel_safe_and_honours_the_filters(client_as, db, make_user):
    staff = make_user("secretariat")
    make(db, staff, "=HYPERLINK(\"http://evil.example\",\"x\")", lead="DOJ", days=-5)
    make(db, staff, "Other agency's item", lead="DHS")
    viewer = client_as("viewer")
    r = viewer.get("/action-items/export.csv?agency=DOJ&overdue=true")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="action-items-\d{4}-\d{2}-\d{2}\.csv"',
                        r.headers["Content-Disposition"])
    assert b"\r\n" in r.data
    rows = read_csv(r.data)
    assert [row["title"] for row in rows] == ["'=HYPERLINK(\"http://evil.example\",\"x\")"]
    assert rows[0]["lead_agency"] == "DOJ" and rows[0]["overdue"] == "yes"
    assert date.fromisoformat(rows[0]["due_date"]) == date.today() - timedelta(days=5)
    all_rows = read_csv(viewer.get("/action-items/export.csv").data)
    assert {"Other agency's item", "'=HYPERLINK(\"http://evil.example\",\"x\")"} <= {r["title"] for r in all_rows}


@pytest.mark.parametrize("query", ["status=nope", "due_after=tomorrow", "agency=NOPE"])
def test_export_with_a_bad_filter_is_a_422_page(client_as, query):
    r = client_as("viewer").get(f"/action-items/export.csv?{query}")
    assert r.status_code == 422 and b"<html" in r.data


def test_export_needs_sign_in(client):
    r = client.get("/action-items/export.csv")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# ---- import ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["liaison", "council", "viewer"])
def test_only_the_secretariat_imports(client_as, db, role):
    c = client_as(role)
    before = count(db)
    assert c.get("/action-items/import").status_code == 403
    assert upload(c, CLEAN).status_code == 403
    assert confirm(c, "anything").status_code == 403
    assert count(db) == before


def test_form_explains_the_columns_and_offers_the_example(client_as):
    c = client_as("secretariat")
    page = c.get("/action-items/import").data.decode()
    assert '<label class="usa-label" for="file">CSV file</label>' in page
    assert "/action-items/import/example.csv" in page
    for column in ("external_ref", "lead_agency", "supporting_agencies", "due_date", "pillar"):
        assert f"<code>{column}</code>" in page
    r = c.get("/action-items/import/example.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data == (ROOT / "docs/examples/action-items.csv").read_bytes()


def test_example_file_imports_cleanly_into_the_demo_data(client_as, db, tmp_path):
    from pitf.demo import load_demo

    load_demo(db, tmp_path)
    db.flush()
    c = client_as("secretariat")
    r = upload(c, (ROOT / "docs/examples/action-items.csv").read_bytes())
    assert r.status_code == 200, r.data.decode()
    assert b"Import 10 rows" in r.data


def test_file_with_problems_lists_them_by_line_and_imports_nothing(client_as, db):
    c = client_as("secretariat")
    text = HEADER + ("B-1,,,Victim Services,DOJ,,,2027-01-01,,protection,\n"
                     "B-2,Unknown agency,,Victim Services,XYZ,,,2027-01-01,,protection,\n"
                     "B-3,Bad date,,Victim Services,DOJ,,,31/12/2027,,protection,\n"
                     "B-4,Good,,Victim Services,DOJ,,,2027-01-01,,protection,\n")
    before = count(db)
    r = upload(c, text)
    assert r.status_code == 422
    page = r.data.decode()
    assert "The file has 3 problems; nothing was imported" in page
    for line, words in ((2, "title is missing"), (3, "Unknown lead agency &#39;XYZ&#39;"), (4, "Bad date")):
        assert re.search(rf'<th scope="row">{line}</th><td>[a-z_]+</td><td>[^<]*{words}', page), line
    assert 'name="payload"' not in page
    assert count(db) == before


def test_clean_file_previews_then_imports_and_a_second_import_adds_nothing(client_as, db):
    c = client_as("secretariat")
    before = count(db)
    r = upload(c, CLEAN)
    assert r.status_code == 200
    assert b"Import 2 rows" in r.data and b"Train task forces" in r.data
    assert count(db) == before  # the preview writes nothing
    r = confirm(c, payload_of(r.data))
    assert r.status_code == 302
    assert count(db) == before + 2
    with c.session_transaction() as s:
        assert ("success", "Imported: 2 created, 0 updated, 0 unchanged.") in s["_flashes"]
    r = upload(c, CLEAN)
    assert r.status_code == 200 and b"Unchanged" in r.data
    r = confirm(c, payload_of(r.data))
    assert r.status_code == 302 and count(db) == before + 2
    with c.session_transaction() as s:
        assert ("success", "Imported: 0 created, 0 updated, 2 unchanged.") in s["_flashes"]


def test_changed_row_updates_the_item(client_as, db):
    c = client_as("secretariat")
    confirm(c, payload_of(upload(c, CLEAN).data))
    r = upload(c, CLEAN.replace("Train task forces", "Train every task force"))
    assert b"<strong>Update</strong>: title" in r.data
    confirm(c, payload_of(r.data))
    db.expire_all()
    item = db.execute(select(ActionItem).where(ActionItem.external_ref == "W-1")).scalar_one()
    assert item.title == "Train every task force" and item.version == 2
    with c.session_transaction() as s:
        assert ("success", "Imported: 0 created, 1 updated, 1 unchanged.") in s["_flashes"]


def test_tampered_or_foreign_confirm_payload_is_refused(client_as, db, app):
    c = client_as("secretariat")
    payload = payload_of(upload(c, CLEAN).data)
    before = count(db)
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    assert confirm(c, tampered).status_code == 422
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("not-the-secret", salt="pitf.action-items.csv-import").dumps(
        {"u": c.user.id, "csv": CLEAN.replace("W-1", "EVIL-1")})
    assert confirm(c, forged).status_code == 422
    other = client_as("secretariat")
    assert confirm(other, payload).status_code == 422  # signed for someone else
    assert count(db) == before


def test_windows_1252_upload_is_read(client_as, db):
    c = client_as("secretariat")
    text = HEADER + "E-1,Café outreach – phase 2,,Victim Services,DOJ,,,2027-01-01,,protection,\n"
    r = upload(c, text.encode("cp1252"))
    assert r.status_code == 200 and "Café outreach – phase 2" in r.data.decode()
    assert b"read as Windows-1252" in r.data
    confirm(c, payload_of(r.data))
    db.expire_all()
    assert db.execute(select(ActionItem.title).where(ActionItem.external_ref == "E-1")).scalar() == \
        "Café outreach – phase 2"


def test_undecodable_and_empty_uploads_are_explained(client_as):
    c = client_as("secretariat")
    r = upload(c, b"\x81\x8d\x8f\x90")
    assert r.status_code == 422 and b"neither UTF-8 nor Windows-1252" in r.data
    r = upload(c, b"")
    assert r.status_code == 422 and b"The file is empty." in r.data
    r = c.post("/action-items/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and b"Choose a CSV file to import." in r.data


def test_export_then_import_creates_nothing(client_as, db):
    c = client_as("secretariat")
    make(db, c.user, "-Made on the page, no external_ref", description_md="@mention\r\n\r\n- list")
    confirm(c, payload_of(upload(c, CLEAN).data))
    before = count(db)
    exported = c.get("/action-items/export.csv").data
    r = upload(c, exported)
    assert r.status_code == 200, r.data.decode()
    assert f"Import {before} rows".encode() in r.data
    confirm(c, payload_of(r.data))
    assert count(db) == before
    with c.session_transaction() as s:
        assert ("success", f"Imported: 0 created, 0 updated, {before} unchanged.") in s["_flashes"]


@pytest.fixture
def csrf_staff(connection, tmp_path, make_user):
    """A signed-in secretariat client of an app that checks CSRF tokens, and its token."""
    from tests.conftest import sign_in_client

    app = create_app({**TEST_SETTINGS, "WTF_CSRF_ENABLED": True, "PITF_INSTANCE_PATH": str(tmp_path / "i")},
                     bind=connection)
    c = app.test_client()
    sign_in_client(c, make_user("secretariat"))
    page = c.get("/action-items/import").data.decode()
    return c, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_confirm_checks_its_csrf_token_when_csrf_is_on(csrf_staff, db):
    c, token = csrf_staff
    r = c.post("/action-items/import", data={"file": (io.BytesIO(CLEAN.encode()), "x.csv"), "csrf_token": token},
               content_type="multipart/form-data")
    assert r.status_code == 200
    payload = payload_of(r.data)
    before = count(db)
    assert c.post("/action-items/import/confirm", data={"payload": payload}).status_code == 400
    assert count(db) == before
    r = c.post("/action-items/import/confirm", data={"payload": payload, "csrf_token": token})
    assert r.status_code == 302 and count(db) == before + 2


def test_confirm_accepts_a_payload_larger_than_the_default_form_limit(csrf_staff):
    # A 5,000-row file, signed and compressed, can be larger than 500 kB (Werkzeug's limit for a multipart field;
    # the confirm form posts urlencoded, which that limit does not cover).
    c, token = csrf_staff
    r = c.post("/action-items/import/confirm", data={"payload": "x" * 2_000_000, "csrf_token": token})
    assert r.status_code == 422 and b"changed or damaged" in r.data  # read and refused, not 413
