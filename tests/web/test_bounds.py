"""Page numbers and ids out of range, in any form a URL can carry them: 404 or a clear 422, never a 500."""

import re

import pytest

from tests.factories import committee, meeting_in

# Too big for the id columns (32-bit) or for SQLite's 64-bit integers; Unicode digits (Arabic-Indic three,
# full-width three, superscript two); zero, negative, a leading zero, an exponent.
BAD_IDS = ["99999999999999999999", "2147483648", "9" * 5000, "%D9%A3", "%EF%BC%93", "%C2%B2", "0", "-1", "03",
           "1e3", "+3", " 3"]
BAD_PAGES = ["99999999999999999999", "9" * 5000, "1000001", "%D9%A3", "%C2%B2", "0", "-1", "1.5", "abc"]

WEB_LISTS = ["/action-items/", "/recommendations/", "/meetings/", "/notifications", "/admin/outbox",
             "/admin/audit"]
API_LISTS = ["/api/v1/action-items", "/api/v1/recommendations", "/api/v1/meetings", "/api/v1/notifications",
             "/api/v1/agencies"]


def _int_rules(app):
    """Every route with an id (or number) in its path and no other variable part, with a method to try."""
    rules = []
    for rule in app.url_map.iter_rules():
        args = re.findall(r"<([^>]+)>", rule.rule)
        if args and all(a.startswith("int:") for a in args):
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            rules.append((rule.rule, method))
    return rules


def test_every_route_with_an_id_uses_the_bounded_converter(app):
    from pitf.paging import IdConverter

    rules = _int_rules(app)
    assert len(rules) > 40 and any(r.startswith("/api/v1/") for r, _m in rules)
    assert app.url_map.converters["int"] is IdConverter
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if f"<int:{name}>" in rule.rule:
                assert isinstance(converter, IdConverter), (rule.rule, name)


@pytest.mark.parametrize("largest", [1, 9, 10, 57, 100, 305, 2**31 - 1])
def test_the_id_pattern_takes_exactly_the_numbers_up_to_its_bound(largest):
    from pitf.paging import up_to

    pattern = re.compile(up_to(largest) + r"\Z")
    upto = min(largest, 2000)
    assert [n for n in range(upto + 50) if pattern.match(str(n))] == list(range(1, upto + 1)) + (
        list(range(upto + 1, upto + 50)) if largest > upto + 50 else [])
    assert pattern.match(str(largest)) and not pattern.match(str(largest + 1))
    assert not pattern.match("0" + str(largest)) and not pattern.match("\u0663")


@pytest.mark.parametrize("bad", BAD_IDS)
def test_ids_out_of_range_or_in_other_digits_are_404_on_every_route(app, client_as, api_as, client, bad):
    web = client_as("admin")
    headers, _user = api_as("admin")
    wrong = []
    for rule, method in _int_rules(app):
        path = re.sub(r"<int:[^>]+>", bad, rule)
        if rule.startswith("/api/"):
            r = client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
            ok = r.status_code == 404 and r.is_json and r.json["error"]["code"] == "not_found"
        else:
            r = web.open(path, method=method)
            ok = r.status_code == 404 and "Page not found" in r.get_data(as_text=True)
        if not ok:
            wrong.append(f"{method} {path[:60]} -> {r.status_code}")
    assert wrong == []


def test_the_largest_id_is_looked_up_and_not_found_without_an_error(app, client_as, api_as, client):
    """2,147,483,647 fits the columns: each route looks it up (404) or refuses the empty form first (4xx)."""
    web = client_as("admin")
    headers, _user = api_as("admin")
    wrong = []
    for rule, method in _int_rules(app):
        path = re.sub(r"<int:[^>]+>", "2147483647", rule)
        client_ = client if rule.startswith("/api/") else web
        r = client_.open(path, method=method, headers=headers if rule.startswith("/api/") else None,
                         json={} if rule.startswith("/api/") and method != "GET" else None)
        if not (400 <= r.status_code < 500 and r.status_code != 405):
            wrong.append(f"{method} {path} -> {r.status_code}")
    assert wrong == []


def test_one_meeting_has_one_address(db, client, api_as, client_as):
    from pitf.services import meetings as mtg

    staff = client_as("secretariat")
    m = mtg.create_meeting(session=db, actor=staff.user, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Victim Services").id, "title": "Working session",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "is_open": True,
        "location": "Room 101"}))
    db.flush()
    headers, _ = api_as("viewer")
    assert client.get(f"/api/v1/meetings/{m.id}", headers=headers).status_code == 200
    assert staff.get(f"/meetings/{m.id}").status_code == 200
    arabic = "".join(chr(0x0660 + int(d)) for d in str(m.id))  # the same number in Arabic-Indic digits
    for other in (arabic, f"0{m.id}", f"{m.id}.0"):
        assert client.get(f"/api/v1/meetings/{other}", headers=headers).status_code == 404, other
        assert staff.get(f"/meetings/{other}").status_code == 404, other


@pytest.mark.parametrize("bad", BAD_PAGES)
def test_page_numbers_out_of_range_are_a_clear_422_on_every_list(client_as, api_as, client, bad):
    web = client_as("admin")
    headers, _ = api_as("admin")
    for path in WEB_LISTS:
        r = web.get(f"{path}?page={bad}")
        assert r.status_code == 422, (path, r.status_code)
        assert "page must be a whole number from 1 to 1,000,000" in r.get_data(as_text=True), path
    for path in API_LISTS:
        r = client.get(f"{path}?page={bad}", headers=headers)
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid", (path, r.status_code)
        assert "page" in r.json["error"]["fields"], path


@pytest.mark.parametrize("bad", ["99999999999999999999", "9" * 5000, "%D9%A3", "0", "-1"])
def test_page_sizes_out_of_range_are_refused(client_as, api_as, client, bad):
    web = client_as("admin")
    headers, _ = api_as("admin")
    for path in ("/action-items/", "/recommendations/", "/notifications", "/admin/outbox"):
        assert web.get(f"{path}?per_page={bad}").status_code == 422, path
    for path in API_LISTS:
        r = client.get(f"{path}?per_page={bad}", headers=headers)
        assert r.status_code == 422 and "per_page" in r.json["error"]["fields"], path


def test_the_audit_log_page_from_the_issue(client_as):
    c = client_as("admin")
    r = c.get("/admin/audit?page=99999999999999999999")
    assert r.status_code == 422 and "The page must be a whole number" in r.get_data(as_text=True)
    assert c.get("/admin/audit?page=2").status_code == 200


WEB_FILTER_IDS = [("/action-items/", name) for name in ("committee_id", "owner_id", "meeting_id",
                                                         "recommendation_id")] + [("/meetings/", "committee_id")]
API_FILTER_IDS = [("/api/v1/action-items", name) for name in ("committee_id", "owner_id", "meeting_id",
                                                               "recommendation_id")] + [
    ("/api/v1/meetings", "committee_id")]


@pytest.mark.parametrize("bad", ["99999999999999999999", "9" * 5000, "%D9%A3", "%C2%B2", "-1", "abc"])
def test_ids_in_query_strings_are_bounded(client_as, api_as, client, bad):
    web = client_as("admin")
    headers, _ = api_as("admin")
    for path, name in WEB_FILTER_IDS:
        r = web.get(f"{path}?{name}={bad}")
        assert r.status_code == 422, (path, name, r.status_code)
    for path, name in API_FILTER_IDS:
        r = client.get(f"{path}?{name}={bad}", headers=headers)
        assert r.status_code == 422 and name in r.json["error"]["fields"], (path, name, r.status_code)
    for path in ("/recommendations/?year=" + bad, "/recommendations/dashboard?year=" + bad,
                 "/api/v1/recommendations?year=" + bad):
        r = (client.get(path, headers=headers) if path.startswith("/api/") else web.get(path))
        assert r.status_code == 422, (path, r.status_code)
    # Where the number only preselects a choice, a bad one is ignored.
    assert web.get(f"/meetings/new?committee_id={bad}").status_code in (200, 403)


@pytest.mark.parametrize("bad", ["99999999999999999999", "2147483648", "٣", "-1"])
def test_ids_in_form_fields_are_bounded(client_as, bad):
    c = client_as("secretariat")
    r = c.post("/action-items/new", data={"title": "Bounded", "committee_id": bad, "lead_agency": "DOJ",
                                          "owner_id": bad, "meeting_id": bad, "recommendation_id": bad,
                                          "pillar": "prevention", "priority": "normal"})
    assert r.status_code in (200, 422), r.status_code
    assert "Bounded" in r.get_data(as_text=True)  # the form is shown again, with its text
