"""API auth, errors, the foundation resources, and the OpenAPI document."""

import re

import pytest

from pitf.permissions import SYSTEM
from pitf.reference import DEPARTMENTS, OTHER_AGENCIES


def test_no_token_is_401_json(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "pitf_abc",
                                    "Bearer " + "x" * 500])
def test_bad_token_is_401(client, header):
    r = client.get("/api/v1/agencies", headers={"Authorization": header})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_revoked_token_and_inactive_user_are_401(client, api_as, db):
    from pitf.models import ApiToken
    from pitf.services.tokens import revoke_token
    from pitf.services.users import set_active

    headers, user = api_as("viewer")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.query(ApiToken).filter_by(user_id=user.id).one()
    revoke_token(session=db, actor=SYSTEM, token_id=token.id)
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    headers, user = api_as("viewer")
    set_active(session=db, actor=SYSTEM, user=user, active=False)
    db.flush()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cookie_session_is_not_accepted(client_as):
    c = client_as("admin")
    assert c.get("/dashboard").status_code == 200
    r = c.get("/api/v1/me")
    assert r.status_code == 401


def test_me_reports_role_and_agency(client, api_as):
    headers, user = api_as("liaison", agency="DHS")
    body = client.get("/api/v1/me", headers=headers).json
    assert body == {"id": user.id, "email": user.email, "name": user.name, "role": "liaison", "agency": "DHS",
                    "timezone": "America/New_York"}
    assert "Set-Cookie" not in client.get("/api/v1/me", headers=headers).headers


def test_agencies_lists_every_member_agency(client, api_as):
    headers, _ = api_as("liaison", agency="DOJ")
    r = client.get("/api/v1/agencies?per_page=200", headers=headers)
    assert r.status_code == 200
    body = r.json
    assert body["total"] == 21 and body["page"] == 1 and body["per_page"] == 200
    assert {a["acronym"] for a in body["items"]} == {a for a, _ in DEPARTMENTS + OTHER_AGENCIES}
    assert set(body["items"][0]) >= {"id", "acronym", "name"}


def test_pagination_and_its_errors(client, api_as):
    headers, _ = api_as("viewer")
    r = client.get("/api/v1/agencies?per_page=5&page=2", headers=headers).json
    assert len(r["items"]) == 5 and r["page"] == 2 and r["total"] == 21
    for query in ("per_page=201", "per_page=0", "page=0", "page=abc"):
        r = client.get(f"/api/v1/agencies?{query}", headers=headers)
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid" and r.json["error"]["fields"]


def test_committees_have_kind_parent_and_members(client, api_as):
    headers, _ = api_as("council")
    items = client.get("/api/v1/committees?per_page=200", headers=headers).json["items"]
    by_name = {c["name"]: c for c in items}
    pitf = by_name["President's Interagency Task Force to Monitor and Combat Trafficking in Persons"]
    spog = by_name["Senior Policy Operating Group"]
    assert pitf["kind"] == "task_force" and pitf["parent_id"] is None
    assert spog["kind"] == "operating_group" and spog["parent_id"] == pitf["id"]
    assert by_name["Victim Services"]["parent_id"] == spog["id"]
    council = by_name["U.S. Advisory Council on Human Trafficking"]
    assert council["kind"] == "advisory_council" and council["follows_faca"] is True
    chair = [m for m in spog["members"] if m["role"] == "chair"]
    assert chair == [{"type": "agency", "agency": "DOS", "role": "chair", "since": chair[0]["since"],
                     "appointment_type": None, "term_ends_on": None}]
    one = client.get(f"/api/v1/committees/{spog['id']}", headers=headers).json
    assert one["id"] == spog["id"] and len(one["members"]) == 21


def test_unknown_objects_and_routes_are_json_404(client, api_as):
    headers, _ = api_as("viewer")
    for path in ("/api/v1/committees/999999", "/api/v1/no-such-thing"):
        r = client.get(path, headers=headers)
        assert r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found", path


def test_wrong_method_is_json_405(client, api_as):
    headers, _ = api_as("viewer")
    r = client.post("/api/v1/agencies", headers=headers, json={})
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"


def test_openapi_is_public_and_3_1(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json["openapi"].startswith("3.1")


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_api_route_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert routes
    for rule in routes:
        path = _openapi_path(rule.rule)
        assert path in paths, f"{rule.rule} is missing from openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], f"{method} {rule.rule} is missing from openapi.json"
    # and nothing documented is missing from the code
    documented = {(p, m) for p, ops in paths.items() for m in ops}
    served = {(_openapi_path(r.rule), m.lower()) for r in routes for m in r.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_api_token_created_on_profile_page_works(client_as, client):
    c = client_as("liaison", agency="DOJ")
    page = c.post("/account/tokens", data={"name": "tracker sync"}).get_data(as_text=True)
    token = re.search(r'class="pitf-token">([^<]+)<', page).group(1)
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["agency"] == "DOJ"
