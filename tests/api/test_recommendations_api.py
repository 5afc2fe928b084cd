"""The recommendations API: draft privacy, create, submit numbering, the transition table per role, responses
all or nothing, conflicts, audit, query counts."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    AuditEntry,
    Recommendation,
    RecommendationEvent,
    RecommendationTarget,
)
from pitf.permissions import SYSTEM
from pitf.services import actions, rec_workflow
from pitf.services import recommendations as recs
from tests.factories import agency, cast, committee

TODAY = datetime.now(UTC).date()  # the API's "today" is the UTC date
BASE = "/api/v1/recommendations"
STATUSES = list(recs.STATUS_LABELS)
PATCH_KEYS = ["title", "body_md", "rationale_md", "pillar", "report_year", "target_agencies", "co_sponsor_ids",
              "drafting_committee_id", "status", "note", "response_due", "priority", "version"]


def due(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


@pytest.fixture
def people(api_as):
    """name -> (headers, user): the authors, other Council members, staff, liaisons and a viewer."""
    return cast(api_as, "author", "cosponsor", "other", "staff", "admin", "doj", "dhs", "dol", "viewer")


def h(people, name: str) -> dict:
    return people[name][0]


def user(people, name: str):
    return people[name][1]


def payload(people, **over) -> dict:
    body = {"title": "Screen for labor trafficking in shelters", "body_md": "Agencies **should** screen.",
            "rationale_md": "Survivors report *gaps*.", "pillar": "protection", "target_agencies": ["DOJ", "dhs"],
            "co_sponsor_ids": [user(people, "cosponsor").id], "report_year": 2027}
    body.update(over)
    return body


def create(client, people, who="author", **over) -> dict:
    r = client.post(BASE, headers=h(people, who), json=payload(people, **over))
    assert r.status_code == 201, r.json
    return r.json


def patch(client, people, who, rec: dict, **body):
    return client.patch(f"{BASE}/{rec['id']}", headers=h(people, who), json={"version": rec["version"], **body})


def move(client, people, who, rec: dict, to: str, **body) -> dict:
    r = patch(client, people, who, rec, status=to, **body)
    assert r.status_code == 200, r.json
    return r.json


def reach(client, people, status: str, **over) -> dict:
    """A recommendation brought to *status* through the API by the people allowed to."""
    rec = create(client, people, **over)
    if status == "draft":
        return rec
    rec = move(client, people, "author", rec, "submitted")
    if status == "submitted":
        return rec
    if status == "withdrawn":
        return move(client, people, "author", rec, "withdrawn")
    rec = move(client, people, "staff", rec, "under_review")
    if status == "under_review":
        return rec
    rec = move(client, people, "staff", rec, "open")
    if status == "open":
        return rec
    return move(client, people, "staff", rec, status, note="Decided at the June meeting.")


def count(db, model) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(model)).scalar()


def stored(db, rec_id: int) -> Recommendation:
    db.expire_all()
    return db.get(Recommendation, rec_id)


def audit_actions(db, rec_id: int) -> list[str]:
    db.expire_all()
    return list(db.execute(select(AuditEntry.action).where(
        AuditEntry.object_type == "Recommendation", AuditEntry.object_id == rec_id).order_by(AuditEntry.id)).scalars())


def snapshot(db, rec_id: int) -> tuple:
    """What a refused write must leave as it was."""
    rec = stored(db, rec_id)
    events = db.execute(select(func.count()).select_from(RecommendationEvent).where(
        RecommendationEvent.recommendation_id == rec_id)).scalar()
    targets = sorted((t.agency_id, t.response_due) for t in db.execute(select(RecommendationTarget).where(
        RecommendationTarget.recommendation_id == rec_id)).scalars())
    return (rec.status, rec.version, rec.number, rec.priority, rec.title, events, tuple(targets),
            tuple(audit_actions(db, rec_id)), count(db, AgencyResponse), count(db, ActionItem))


# ---- authentication, missing objects, malformed input ----------------------------------------------

ENDPOINTS = [("get", ""), ("post", ""), ("get", "/1"), ("patch", "/1"), ("post", "/1/submit"),
             ("post", "/1/withdraw"), ("get", "/1/responses"), ("post", "/1/responses")]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_no_token_is_401(client, method, path):
    r = getattr(client, method)(BASE + path, json={"version": 1})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("method,path,body", [
    ("get", "/{id}", None), ("patch", "/{id}", {"version": 1, "title": "x"}), ("post", "/{id}/submit", {"version": 1}),
    ("post", "/{id}/withdraw", {"version": 1}), ("get", "/{id}/responses", None),
    ("post", "/{id}/responses", {"agency": "DOJ", "position": "concur", "response_md": "Yes."}),
])
@pytest.mark.parametrize("missing", [999999, 2**31, 10**30])
def test_missing_recommendation_is_json_404_on_every_endpoint(client, people, method, path, body, missing):
    kw = {"json": body} if body is not None else {}
    r = getattr(client, method)(BASE + path.format(id=missing), headers=h(people, "doj"), **kw)
    assert r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("method,path", [("post", ""), ("patch", "/{id}"), ("post", "/{id}/submit"),
                                         ("post", "/{id}/withdraw"), ("post", "/{id}/responses")])
@pytest.mark.parametrize("data", ["{not json", "[1, 2]", '"text"', "", "null"])
def test_malformed_json_is_400_and_writes_nothing(client, db, people, method, path, data):
    rec = reach(client, people, "submitted")
    before = snapshot(db, rec["id"]), count(db, Recommendation)
    r = getattr(client, method)(BASE + path.format(id=rec["id"]),
                                headers={**h(people, "author"), "Content-Type": "application/json"}, data=data)
    assert r.status_code == 400 and r.is_json and r.json["error"]["code"] == "bad_request"
    assert (snapshot(db, rec["id"]), count(db, Recommendation)) == before


@pytest.mark.parametrize("data,status", [
    ("[" * 100_000, 400),
    ('{"title": "a\\u0000b"}', 422),
    ('{"body_md": "a\\ud800b"}', 422),
    ('{"target_agencies": ["DHS", "a\\u0000"]}', 422),
    ('{"report_year": 1' + "0" * 5000 + "}", 400),
])
def test_hostile_json_is_refused_not_a_500(client, db, people, data, status):
    before = count(db, Recommendation)
    merged = json.dumps(payload(people))[:-1] + ", " + data[1:] if data.startswith("{") else data
    r = client.post(BASE, headers={**h(people, "author"), "Content-Type": "application/json"}, data=merged)
    assert r.status_code == status and r.is_json, r.get_data(as_text=True)[:200]
    assert count(db, Recommendation) == before


# ---- drafts: creating, privacy, editing ------------------------------------------------------------

def test_a_council_member_drafts_a_recommendation(client, db, people):
    r = client.post(BASE, headers=h(people, "author"), json=payload(people, body_md="<script>x()</script>**Do**"))
    assert r.status_code == 201, r.json
    rec = r.json
    assert r.headers["Location"].endswith(f"{BASE}/{rec['id']}")
    assert rec["number"] is None and rec["status"] == "draft" and rec["version"] == 1
    assert rec["title"] == "Screen for labor trafficking in shelters" and rec["pillar"] == "protection"
    assert rec["target_agencies"] == ["DHS", "DOJ"] and rec["co_sponsor_ids"] == [user(people, "cosponsor").id]
    assert rec["filed_by"] == user(people, "author").id and rec["report_year"] == 2027
    assert rec["priority"] is False and rec["submitted_at"] is None and rec["closed_at"] is None
    assert rec["response_due"] == {}
    assert "<script" not in rec["body_html"] and "<strong>Do</strong>" in rec["body_html"]
    assert rec["rationale_html"] == "<p>Survivors report <em>gaps</em>.</p>"
    assert set(rec) >= {"id", "number", "title", "body_md", "body_html", "rationale_md", "rationale_html", "pillar",
                        "status", "target_agencies", "co_sponsor_ids", "report_year", "priority", "filed_by",
                        "submitted_at", "closed_at", "response_due", "version"}
    assert client.get(r.headers["Location"], headers=h(people, "author")).json == rec
    assert client.get(r.headers["Location"], headers=h(people, "cosponsor")).json == rec
    assert audit_actions(db, rec["id"]) == ["recommendation.created"]


@pytest.mark.parametrize("who", ["staff", "admin", "doj", "viewer"])
def test_only_council_members_draft(client, db, people, who):
    before = count(db, Recommendation)
    r = client.post(BASE, headers=h(people, who), json=payload(people))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert count(db, Recommendation) == before


@pytest.mark.parametrize("change,field", [
    ({"target_agencies": ["DOJ", "NOPE"]}, "target_agencies"),
    ({"target_agencies": "DOJ"}, "target_agencies"),
    ({"target_agencies": [1]}, "target_agencies"),
    ({"pillar": "punishment"}, "pillar"),
    ({"pillar": None}, "pillar"),
    ({"pillar": ["protection"]}, "pillar"),
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": 42}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"body_md": {"a": 1}}, "body_md"),
    ({"rationale_md": 7}, "rationale_md"),
    ({"report_year": 1850}, "report_year"),
    ({"report_year": "2027"}, "report_year"),
    ({"report_year": True}, "report_year"),
    ({"co_sponsor_ids": ["12"]}, "co_sponsor_ids"),
    ({"co_sponsor_ids": 12}, "co_sponsor_ids"),
    ({"co_sponsor_ids": [2**40]}, "co_sponsor_ids"),
    ({"status": "open"}, "status"),
    ({"number": "2027-01"}, "number"),
    ({"version": 1}, "version"),
])
def test_invalid_create_is_422_naming_the_field_and_creates_nothing(client, db, people, change, field):
    before = count(db, Recommendation)
    r = client.post(BASE, headers=h(people, "author"), json=payload(people, **change))
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "invalid" and field in r.json["error"]["fields"]
    assert count(db, Recommendation) == before


def test_co_sponsors_must_be_council_members(client, db, people):
    before = count(db, Recommendation)
    r = client.post(BASE, headers=h(people, "author"), json=payload(people, co_sponsor_ids=[user(people, "doj").id]))
    assert r.status_code == 422 and "co_sponsor_ids" in r.json["error"]["fields"]
    assert count(db, Recommendation) == before


def test_every_liaison_and_non_author_gets_404_for_a_draft(client, db, people, api_as):
    rec = create(client, people)
    outsiders = [h(people, who) for who in ("other", "staff", "admin", "viewer", "doj", "dhs", "dol")]
    outsiders += [api_as("liaison", agency=acronym)[0]  # a liaison of every agency
                  for acronym in db.execute(select(Agency.acronym)).scalars()]
    before = snapshot(db, rec["id"])
    for headers in outsiders:
        for method, path, body in [("get", "", None), ("patch", "", {"version": 1, "title": "Mine"}),
                                   ("patch", "", {"version": 1, "status": "submitted"}),
                                   ("post", "/submit", {"version": 1}), ("post", "/withdraw", {"version": 1}),
                                   ("get", "/responses", None),
                                   ("post", "/responses", {"agency": "DOJ", "position": "concur",
                                                           "response_md": "Yes."})]:
            kw = {"json": body} if body is not None else {}
            r = getattr(client, method)(f"{BASE}/{rec['id']}{path}", headers=headers, **kw)
            assert r.status_code == 404 and r.json["error"]["code"] == "not_found", (method, path)
        listed = client.get(f"{BASE}?per_page=200", headers=headers).json
        assert rec["id"] not in {i["id"] for i in listed["items"]}
        assert client.get(f"{BASE}?status=draft", headers=headers).json["total"] == 0
        assert client.get(f"{BASE}?q=labor", headers=headers).json["total"] == 0
    assert snapshot(db, rec["id"]) == before
    for who in ("author", "cosponsor"):
        assert rec["id"] in {i["id"] for i in client.get(BASE, headers=h(people, who)).json["items"]}


def test_authors_edit_a_draft_and_a_stale_version_is_409_with_the_current(client, db, people):
    rec = create(client, people)
    r = patch(client, people, "cosponsor", rec, title="Screen in every shelter", target_agencies=["DOL"],
              rationale_md="**New** data.")
    assert r.status_code == 200, r.json
    edited = r.json
    assert edited["title"] == "Screen in every shelter" and edited["target_agencies"] == ["DOL"]
    assert edited["version"] == 2 and edited["rationale_html"] == "<p><strong>New</strong> data.</p>"
    before = snapshot(db, rec["id"])
    r = patch(client, people, "author", rec, title="An older edit")  # still version 1
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    current = r.json["error"]["current"]
    assert current["version"] == 2 and current["title"] == "Screen in every shelter"
    assert current == client.get(f"{BASE}/{rec['id']}", headers=h(people, "author")).json
    assert snapshot(db, rec["id"]) == before
    assert audit_actions(db, rec["id"]) == ["recommendation.created", "recommendation.updated"]
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.updated",
                                                AuditEntry.object_id == rec["id"])).scalar_one()
    assert entry.actor_id == user(people, "cosponsor").id
    assert entry.changes["title"] == ["Screen for labor trafficking in shelters", "Screen in every shelter"]


def test_a_write_between_read_and_flush_is_409_not_500(client, db, people, monkeypatch):
    """Another transaction bumps the version after the check and before the flush (StaleDataError)."""
    rec = create(client, people)
    real_check = recs.check_version

    def check_then_race(obj, version, **kw):
        real_check(obj, version, **kw)
        from pitf.db import get_session

        get_session().connection().execute(update(Recommendation).where(Recommendation.id == obj.id)
                                           .values(version=Recommendation.version + 1, title="Changed meanwhile"))

    monkeypatch.setattr(recs, "check_version", check_then_race)
    r = patch(client, people, "author", rec, title="Mine")
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert "same moment" in r.json["error"]["message"]
    assert r.json["error"]["current"]["id"] == rec["id"] and r.json["error"]["current"]["version"] == 1
    assert (stored(db, rec["id"]).title, stored(db, rec["id"]).version) == (rec["title"], 1)
    assert audit_actions(db, rec["id"]) == ["recommendation.created"]


@pytest.mark.parametrize("body,field", [
    ({"title": "No version"}, "version"),
    ({"title": "x", "version": "1"}, "version"),
    ({"version": 1, "title": ""}, "title"),
    ({"version": 1, "target_agencies": ["NOPE"]}, "target_agencies"),
    ({"version": 1, "filed_by": 1}, "filed_by"),
    ({"version": 1, "title": "Both", "status": "submitted"}, "status"),
    ({"version": 1, "pillar": "prevention", "priority": True}, "priority"),
    ({"version": 1, "body_md": "x", "note": "why"}, "note"),
    ({"version": 1, "note": "A note alone"}, "note"),
    ({"version": 1, "response_due": {"DOJ": "2030-01-01"}}, "response_due"),
    ({"version": 1, "status": "finished"}, "status"),
    ({"version": 1, "status": 3}, "status"),
])
def test_invalid_patch_is_422_and_changes_nothing(client, db, people, body, field):
    rec = create(client, people)
    before = snapshot(db, rec["id"])
    r = client.patch(f"{BASE}/{rec['id']}", headers=h(people, "author"), json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert snapshot(db, rec["id"]) == before


def test_an_empty_patch_is_422(client, db, people):
    rec = create(client, people)
    r = patch(client, people, "author", rec)
    assert r.status_code == 422 and "Nothing to change" in r.json["error"]["message"]


def test_a_submitted_recommendation_is_read_only_for_its_authors(client, db, people):
    rec = reach(client, people, "submitted")
    before = snapshot(db, rec["id"])
    for who in ("author", "cosponsor"):
        r = patch(client, people, who, rec, title="Late change")
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    r = patch(client, people, "staff", rec, title="Staff change")
    assert r.status_code == 403
    assert snapshot(db, rec["id"]) == before


# ---- submitting and withdrawing --------------------------------------------------------------------

def test_submit_assigns_numbers_in_sequence_per_year(client, db, people):
    first, second = create(client, people, report_year=2031), create(client, people, report_year=2031, title="Two")
    other_year = create(client, people, report_year=2032)
    r = client.post(f"{BASE}/{second['id']}/submit", headers=h(people, "cosponsor"), json={"version": 1})
    assert r.status_code == 200, r.json
    assert r.json["number"] == "2031-01" and r.json["status"] == "submitted" and r.json["version"] == 2
    assert datetime.fromisoformat(r.json["submitted_at"]).tzinfo is not None
    numbers = [client.post(f"{BASE}/{rec['id']}/submit", headers=h(people, "author"),
                           json={"version": 1}).json["number"] for rec in (first, other_year)]
    assert numbers == ["2031-02", "2032-01"]
    for number in ("2031-01", "2031-02", "2032-01"):
        assert len(number.split("-")[1]) == 2 and number[:4].isdigit()
    assert audit_actions(db, first["id"]) == ["recommendation.created", "recommendation.submitted"]
    # now everyone reads them
    listed = client.get(f"{BASE}?year=2031&sort=-number", headers=h(people, "viewer")).json
    assert [i["number"] for i in listed["items"]] == ["2031-02", "2031-01"]


def test_submit_without_a_target_agency_is_422_naming_it(client, db, people):
    rec = create(client, people, target_agencies=[])
    before = snapshot(db, rec["id"])
    r = client.post(f"{BASE}/{rec['id']}/submit", headers=h(people, "author"), json={"version": 1})
    assert r.status_code == 422 and "target_agencies" in r.json["error"]["fields"]
    assert snapshot(db, rec["id"]) == before and stored(db, rec["id"]).number is None


@pytest.mark.parametrize("body,status,code", [
    ({}, 422, "invalid"), ({"version": "1"}, 422, "invalid"), ({"version": 1, "title": "x"}, 422, "invalid"),
    ({"version": 7}, 409, "conflict"),
])
def test_bad_submit_writes_nothing(client, db, people, body, status, code):
    rec = create(client, people)
    before = snapshot(db, rec["id"])
    r = client.post(f"{BASE}/{rec['id']}/submit", headers=h(people, "author"), json=body)
    assert r.status_code == status and r.json["error"]["code"] == code
    if status == 409:
        assert r.json["error"]["current"]["version"] == 1 and r.json["error"]["current"]["number"] is None
    assert snapshot(db, rec["id"]) == before


def test_submitting_twice_is_an_invalid_transition(client, db, people):
    rec = reach(client, people, "submitted")
    before = snapshot(db, rec["id"])
    r = client.post(f"{BASE}/{rec['id']}/submit", headers=h(people, "author"), json={"version": rec["version"]})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    assert snapshot(db, rec["id"]) == before


@pytest.mark.parametrize("status", ["submitted", "under_review"])
def test_authors_withdraw_while_submitted_or_under_review(client, db, people, status):
    rec = reach(client, people, status)
    for who in ("staff", "doj", "other"):
        r = client.post(f"{BASE}/{rec['id']}/withdraw", headers=h(people, who), json={"version": rec["version"]})
        assert r.status_code == 403, who
    r = client.post(f"{BASE}/{rec['id']}/withdraw", headers=h(people, "cosponsor"),
                    json={"version": rec["version"], "note": "Merged into another."})
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    assert audit_actions(db, rec["id"])[-1] == "recommendation.withdrawn"


@pytest.mark.parametrize("status", ["draft", "open", "closed_implemented", "withdrawn"])
def test_withdrawing_elsewhere_is_an_invalid_transition(client, db, people, status):
    rec = reach(client, people, status)
    before = snapshot(db, rec["id"])
    r = client.post(f"{BASE}/{rec['id']}/withdraw", headers=h(people, "author"), json={"version": rec["version"]})
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    assert snapshot(db, rec["id"]) == before


# ---- the transition table, per role ------------------------------------------------------------------

ROLES = ["author", "cosponsor", "other", "staff", "admin", "doj", "viewer"]
AUTHORS, STAFF = ("author", "cosponsor"), ("staff", "admin")  # tuples: xdist workers must collect in one order


def expected(source: str, target: str, who: str) -> int:
    if source == "draft" and who not in AUTHORS:
        return 404
    move_ = rec_workflow.TRANSITIONS.get((source, target))
    if move_ is None:
        return 409
    allowed = AUTHORS if move_.who == "author" else STAFF
    return 200 if who in allowed else 403


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_each_move_the_table_refuses_is_refused_and_changes_nothing(client, db, people, source, target):
    rec = reach(client, people, source)
    before = snapshot(db, rec["id"])
    for who in ROLES:
        want = expected(source, target, who)
        if want == 200:
            continue
        r = patch(client, people, who, rec, status=target, note="Because.")
        assert r.status_code == want, (who, r.json)
        code = {404: "not_found", 409: "invalid_transition", 403: "forbidden"}[want]
        assert r.json["error"]["code"] == code
        assert snapshot(db, rec["id"]) == before, who


@pytest.mark.parametrize("source,target,who", [
    (s, t, w) for (s, t), m in rec_workflow.TRANSITIONS.items() for w in (AUTHORS if m.who == "author" else STAFF)])
def test_each_move_of_the_table_is_made_by_its_role(client, db, people, source, target, who):
    rec = reach(client, people, source)
    events_before = snapshot(db, rec["id"])[5]
    r = patch(client, people, who, rec, status=target, note="Because.")
    assert r.status_code == 200, r.json
    assert r.json["status"] == target and r.json["version"] == rec["version"] + 1
    assert (r.json["closed_at"] is not None) == (target in rec_workflow.CLOSED)
    if target == "submitted":
        assert r.json["number"] and r.json["submitted_at"]
    after = stored(db, rec["id"])
    assert after.status == target
    assert audit_actions(db, rec["id"])[-1] == f"recommendation.{target}"
    event = db.execute(select(RecommendationEvent).where(RecommendationEvent.recommendation_id == rec["id"])
                       .order_by(RecommendationEvent.id.desc())).scalars().first()
    assert (event.from_status, event.to_status, event.actor_id) == (source, target, user(people, who).id)
    assert snapshot(db, rec["id"])[5] == events_before + 1


@pytest.mark.parametrize("source,target", [(s, t) for (s, t), m in rec_workflow.TRANSITIONS.items() if m.note_required])
@pytest.mark.parametrize("note", [None, "", "   "])
def test_a_note_is_required_to_return_close_or_reopen(client, db, people, source, target, note):
    rec = reach(client, people, source)
    before = snapshot(db, rec["id"])
    body = {} if note is None else {"note": note}
    r = patch(client, people, "staff", rec, status=target, **body)
    assert r.status_code == 422 and "note" in r.json["error"]["fields"], r.json
    assert snapshot(db, rec["id"]) == before


def test_a_returned_draft_is_private_again_and_editable(client, db, people):
    rec = reach(client, people, "under_review")
    rec = move(client, people, "staff", rec, "draft", note="Name the shelters' funding source.")
    assert rec["number"] is not None  # the number stays with it
    assert client.get(f"{BASE}/{rec['id']}", headers=h(people, "staff")).status_code == 404
    r = patch(client, people, "author", rec, body_md="Funded by **OVC**.")
    assert r.status_code == 200 and r.json["status"] == "draft"


def test_opening_sets_a_due_date_per_agency_and_the_priority(client, app, db, people):
    app.config["PITF_RESPONSE_DAYS"] = 30
    rec = reach(client, people, "under_review", target_agencies=["DOJ", "DHS", "DOL"])
    r = patch(client, people, "staff", rec, status="open", response_due={"DOJ": due(10), "dhs": due(45)},
              priority=True)
    assert r.status_code == 200, r.json
    assert r.json["response_due"] == {"DOJ": due(10), "DHS": due(45), "DOL": due(30)}
    assert r.json["priority"] is True and r.json["status"] == "open"
    targets = dict(db.execute(select(
        RecommendationTarget.agency_id, RecommendationTarget.response_due).where(
        RecommendationTarget.recommendation_id == rec["id"])).all())
    assert targets[agency(db, "DOL").id] == TODAY + timedelta(days=30)
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.open",
                                                AuditEntry.object_id == rec["id"])).scalar_one()
    assert entry.changes["response_due"][1]["DHS"] == due(45) and entry.changes["priority"] == [False, True]


def test_opening_defaults_to_60_days(client, db, people):
    rec = reach(client, people, "open")
    assert rec["response_due"] == {"DHS": due(60), "DOJ": due(60)}


@pytest.mark.parametrize("response_due,field", [
    ({"NOPE": "2040-01-01"}, "response_due"),
    ({"DOL": "2040-01-01"}, "response_due"),  # not a target of this one
    ({"DOJ": "2040-02-30"}, "response_due.DOJ"),
    ({"DOJ": "soon"}, "response_due.DOJ"),
    ({"DOJ": "2001-01-01"}, "response_due.DOJ"),
    ({"DOJ": 20400101}, "response_due"),
    (["DOJ"], "response_due"),
])
def test_bad_response_dates_are_422_and_nothing_opens(client, db, people, response_due, field):
    rec = reach(client, people, "under_review")
    before = snapshot(db, rec["id"])
    r = patch(client, people, "staff", rec, status="open", response_due=response_due)
    assert r.status_code == 422 and field in r.json["error"]["fields"], r.json
    assert snapshot(db, rec["id"]) == before


def test_a_stale_transition_is_409_with_the_current(client, db, people):
    rec = reach(client, people, "submitted")
    reviewed = move(client, people, "staff", rec, "under_review")
    before = snapshot(db, rec["id"])
    r = patch(client, people, "admin", {**reviewed, "version": rec["version"]}, status="open")
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert r.json["error"]["current"]["version"] == reviewed["version"]
    assert r.json["error"]["current"]["status"] == "under_review"
    assert snapshot(db, rec["id"]) == before


def test_the_secretariat_flags_a_priority_alone(client, db, people):
    rec = reach(client, people, "submitted")
    for who in ("author", "doj", "viewer"):
        before = snapshot(db, rec["id"])
        r = patch(client, people, who, rec, priority=True)
        assert r.status_code == 403, who
        assert snapshot(db, rec["id"]) == before
    r = patch(client, people, "staff", rec, priority=True)
    assert r.status_code == 200 and r.json["priority"] is True and r.json["status"] == "submitted"
    assert r.json["version"] == rec["version"] + 1
    stale = patch(client, people, "staff", rec, priority=False)
    assert stale.status_code == 409 and stale.json["error"]["current"]["priority"] is True
    assert audit_actions(db, rec["id"])[-1] == "recommendation.priority"
    flagged = stale.json["error"]["current"]
    r = patch(client, people, "staff", flagged, priority=None)
    assert r.status_code == 422 and "priority" in r.json["error"]["fields"]
    r = patch(client, people, "staff", flagged, priority="yes")
    assert r.status_code == 422 and "true or false" in r.json["error"]["fields"]["priority"]


# ---- responses ------------------------------------------------------------------------------------------

def respond(client, people, who, rec, **over):
    body = {"agency": "DOJ", "position": "concur", "response_md": "DOJ **agrees**."}
    body.update(over)
    return client.post(f"{BASE}/{rec['id']}/responses", headers=h(people, who), json=body)


def doj_item(db, **over) -> ActionItem:
    data = {"title": "Existing DOJ work", "committee_id": committee(db, "Victim Services").id, "lead_agency": "DOJ",
            "due_date": due(90), "pillar": "protection"}
    data.update(over)
    item = actions.create_action_item(session=db, actor=SYSTEM, data=data)
    db.flush()
    return item


def test_a_response_creates_two_action_items_and_links_them(client, db, people):
    rec = reach(client, people, "open")
    existing = doj_item(db)
    r = respond(client, people, "doj", rec, position="partially_concur", action_item_ids=[existing.id],
                new_action_items=[{"title": "Train shelter staff", "due_date": due(120)},
                                  {"title": "Publish screening guide", "due_date": due(200),
                                   "description_md": "With **HHS** input."}])
    assert r.status_code == 201, r.json
    body = r.json
    assert body["agency"] == "DOJ" and body["position"] == "partially_concur" and body["revision"] == 1
    assert body["is_current"] is True and body["author"] == user(people, "doj").name
    assert body["response_html"] == "<p>DOJ <strong>agrees</strong>.</p>" and body["due_date"] == due(60)
    created = body["created_action_item_ids"]
    assert len(created) == 2 and existing.id not in created
    assert sorted(body["action_item_ids"]) == sorted([existing.id, *created])
    db.expire_all()
    items = db.execute(select(ActionItem).where(ActionItem.id.in_(created)).order_by(ActionItem.id)).scalars().all()
    assert [i.title for i in items] == ["Train shelter staff", "Publish screening guide"]
    for item in items:
        assert item.lead_agency_id == agency(db, "DOJ").id and item.recommendation_id == rec["id"]
        assert item.pillar == "protection" and item.status == "open"
    assert items[1].due_date == TODAY + timedelta(days=200) and "<strong>HHS</strong>" in items[1].description_html
    assert db.get(ActionItem, existing.id).recommendation_id == rec["id"]
    listed = client.get(f"{BASE}/{rec['id']}/responses", headers=h(people, "viewer")).json
    assert listed["total"] == 1 and listed["items"][0] == {k: v for k, v in body.items()
                                                           if k != "created_action_item_ids"}
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "recommendation.response",
                                                AuditEntry.object_id == body["id"])).scalar_one()
    assert entry.actor_id == user(people, "doj").id and entry.object_type == "AgencyResponse"
    assert sorted(entry.changes["action_item_ids"][1]) == sorted(body["action_item_ids"])
    made = db.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "action_item.created", AuditEntry.object_id.in_(created))).scalar()
    assert made == 2


@pytest.mark.parametrize("second,field", [
    ({"title": "", "due_date": "2040-01-01"}, "new_action_items[1].title"),
    ({"due_date": "2040-01-01"}, "new_action_items[1].title"),
    ({"title": "Bad date", "due_date": "2040-02-30"}, "new_action_items[1].due_date"),
    ({"title": "No date"}, "new_action_items[1].due_date"),
    ({"title": 5, "due_date": "2040-01-01"}, "new_action_items[1].title"),
    ({"title": "Lead", "due_date": "2040-01-01", "lead_agency": "DHS"}, "new_action_items[1].lead_agency"),
    ("Train", "new_action_items[1]"),
])
def test_a_bad_second_item_leaves_no_first(client, db, people, second, field):
    rec = reach(client, people, "open")
    before = snapshot(db, rec["id"])
    r = respond(client, people, "doj", rec, new_action_items=[{"title": "Good one", "due_date": due(30)}, second])
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]
    assert snapshot(db, rec["id"]) == before  # no action item, no response, no event, no audit entry
    assert count(db, ActionItem) == before[-1] and count(db, AgencyResponse) == before[-2]


def test_a_revision_keeps_the_first(client, db, people):
    rec = reach(client, people, "open")
    first = respond(client, people, "doj", rec, position="non_concur", response_md="Not our remit.")
    assert first.status_code == 201
    second = respond(client, people, "doj", rec, position="concur", response_md="On reflection, yes.")
    assert second.status_code == 201 and second.json["revision"] == 2
    current = client.get(f"{BASE}/{rec['id']}/responses", headers=h(people, "author")).json
    assert [(i["revision"], i["position"], i["is_current"]) for i in current["items"]] == [(2, "concur", True)]
    every = client.get(f"{BASE}/{rec['id']}/responses?all=true", headers=h(people, "author")).json
    assert [(i["revision"], i["position"], i["is_current"]) for i in every["items"]] == [
        (1, "non_concur", False), (2, "concur", True)]
    assert every["total"] == 2 and every["items"][0]["response_md"] == "Not our remit."
    dhs = respond(client, people, "dhs", rec, agency="DHS", position="concur")
    assert dhs.status_code == 201 and dhs.json["revision"] == 1
    assert [i["agency"] for i in client.get(f"{BASE}/{rec['id']}/responses", headers=h(people, "doj"))
            .json["items"]] == ["DHS", "DOJ"]
    assert client.get(f"{BASE}/{rec['id']}/responses?all=maybe", headers=h(people, "doj")).status_code == 422


@pytest.mark.parametrize("who,over,status,field", [
    ("dhs", {"agency": "DOJ"}, 403, None),  # a liaison for another agency
    ("staff", {}, 403, None),
    ("author", {}, 403, None),
    ("viewer", {}, 403, None),
    ("dol", {"agency": "DOL"}, 422, "agency"),  # DOL is not addressed
    ("doj", {"agency": "NOPE"}, 422, "agency"),
    ("doj", {"agency": 7}, 422, "agency"),
    ("doj", {"position": "maybe"}, 422, "position"),
    ("doj", {"response_md": "  "}, 422, "response_md"),
    ("doj", {"action_item_ids": "1"}, 422, "action_item_ids"),
    ("doj", {"action_item_ids": [999999]}, 422, "action_item_ids"),
    ("doj", {"new_action_items": {"title": "x"}}, 422, "new_action_items"),
    ("doj", {"author_id": 1}, 422, "author_id"),
])
def test_refused_responses_write_nothing(client, db, people, who, over, status, field):
    rec = reach(client, people, "open")
    before = snapshot(db, rec["id"])
    r = respond(client, people, who, rec, **{"new_action_items": [{"title": "Would be made", "due_date": due(30)}],
                                             **over})
    assert r.status_code == status, r.json
    if field:
        assert field in r.json["error"]["fields"]
    assert snapshot(db, rec["id"]) == before


def test_linking_another_agencys_item_is_422(client, db, people):
    rec = reach(client, people, "open")
    dhs_item = doj_item(db, lead_agency="DHS", title="DHS work")
    before = snapshot(db, rec["id"])
    r = respond(client, people, "doj", rec, action_item_ids=[dhs_item.id],
                new_action_items=[{"title": "Would be made", "due_date": due(30)}])
    assert r.status_code == 422 and "action_item_ids" in r.json["error"]["fields"]
    assert snapshot(db, rec["id"]) == before
    assert db.get(ActionItem, dhs_item.id).recommendation_id is None


@pytest.mark.parametrize("status", ["submitted", "under_review", "closed_implemented", "withdrawn"])
def test_responding_when_not_open_is_an_invalid_transition(client, db, people, status):
    rec = reach(client, people, status)
    before = snapshot(db, rec["id"])
    r = respond(client, people, "doj", rec)
    assert r.status_code == 409 and r.json["error"]["code"] == "invalid_transition"
    assert snapshot(db, rec["id"]) == before


# ---- the list --------------------------------------------------------------------------------------------

@pytest.fixture
def listed(client, db, people):
    """Recommendations spread over years, statuses, pillars and agencies, by name."""
    made = {
        "open-doj": reach(client, people, "open", title="Fund survivor housing", target_agencies=["DOJ"]),
        "open-dhs-answered": reach(client, people, "open", title="Visa relief", target_agencies=["DHS"],
                                   pillar="prosecution"),
        "review-2028": reach(client, people, "under_review", title="Supply chain audits", report_year=2028,
                             target_agencies=["DOL", "DOJ"], pillar="prevention"),
        "closed": reach(client, people, "closed_implemented", title="Hotline languages", pillar="partnership"),
    }
    assert respond(client, people, "dhs", made["open-dhs-answered"], agency="DHS").status_code == 201
    made["open-doj"] = patch(client, people, "staff", made["open-doj"], priority=True).json
    # DOJ's response on the first is overdue
    db.execute(update(RecommendationTarget).where(RecommendationTarget.recommendation_id == made["open-doj"]["id"])
               .values(response_due=TODAY - timedelta(days=3)))
    db.flush()
    return made


@pytest.mark.parametrize("query,names", [
    ("", {"open-doj", "open-dhs-answered", "review-2028", "closed"}),
    ("year=2028", {"review-2028"}),
    ("status=open", {"open-doj", "open-dhs-answered"}),
    ("pillar=prevention", {"review-2028"}),
    ("agency=doj", {"open-doj", "review-2028", "closed"}),
    ("priority=true", {"open-doj"}),
    ("priority=false", {"open-dhs-answered", "review-2028", "closed"}),
    ("responded=true", {"open-dhs-answered"}),
    ("responded=false", {"open-doj"}),
    ("response_overdue=true", {"open-doj"}),
    ("agency=DHS&response_overdue=true", set()),
    ("q=VISA", {"open-dhs-answered"}),
    ("q=100%25", set()),
])
def test_list_filters(client, people, listed, query, names):
    r = client.get(f"{BASE}?{query}", headers=h(people, "dol"))
    assert r.status_code == 200, r.json
    assert {i["id"] for i in r.json["items"]} == {listed[n]["id"] for n in names}
    assert r.json["total"] == len(names)


def test_list_pagination_and_items(client, people, listed):
    first = client.get(f"{BASE}?per_page=3&sort=title", headers=h(people, "viewer")).json
    second = client.get(f"{BASE}?per_page=3&page=2&sort=title", headers=h(people, "viewer")).json
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 3, 4, 3)
    assert (second["page"], len(second["items"])) == (2, 1)
    titles = [i["title"] for i in first["items"] + second["items"]]
    assert titles == sorted(titles)
    one = next(i for i in first["items"] if i["id"] == listed["open-doj"]["id"])
    assert one == client.get(f"{BASE}/{one['id']}", headers=h(people, "viewer")).json
    assert one["response_due"] == {"DOJ": (TODAY - timedelta(days=3)).isoformat()}


@pytest.mark.parametrize("query,field", [
    ("year=19", "year"), ("year=%C2%B2", "year"), ("status=finished", "status"), ("pillar=punishment", "pillar"),
    ("priority=maybe", "priority"), ("responded=2", "responded"), ("response_overdue=x", "response_overdue"),
    ("sort=owner", "sort"), ("agency=NOPE", "agency"), ("per_page=201", "per_page"), ("page=0", "page"),
    ("q=a%00b", "q"),
])
def test_bad_list_filters_are_422_naming_the_filter(client, people, query, field):
    r = client.get(f"{BASE}?{query}", headers=h(people, "viewer"))
    assert r.status_code == 422 and r.is_json and field in r.json["error"]["fields"]


def test_every_bad_filter_is_named_at_once(client, people):
    r = client.get(f"{BASE}?year=x&status=finished&per_page=500", headers=h(people, "viewer"))
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"year", "status", "per_page"}


# ---- the whole chain, audited ---------------------------------------------------------------------------

def test_every_write_is_audited(client, db, people):
    rec = create(client, people)
    rec = patch(client, people, "author", rec, title="Edited").json
    rec = client.post(f"{BASE}/{rec['id']}/submit", headers=h(people, "author"), json={"version": rec["version"]}).json
    rec = move(client, people, "staff", rec, "under_review")
    rec = patch(client, people, "staff", rec, priority=True).json
    rec = move(client, people, "staff", rec, "open")
    assert respond(client, people, "doj", rec).status_code == 201
    rec = move(client, people, "staff", rec, "closed_implemented", note="Done in FY27.")
    rec = move(client, people, "staff", rec, "open", note="New evidence.")
    assert audit_actions(db, rec["id"]) == [
        "recommendation.created", "recommendation.updated", "recommendation.submitted",
        "recommendation.under_review", "recommendation.priority", "recommendation.open",
        "recommendation.closed_implemented", "recommendation.open"]
    actors = db.execute(select(AuditEntry.actor_id).where(AuditEntry.object_type == "Recommendation",
                                                          AuditEntry.object_id == rec["id"])
                        .order_by(AuditEntry.id)).scalars().all()
    author, staff = user(people, "author").id, user(people, "staff").id
    assert actors == [author, author, author, staff, staff, staff, staff, staff]
    assert db.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "recommendation.response")).scalar() == 1
    assert rec["closed_at"] is None and rec["status"] == "open"


# ---- speed ----------------------------------------------------------------------------------------------

def bulk_recommendations(db, n: int, start: int, filer_id: int) -> None:
    """Insert *n* open recommendations directly (fast), each addressed to two agencies."""
    agencies = [agency(db, a).id for a in ("DOJ", "DHS", "HHS", "DOS", "DOL")]
    now = datetime.now(UTC)
    rows = [{"id": start + i, "number": f"2040-{start + i}", "report_year": 2040, "sequence": start + i,
             "title": f"Bulk recommendation {start + i}", "body_md": "", "body_html": "", "rationale_md": "",
             "rationale_html": "", "pillar": "protection", "status": ("open", "submitted")[i % 2],
             "priority": i % 3 == 0, "filed_by_id": filer_id, "submitted_at": now, "version": 1,
             "created_at": now, "updated_at": now} for i in range(n)]
    db.execute(insert(Recommendation), rows)
    db.execute(insert(RecommendationTarget), [
        {"recommendation_id": r["id"], "agency_id": agencies[(i + k) % 5],
         "response_due": TODAY + timedelta(days=(i % 40) - 20)} for i, r in enumerate(rows) for k in (0, 1)])
    db.flush()


def test_list_issues_the_same_number_of_queries_at_10_and_1000(client, db, people, count_queries):
    headers = h(people, "doj")
    counts = []
    start = 900_000
    for n in (10, 990):
        bulk_recommendations(db, n, start, user(people, "author").id)
        start += n
        for query in ("per_page=50", "per_page=50&agency=DOJ&response_overdue=true&sort=due"):
            with count_queries() as q:
                r = client.get(f"{BASE}?{query}", headers=headers)
            assert r.status_code == 200 and len(r.json["items"]) >= 2
            counts.append((query, q.count))
    assert r.json["total"] > 50
    assert counts[:2] == counts[2:]
    per_rec = []
    for _ in range(2):
        with count_queries() as q:
            assert client.get(f"{BASE}/{start - 1}", headers=headers).status_code == 200
        per_rec.append(q.count)
    assert per_rec[0] == per_rec[1]


# ---- the OpenAPI document ------------------------------------------------------------------------------

def test_openapi_schemas_match_what_is_served(client, db, people):
    rec = reach(client, people, "open")
    served = respond(client, people, "doj", rec, new_action_items=[{"title": "T", "due_date": due(9)}]).json
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]
    listed = {k: v for k, v in served.items() if k != "created_action_item_ids"}  # as GET .../responses lists it
    # The generated schemas (pitf/models/recommendations.py), the two lists' items included.
    for name, body in (("RecommendationPublic", rec), ("AgencyResponseFiled", served),
                       ("AgencyResponsePublic", listed)):
        assert set(schemas[name]["required"]) <= set(body) <= set(schemas[name]["properties"]), name
    for path, page in (("/recommendations", "PageRecommendationPublic"),
                       ("/recommendations/{rec_id}/responses", "PageAgencyResponsePublic")):
        ok = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{page}"}, path
        assert schemas[page]["properties"]["items"]["items"]["$ref"].endswith(page.removeprefix("Page")), path
    assert set(schemas["RecommendationPublic"]["required"]) == set(rec)
    assert set(payload(people)) <= set(schemas["RecommendationCreate"]["properties"])
    assert set(PATCH_KEYS) == set(schemas["RecommendationUpdate"]["properties"])

