"""Document pages (upload, list, download, removal), .ics downloads, the personal feed and its profile controls."""

import io
import re
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from pitf.models import Attachment, Membership, User
from pitf.permissions import SYSTEM
from pitf.services import meetings as mtg
from pitf.services import users
from tests.factories import committee, meeting_in
from tests.unit.test_storage import ELF, HTML, PDF, PE, SVG, png_bytes

MB = 1024 * 1024


def meeting_of(db, staff, body="Victim Services", is_open=True, title="Working session"):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": title, "starts_at": "2027-03-15T10:00:00",
        "ends_at": "2027-03-15T11:00:00", "is_open": is_open, "location": "Room 101"}))
    db.flush()
    return m


def multipart(fields: dict) -> dict:
    """A multipart body built in memory (the test client's own spills big ones to a file it never closes)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, meeting_id, name, data, kind="received"):
    return client.post(f"/meetings/{meeting_id}/attachments",
                       **multipart({"file": FileStorage(io.BytesIO(data), filename=name), "kind": kind}))


def stored_files(settings) -> list[Path]:
    root = Path(settings["PITF_INSTANCE_PATH"]) / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def attachment_rows(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Attachment)).scalar()


def only_attachment(db, meeting_id) -> Attachment:
    db.expire_all()
    return db.execute(select(Attachment).where(Attachment.meeting_id == meeting_id)).scalar_one()


def test_staff_upload_list_and_download(db, client_as, staff, settings):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    page = c.get(f"/meetings/{m.id}/attachments").get_data(as_text=True)
    assert "Type is checked by content; at most 25 MB" in page and 'enctype="multipart/form-data"' in page
    r = upload(c, m.id, "read-ahead.pdf", PDF, kind="issued")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/meetings/{m.id}/attachments")
    a = only_attachment(db, m.id)
    assert (a.filename, a.kind, a.content_type, a.size) == ("read-ahead.pdf", "issued", "application/pdf", len(PDF))
    assert len(stored_files(settings)) == 1
    page = c.get(f"/meetings/{m.id}/attachments").get_data(as_text=True)
    assert "read-ahead.pdf" in page and "Issued" in page and f"{len(PDF)} bytes" in page
    assert c.user.name in page or "Secretariat Person" in page

    with c.get(f"/attachments/{a.id}") as r:  # a download streams the stored file: close it
        assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "read-ahead.pdf" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert int(r.headers["Content-Length"]) == len(PDF)


def test_download_name_in_utf8(db, client_as, staff):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    assert upload(c, m.id, "Résumé des débats.png", png_bytes()).status_code == 302
    with c.get(f"/attachments/{only_attachment(db, m.id).id}") as r:
        assert r.headers["Content-Type"] == "image/png"
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20des%20d%C3%A9bats.png" in r.headers["Content-Disposition"]


@pytest.mark.parametrize("name,data,detected", [
    ("minutes.pdf", ELF, "application/x-executable"),
    ("minutes.pdf", PE, "portable-executable"),
    ("agenda.html", HTML, "text/html"),
    ("logo.svg", SVG, "image/svg+xml"),
])
def test_refused_types_show_what_was_found_and_write_nothing(db, client_as, staff, settings, name, data, detected):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    before = attachment_rows(db)
    r = upload(c, m.id, name, data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "not accepted" in page and detected in page
    assert attachment_rows(db) == before and stored_files(settings) == []


def test_empty_file_and_no_file(db, client_as, staff, settings):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    r = upload(c, m.id, "empty.pdf", b"")
    assert r.status_code == 422 and "The file is empty." in r.get_data(as_text=True)
    r = c.post(f"/meetings/{m.id}/attachments", **multipart({"kind": "received"}))
    assert r.status_code == 422 and "Choose a file to upload." in r.get_data(as_text=True)
    assert attachment_rows(db) == 0 and stored_files(settings) == []


def test_the_size_limit_boundary(db, client_as, staff, settings):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    limit = 25 * MB
    r = upload(c, m.id, "too-big.pdf", PDF + b"0" * (limit + 1 - len(PDF)))
    assert r.status_code == 413
    assert "The file is larger than 25 MB" in r.get_data(as_text=True)
    assert attachment_rows(db) == 0 and stored_files(settings) == []
    r = upload(c, m.id, "just-fits.pdf", PDF + b"0" * (limit - len(PDF)))
    assert r.status_code == 302
    assert only_attachment(db, m.id).size == limit


def test_a_request_over_the_server_limit_gets_a_clear_page(db, client_as, staff, settings):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    r = upload(c, m.id, "huge.pdf", PDF + b"0" * (26 * MB))
    assert r.status_code == 413
    page = r.get_data(as_text=True)
    assert "File too large" in page and "The file is larger than 25 MB" in page
    assert attachment_rows(db) == 0 and stored_files(settings) == []


def test_closed_meeting_documents_are_404_to_non_members(db, client_as, staff, make_user):
    m = meeting_of(db, staff, is_open=False)
    c = client_as("secretariat")
    upload(c, m.id, "a.pdf", PDF)
    a = only_attachment(db, m.id)
    outsider = client_as("viewer")
    for url in (f"/meetings/{m.id}/attachments", f"/attachments/{a.id}", f"/meetings/{m.id}.ics"):
        assert outsider.get(url).status_code == 404, url
    assert upload(outsider, m.id, "b.pdf", PDF).status_code == 404
    assert outsider.post(f"/attachments/{a.id}/remove").status_code == 404
    member = client_as("viewer")
    db.add(Membership(committee_id=m.committee_id, user_id=member.user.id, role="member"))
    db.flush()
    for url in (f"/meetings/{m.id}/attachments", f"/attachments/{a.id}", f"/meetings/{m.id}.ics"):
        with member.get(url) as r:
            assert r.status_code == 200, url


def test_members_read_but_only_planners_upload_and_remove(db, client_as, staff):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    upload(c, m.id, "a.pdf", PDF)
    a = only_attachment(db, m.id)
    reader = client_as("viewer")
    page = reader.get(f"/meetings/{m.id}/attachments").get_data(as_text=True)
    assert "a.pdf" in page and "Add a document" not in page and "Remove" not in page
    assert upload(reader, m.id, "b.pdf", PDF).status_code == 403
    assert reader.post(f"/attachments/{a.id}/remove").status_code == 403
    chair = client_as("viewer")
    db.add(Membership(committee_id=m.committee_id, user_id=chair.user.id, role="co_chair"))
    db.flush()
    assert "Add a document" in chair.get(f"/meetings/{m.id}/attachments").get_data(as_text=True)
    assert upload(chair, m.id, "c.pdf", PDF).status_code == 302


def test_removal_is_soft(db, client_as, staff, settings):
    m = meeting_of(db, staff)
    c = client_as("secretariat")
    upload(c, m.id, "old-draft.pdf", PDF)
    a = only_attachment(db, m.id)
    r = c.post(f"/attachments/{a.id}/remove")
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Attachment, a.id).deleted_at is not None
    assert len(stored_files(settings)) == 1  # kept for the record
    assert "old-draft.pdf" not in c.get(f"/meetings/{m.id}/attachments").get_data(as_text=True).split("</h1>")[1] \
        .split("Add a document")[0].replace("“old-draft.pdf” was removed.", "")
    assert c.get(f"/attachments/{a.id}").status_code == 404
    assert c.post(f"/attachments/{a.id}/remove").status_code == 404


def test_pages_need_a_sign_in(db, client, staff):
    m = meeting_of(db, staff)
    for url in (f"/meetings/{m.id}/attachments", f"/meetings/{m.id}.ics", "/attachments/1"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_unknown_and_huge_ids_are_404(client_as):
    c = client_as("secretariat")
    for url in ("/meetings/999999/attachments", "/attachments/999999", "/meetings/999999.ics",
                "/meetings/99999999999/attachments", "/attachments/99999999999", "/meetings/99999999999.ics"):
        assert c.get(url).status_code == 404, url


# ---- calendars -----------------------------------------------------------------------------------

def test_meeting_ics_download(db, client_as, staff):
    m = meeting_of(db, staff)
    r = client_as("viewer").get(f"/meetings/{m.id}.ics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="meeting-{m.id}.ics"' in r.headers["Content-Disposition"]
    ev = Calendar.from_ical(r.data).walk("VEVENT")[0]
    assert str(ev["UID"]) == f"meeting-{m.id}@pitf.platform"


def feed_url_on_profile(c) -> str | None:
    page = c.get("/account/").get_data(as_text=True)
    found = re.search(r'id="feed-url" type="text" value="([^"]+)"', page)
    return found.group(1) if found else None


def test_profile_feed_controls_and_the_feed_without_a_session(db, client_as, client, staff):
    person = client_as("viewer")
    db.add(Membership(committee_id=committee(db, "Victim Services").id, user_id=person.user.id, role="member"))
    db.flush()
    mine = meeting_of(db, staff, is_open=False, title="Closed VS meeting")
    theirs = meeting_of(db, staff, body="Grantmaking", is_open=False, title="Closed grants meeting")

    page = person.get("/account/").get_data(as_text=True)
    assert "Create my calendar feed" in page and "Reset the feed address" not in page
    assert person.post("/account/calendar-feed").status_code == 302
    page = person.get("/account/").get_data(as_text=True)
    assert "Reset the feed address" in page and "Create my calendar feed" not in page
    url = feed_url_on_profile(person)
    assert url.startswith("http") and url.endswith(".ics")
    path = "/calendar/" + url.rsplit("/calendar/", 1)[1]

    r = client.get(path)  # no session at all
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in r.headers
    uids = {str(e["UID"]) for e in Calendar.from_ical(r.data).walk("VEVENT")}
    assert f"meeting-{mine.id}@pitf.platform" in uids
    assert f"meeting-{theirs.id}@pitf.platform" not in uids

    assert person.post("/account/calendar-feed/reset").status_code == 302
    new_url = feed_url_on_profile(person)
    assert new_url != url
    assert client.get(path).status_code == 404
    assert client.get("/calendar/" + new_url.rsplit("/calendar/", 1)[1]).status_code == 200

    db.expire_all()
    user = db.get(User, person.user.id)
    users.set_active(session=db, actor=SYSTEM, user=user, active=False)
    db.flush()
    assert client.get("/calendar/" + new_url.rsplit("/calendar/", 1)[1]).status_code == 404


def test_unknown_feed_is_404(client):
    assert client.get("/calendar/" + "x" * 32 + ".ics").status_code == 404
    assert client.get("/calendar/nope.ics").status_code == 404
