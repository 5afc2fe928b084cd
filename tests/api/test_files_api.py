"""The documents and calendar API: multipart uploads, JSON errors (413, 422, 403, 404), downloads, .ics and the feed."""

import io
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from pitf.models import Attachment, Membership, Recommendation
from pitf.services import calendar as cal
from pitf.services import meetings as mtg
from tests.factories import committee, meeting_in
from tests.unit.test_storage import ELF, PDF, SVG, png_bytes

MB = 1024 * 1024


def meeting_of(db, staff, body="Victim Services", is_open=True):
    m = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, body).id, "title": "Working session", "starts_at": "2027-03-15T10:00:00",
        "ends_at": "2027-03-15T11:00:00", "is_open": is_open}))
    db.flush()
    return m


def multipart(fields: dict) -> dict:
    boundary, body = encode_multipart(MultiDict(fields))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def post_file(client, url, headers, name, data, kind="received"):
    return client.post(url, headers=headers,
                       **multipart({"file": FileStorage(io.BytesIO(data), filename=name), "kind": kind}))


def rows(db) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(Attachment)).scalar()


def stored_files(settings) -> list:
    root = Path(settings["PITF_INSTANCE_PATH"]) / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_list_download_and_remove(db, client, api_as, staff):
    m = meeting_of(db, staff)
    headers, user = api_as("secretariat")
    r = post_file(client, f"/api/v1/meetings/{m.id}/attachments", headers, "slides.pdf", PDF, kind="issued")
    assert r.status_code == 201, r.json
    body = r.json
    assert {"id", "filename", "size", "content_type", "kind", "uploaded_by", "created_at"} <= set(body)
    assert (body["filename"], body["size"], body["content_type"], body["kind"], body["uploaded_by"]) == (
        "slides.pdf", len(PDF), "application/pdf", "issued", user.name)
    assert r.headers["Location"] == f"/api/v1/attachments/{body['id']}"
    assert "Set-Cookie" not in r.headers

    listing = client.get(f"/api/v1/meetings/{m.id}/attachments", headers=headers).json
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"] and listing["page"] == 1

    with client.get(f"/api/v1/attachments/{body['id']}", headers=headers) as r:
        assert r.status_code == 200 and r.data == PDF
        assert r.headers["Content-Type"] == "application/pdf"
        assert r.headers["Content-Disposition"].startswith("attachment;") and "slides.pdf" in \
            r.headers["Content-Disposition"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r.headers["Content-Security-Policy"]

    assert client.delete(f"/api/v1/attachments/{body['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/attachments/{body['id']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/meetings/{m.id}/attachments", headers=headers).json["total"] == 0


@pytest.mark.parametrize("name,data", [("report.pdf", ELF), ("logo.svg", SVG), ("photo.png", PDF)])
def test_refused_types_are_422_and_write_nothing(db, client, api_as, staff, settings, name, data):
    m = meeting_of(db, staff)
    headers, _ = api_as("secretariat")
    r = post_file(client, f"/api/v1/meetings/{m.id}/attachments", headers, name, data)
    assert r.status_code == 422
    assert r.json["error"]["code"] == "invalid" and "file" in r.json["error"]["fields"]
    assert rows(db) == 0 and stored_files(settings) == []


def test_bad_kind_no_file_and_not_multipart_are_422(db, client, api_as, staff):
    m = meeting_of(db, staff)
    headers, _ = api_as("secretariat")
    url = f"/api/v1/meetings/{m.id}/attachments"
    r = post_file(client, url, headers, "a.png", png_bytes(), kind="confidential")
    assert r.status_code == 422 and "kind" in r.json["error"]["fields"]
    r = client.post(url, headers=headers, **multipart({"kind": "other"}))
    assert r.status_code == 422 and "file" in r.json["error"]["fields"]
    r = client.post(url, headers=headers, json={"file": "JVBERi0xLjQ=", "kind": "other"})
    assert r.status_code == 422 and "multipart" in r.json["error"]["message"]
    assert rows(db) == 0


def test_too_large_is_413_json_at_the_exact_limit(db, client, api_as, staff, settings):
    m = meeting_of(db, staff)
    headers, _ = api_as("secretariat")
    url = f"/api/v1/meetings/{m.id}/attachments"
    r = post_file(client, url, headers, "big.pdf", PDF + b"0" * (25 * MB + 1 - len(PDF)))
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
    assert "25 MB" in r.json["error"]["message"]
    assert rows(db) == 0 and stored_files(settings) == []
    # over the server's request limit: Flask refuses before the view, still in JSON
    r = post_file(client, url, headers, "huge.pdf", PDF + b"0" * (26 * MB))
    assert r.status_code == 413 and r.headers["Content-Type"] == "application/json"
    assert r.json["error"]["code"] == "too_large" and "larger than 25 MB" in r.json["error"]["message"]
    r = post_file(client, url, headers, "fits.pdf", PDF + b"0" * (25 * MB - len(PDF)))
    assert r.status_code == 201 and r.json["size"] == 25 * MB


def test_closed_meeting_is_404_to_non_members_and_403_for_non_planners(db, client, api_as, staff):
    closed = meeting_of(db, staff, is_open=False)
    headers, _ = api_as("secretariat")
    attachment_id = post_file(client, f"/api/v1/meetings/{closed.id}/attachments", headers, "a.pdf", PDF).json["id"]
    outsider, _ = api_as("viewer")
    for url in (f"/api/v1/meetings/{closed.id}/attachments", f"/api/v1/attachments/{attachment_id}",
                f"/api/v1/meetings/{closed.id}.ics"):
        r = client.get(url, headers=outsider)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", url
    assert post_file(client, f"/api/v1/meetings/{closed.id}/attachments", outsider, "b.pdf", PDF).status_code == 404
    assert client.delete(f"/api/v1/attachments/{attachment_id}", headers=outsider).status_code == 404

    member_headers, member = api_as("viewer")
    db.add(Membership(committee_id=closed.committee_id, user_id=member.id, role="member"))
    db.flush()
    assert client.get(f"/api/v1/meetings/{closed.id}/attachments", headers=member_headers).json["total"] == 1
    r = post_file(client, f"/api/v1/meetings/{closed.id}/attachments", member_headers, "b.pdf", PDF)
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert client.delete(f"/api/v1/attachments/{attachment_id}", headers=member_headers).status_code == 403
    assert rows(db) == 1


def test_unknown_ids_and_no_token(db, client, api_as, staff):
    headers, _ = api_as("secretariat")
    for url in ("/api/v1/meetings/999999/attachments", "/api/v1/attachments/999999", "/api/v1/meetings/999999.ics",
                "/api/v1/recommendations/999999/attachments", "/api/v1/attachments/99999999999"):
        assert client.get(url, headers=headers).status_code == 404, url
    m = meeting_of(db, staff)
    for url in (f"/api/v1/meetings/{m.id}/attachments", f"/api/v1/meetings/{m.id}.ics", "/api/v1/attachments/1"):
        assert client.get(url).status_code == 401


# ---- recommendations (for now: the secretariat attaches; the secretariat and the filer read) -----------

def recommendation(db, filer, status="submitted") -> Recommendation:
    rec = Recommendation(report_year=2027, title="Fund shelters", pillar="protection", status=status,
                         filed_by_id=filer.id)
    db.add(rec)
    db.flush()
    return rec


def test_recommendation_documents(db, client, api_as, make_user):
    filer_headers, filer = api_as("council")
    rec = recommendation(db, filer)
    staff_headers, _ = api_as("secretariat")
    url = f"/api/v1/recommendations/{rec.id}/attachments"
    r = post_file(client, url, staff_headers, "evidence.pdf", PDF, kind="evidence")
    assert r.status_code == 201 and r.json["recommendation_id"] == rec.id and r.json["meeting_id"] is None
    attachment_id = r.json["id"]
    assert client.get(url, headers=filer_headers).json["total"] == 1
    with client.get(f"/api/v1/attachments/{attachment_id}", headers=filer_headers) as dl:
        assert dl.status_code == 200 and dl.data == PDF
    assert post_file(client, url, filer_headers, "mine.pdf", PDF).status_code == 403
    other, _ = api_as("liaison", agency="DOJ")
    assert client.get(url, headers=other).status_code == 403
    assert client.get(f"/api/v1/attachments/{attachment_id}", headers=other).status_code == 404
    assert post_file(client, "/api/v1/recommendations/999999/attachments", staff_headers, "x.pdf",
                     PDF).status_code == 404
    draft = recommendation(db, make_user("council"), status="draft")
    assert client.get(f"/api/v1/recommendations/{draft.id}/attachments", headers=other).status_code == 404


# ---- calendars --------------------------------------------------------------------------------------

def test_meeting_ics(db, client, api_as, staff):
    m = meeting_of(db, staff)
    headers, _ = api_as("viewer")
    r = client.get(f"/api/v1/meetings/{m.id}.ics", headers=headers)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f"meeting-{m.id}.ics" in r.headers["Content-Disposition"]
    ev = Calendar.from_ical(r.data).walk("VEVENT")[0]
    assert str(ev["UID"]) == f"meeting-{m.id}@pitf.platform" and str(ev["STATUS"]) == "CONFIRMED"


def test_feed_needs_no_token_and_stops_after_reset(db, client, make_user, staff):
    person = make_user("viewer")
    db.add(Membership(committee_id=committee(db, "Victim Services").id, user_id=person.id, role="member"))
    m = meeting_of(db, staff, is_open=False)
    old = cal.ensure_feed_secret(session=db, actor=person)
    db.flush()
    r = client.get(f"/api/v1/calendar/{old}.ics")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f"meeting-{m.id}@pitf.platform" in {str(e["UID"]) for e in Calendar.from_ical(r.data).walk("VEVENT")}
    new = cal.reset_feed_secret(session=db, actor=person)
    db.flush()
    r = client.get(f"/api/v1/calendar/{old}.ics")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/calendar/{new}.ics").status_code == 200
