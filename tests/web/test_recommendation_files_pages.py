"""A recommendation's documents: the authors attach evidence while drafting; who reads it."""

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pitf.models import Attachment
from pitf.permissions import SYSTEM
from pitf.services import rec_workflow
from pitf.services import recommendations as recs
from tests.conftest import sign_in_client
from tests.factories import cast, draft_in
from tests.unit.test_storage import PDF
from tests.web.test_files_pages import multipart


@pytest.fixture
def people(make_user):
    return cast(make_user, "author", "cosponsor", "council", "staff", "doj", "dol", "viewer")


@pytest.fixture
def draft(db, people):
    rec = recs.create_draft(session=db, actor=people["author"], rec_in=draft_in({
        "title": "Screen shelters", "body_md": "Screen for labor trafficking.", "pillar": "protection",
        "target_agencies": ["DOJ"], "co_sponsor_ids": [people["cosponsor"].id]}))
    db.flush()
    return rec


def as_(app, user):
    client = app.test_client()
    sign_in_client(client, user)
    return client


def upload(client, rec_id, name="testimony-summary.pdf"):
    return client.post(f"/recommendations/{rec_id}/attachments", **multipart(
        {"file": FileStorage(io.BytesIO(PDF), filename=name), "kind": "evidence"}))


def count(db):
    return db.execute(select(func.count()).select_from(Attachment)).scalar()


def test_authors_attach_evidence_while_drafting(app, db, people, draft):
    for who in ("author", "cosponsor"):
        r = upload(as_(app, people[who]), draft.id, f"{who}.pdf")
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
    page = as_(app, people["author"]).get(f"/recommendations/{draft.id}/attachments").get_data(as_text=True)
    assert "author.pdf" in page and "cosponsor.pdf" in page and "Evidence" in page
    for who in ("council", "staff", "doj"):  # someone else's draft does not exist for them
        assert as_(app, people[who]).get(f"/recommendations/{draft.id}/attachments").status_code == 404


def test_after_submission_only_the_secretariat_attaches(app, db, people, draft):
    rec_workflow.transition(session=db, actor=people["author"], rec_id=draft.id, version=draft.version, to="submitted")
    db.flush()
    before = count(db)
    assert upload(as_(app, people["author"]), draft.id).status_code == 403
    assert count(db) == before
    assert upload(as_(app, people["staff"]), draft.id).status_code == 302
    assert count(db) == before + 1


@pytest.mark.parametrize("who,status", [("author", 200), ("council", 200), ("staff", 200), ("doj", 200),
                                        ("dol", 403), ("viewer", 403)])
def test_who_reads_the_evidence(app, db, people, draft, who, status):
    upload(as_(app, people["author"]), draft.id)
    rec_workflow.transition(session=db, actor=people["author"], rec_id=draft.id, version=draft.version, to="submitted")
    db.flush()
    attachment = db.execute(select(Attachment).where(Attachment.recommendation_id == draft.id)).scalar_one()
    client = as_(app, people[who])
    assert client.get(f"/recommendations/{draft.id}/attachments").status_code == status
    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == (200 if status == 200 else 404)
    if status == 200:
        assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()


def test_the_api_follows_the_same_rules(client, db, people, draft):
    from pitf.services.tokens import create_token
    from tests.api.test_files_api import post_file

    def headers(user):
        _row, token = create_token(session=db, actor=SYSTEM, user=user)
        db.flush()
        return {"Authorization": f"Bearer {token}"}

    url = f"/api/v1/recommendations/{draft.id}/attachments"
    assert post_file(client, url, headers(people["cosponsor"]), "a.pdf", PDF, kind="evidence").status_code == 201
    assert post_file(client, url, headers(people["council"]), "b.pdf", PDF, kind="evidence").status_code == 404
    rec_workflow.transition(session=db, actor=people["author"], rec_id=draft.id, version=draft.version, to="submitted")
    db.flush()
    assert post_file(client, url, headers(people["author"]), "c.pdf", PDF, kind="evidence").status_code == 403
    assert client.get(url, headers=headers(people["doj"])).status_code == 200
    assert client.get(url, headers=headers(people["dol"])).status_code == 403
