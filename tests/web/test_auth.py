"""Sign-in, sign-out, lockout, redirects, CSRF, inactive users, session end."""

import re
import time

import pytest
from sqlalchemy import func, select

from pitf.models import AuditEntry, LoginAttempt
from pitf.permissions import SYSTEM
from tests.conftest import make_app
from tests.factories import PASSWORD


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_sign_in_lands_on_the_dashboard(client, make_user):
    user = make_user("liaison", agency="DOJ")
    r = login(client, user.email)
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "DOJ commitments" in page


def test_email_is_case_insensitive(client, make_user):
    user = make_user("viewer")
    assert login(client, user.email.upper()).status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, make_user, db):
    user = make_user("viewer")
    r = login(client, user.email, "wrong password entirely")
    assert r.status_code == 200
    assert "The email or password is not correct." in r.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302  # still signed out
    failures = db.execute(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False))).scalar()
    assert failures == 1


def test_unknown_email_gets_the_same_message(client):
    r = login(client, "nobody@nowhere.example.gov")
    assert "The email or password is not correct." in r.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user("viewer", active=False)
    r = login(client, user.email)
    assert r.status_code == 200
    assert "deactivated" in r.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_deactivating_a_user_ends_their_open_session(client_as, db):
    from pitf.services.users import set_active

    c = client_as("viewer")
    assert c.get("/dashboard").status_code == 200
    set_active(session=db, actor=SYSTEM, user=c.user, active=False)
    db.flush()
    assert c.get("/dashboard").status_code == 302


def test_lockout_after_five_failures_for_an_account(client, make_user):
    user = make_user("viewer")
    for _ in range(5):
        assert login(client, user.email, "bad password attempt").status_code == 200
    r = login(client, user.email)  # even the right password waits now
    assert r.status_code == 429
    text = r.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in text and re.search(r"try again in 1[45] minutes", text)
    assert client.get("/dashboard").status_code == 302


SHARED = {"REMOTE_ADDR": "203.0.113.9"}  # a federal egress address, or the proxy without PITF_PROXY_HOPS


def _from(app, address="203.0.113.9"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_second_account_signs_in_where_another_failed_ten_times(app, make_user):
    typist, colleague = make_user("liaison", agency="DOJ"), make_user("liaison", agency="DOJ")
    office = _from(app)
    for _ in range(10):
        assert login(office, typist.email, "caps lock was on").status_code in (200, 429)
    assert login(office, typist.email).status_code == 429  # the typist's own account waits
    r = login(_from(app), colleague.email)
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard"


def test_one_account_failing_many_times_never_stops_another_even_at_a_low_address_limit(connection, settings,
                                                                                       make_user):
    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": 2}, connection)
    victim = make_user("viewer")
    office = _from(app)
    for _ in range(30):
        login(office, "the.boss@dhs.example.gov", "guessing guessing")
    assert login(_from(app), victim.email).status_code == 302


@pytest.mark.parametrize("limit", [3, 7])
def test_the_address_limit_counts_distinct_accounts_at_its_setting(connection, settings, make_user, limit):
    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": limit}, connection)
    users = [make_user("viewer") for _ in range(3)]
    office = _from(app)
    for i in range(limit - 1):  # one account short of the limit, each failing several times
        for _ in range(3):
            login(office, f"guess{i}@x.example.gov", "nope nope nope")
    assert login(_from(app), users[0].email).status_code == 302
    login(office, f"guess{limit}@x.example.gov", "nope nope nope")  # the limit-th distinct account
    r = login(_from(app), users[1].email)  # a right password from the paused address waits too
    assert r.status_code == 429
    assert re.search(r"try again in 1[45] minutes", r.get_data(as_text=True))
    assert login(_from(app, "198.51.100.7"), users[2].email).status_code == 302  # elsewhere: unaffected


def test_a_typo_followed_by_the_right_password_does_not_count_against_the_address(connection, settings,
                                                                                   make_user):
    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": 3}, connection)
    people = [make_user("viewer") for _ in range(5)]
    office = _from(app)
    for person in people[:4]:  # four colleagues mistype, then get it right
        login(office, person.email, "first try wrong")
        assert login(office, person.email).status_code == 302
    assert login(_from(app), people[4].email).status_code == 302


def test_the_address_pause_lifts_by_itself(connection, settings, make_user, db):
    from datetime import timedelta

    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": 2}, connection)
    user = make_user("viewer")
    for i in range(2):
        login(_from(app), f"guess{i}@x.example.gov", "nope nope nope")
    assert login(_from(app), user.email).status_code == 429
    for attempt in db.execute(select(LoginAttempt).where(LoginAttempt.ip == SHARED["REMOTE_ADDR"])).scalars():
        attempt.created_at -= timedelta(minutes=16)
    db.flush()
    assert login(_from(app), user.email).status_code == 302


def test_the_api_token_of_a_user_works_from_a_paused_address(connection, settings, db):
    """The API's only way in is a bearer token (no password): sign-in failures never stop it."""
    from pitf.services.tokens import create_token
    from tests.factories import create_user

    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": 2}, connection)
    user = create_user(db, role="viewer")
    _row, token = create_token(session=db, actor=SYSTEM, user=user)
    db.flush()
    for i in range(3):
        login(_from(app), f"guess{i}@x.example.gov", "nope nope nope")
    assert login(_from(app), user.email).status_code == 429
    r = _from(app).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["email"] == user.email


@pytest.mark.parametrize("value", ["1", "0", "-5"])
def test_an_address_limit_below_two_is_refused(monkeypatch, tmp_path, value):
    from pitf.settings import ConfigError, load_settings

    monkeypatch.setenv("PITF_LOGIN_ADDRESS_LIMIT", value)
    with pytest.raises(ConfigError, match="PITF_LOGIN_ADDRESS_LIMIT"):
        load_settings({"PITF_ENV": "test", "PITF_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_lockout_expires_after_the_window(client, make_user, db):
    from datetime import timedelta

    user = make_user("viewer")
    for _ in range(5):
        login(client, user.email, "bad password attempt")
    for attempt in db.execute(select(LoginAttempt).where(LoginAttempt.email == user.email)).scalars():
        attempt.created_at -= timedelta(minutes=16)
    db.flush()
    assert login(client, user.email).status_code == 302


def test_four_failures_then_success_resets_the_account_count(app, make_user):
    user = make_user("viewer")
    office, home = app.test_client(), app.test_client()
    for _ in range(4):
        login(office, user.email, "bad password attempt")
    assert login(office, user.email).status_code == 302
    # A fifth failure from another address: the account's count restarted at the success.
    elsewhere = {"environ_base": {"REMOTE_ADDR": "198.51.100.20"}}
    home.post("/login", data={"email": user.email, "password": "bad password attempt"}, **elsewhere)
    assert home.post("/login", data={"email": user.email, "password": PASSWORD}, **elsewhere).status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)"])
def test_open_redirect_is_refused(client, make_user, target):
    user = make_user("viewer")
    r = login(client, user.email, next=target)
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard"


def test_next_to_a_local_page_is_followed(client, make_user):
    user = make_user("viewer")
    r = login(client, user.email, next="/agencies/DOJ")
    assert r.headers["Location"] == "/agencies/DOJ"


def test_protected_page_sends_to_sign_in_with_next(client):
    r = client.get("/agencies")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=%2Fagencies")


def test_sign_out_ends_the_session_and_a_copied_cookie(app, make_user):
    user = make_user("viewer")
    c = app.test_client()
    login(c, user.email)
    copied = c.get_cookie("pitf_session").value
    assert c.post("/logout").status_code == 302
    assert c.get("/dashboard").status_code == 302
    thief = app.test_client()
    thief.set_cookie("pitf_session", copied)
    assert thief.get("/dashboard").status_code == 302


def test_session_is_renewed_at_sign_in(app, make_user):
    user = make_user("viewer")
    c = app.test_client()
    with c.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(c, user.email)
    with c.session_transaction() as sess:
        assert "planted" not in sess


def test_idle_session_ends(client_as):
    c = client_as("viewer")
    with c.session_transaction() as sess:
        sess["seen_at"] = time.time() - 31 * 60
    r = c.get("/dashboard")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_activity_keeps_the_session_alive_to_the_minute_without_a_new_cookie_each_time(client_as):
    c = client_as("viewer")
    c.get("/dashboard")  # the first page settles the session (its CSRF token)
    assert "Set-Cookie" not in c.get("/dashboard").headers  # nothing changed within the minute
    with c.session_transaction() as sess:
        sess["seen_at"] = time.time() - 29 * 60
    r = c.get("/dashboard")
    assert r.status_code == 200 and "pitf_session=" in r.headers["Set-Cookie"]
    with c.session_transaction() as sess:
        assert time.time() - sess["seen_at"] < 60  # renewed: the idle half hour starts again
    assert c.get("/dashboard").status_code == 200


def test_session_ends_after_twelve_hours_even_when_active(client_as):
    c = client_as("viewer")
    with c.session_transaction() as sess:
        sess["signed_in_at"] = time.time() - 12 * 3600 - 5
    assert c.get("/dashboard").status_code == 302


def test_session_cookie_flags(client, make_user):
    user = make_user("viewer")
    r = login(client, user.email)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development/test; production sets Secure (see test_security)


def test_sign_in_and_out_are_audited(client, make_user, db):
    user = make_user("viewer")
    login(client, user.email)
    client.post("/logout")
    actions = db.execute(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).scalars().all()
    assert "user.signed_in" in actions and "user.signed_out" in actions


@pytest.fixture
def csrf_app(connection, settings):
    return make_app({**settings, "WTF_CSRF_ENABLED": True}, connection)


def test_forms_without_csrf_token_are_refused(csrf_app, make_user):
    user = make_user("viewer")
    c = csrf_app.test_client()
    r = c.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 400
    assert "security token" in r.get_data(as_text=True)
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_sign_out_needs_csrf(csrf_app, make_user):
    from tests.conftest import sign_in_client

    user = make_user("viewer")
    c = csrf_app.test_client()
    sign_in_client(c, user)
    assert c.post("/logout").status_code == 400
    assert c.get("/dashboard").status_code == 200


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_pages(client_as):
    c = client_as("admin")
    for path in ["/login", "/dashboard", "/committees", "/agencies", "/account/", "/admin/users"]:
        html = c.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and " onclick=" not in html, path


def test_password_change_signs_out_everywhere(app, make_user):
    user = make_user("viewer")
    c1, c2 = app.test_client(), app.test_client()
    login(c1, user.email)
    login(c2, user.email)
    new = "a brand new long passphrase"
    r = c1.post("/account/password", data={"current_password": PASSWORD, "new_password": new, "confirm": new})
    assert r.status_code == 302
    assert c2.get("/dashboard").status_code == 302
    assert login(app.test_client(), user.email, new).status_code == 302


def test_password_change_refuses_short_and_wrong_current(client_as):
    c = client_as("viewer")
    r = c.post("/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert r.status_code == 422 and "at least 12 characters" in r.get_data(as_text=True)
    r = c.post("/account/password", data={"current_password": "not it at all", "new_password": "x" * 14,
                                          "confirm": "x" * 14})
    assert r.status_code == 422 and "not your current password" in r.get_data(as_text=True)


def test_nul_characters_and_odd_digits_are_refused_cleanly(client_as):
    c = client_as("secretariat")
    assert c.get("/action-items/?q=a%00b").status_code == 400
    assert c.post("/login", data={"email": "a\x00b@x.gov", "password": "x"}).status_code == 400
    for page in ("²", "99999999999999999999"):
        assert c.get(f"/action-items/?page={page}").status_code == 422


def test_someone_failing_on_purpose_at_a_shared_address_does_not_stop_its_regular_users(connection, settings,
                                                                                        make_user):
    app = make_app({**settings, "PITF_LOGIN_ADDRESS_LIMIT": 3}, connection)
    regular, newcomer = make_user("liaison", agency="DHS"), make_user("liaison", agency="DHS")
    assert login(_from(app), regular.email).status_code == 302  # signed in from the agency's egress before
    for i in range(10):  # made-up accounts, failed on purpose
        login(_from(app), f"made.up{i}@dhs.example.gov", "nope nope nope")
    assert login(_from(app), regular.email).status_code == 302
    assert login(_from(app), newcomer.email).status_code == 429  # new here: the address pause applies
    for _ in range(5):  # and the regular user's own account limit still holds
        login(_from(app), regular.email, "wrong wrong wrong")
    assert login(_from(app), regular.email).status_code == 429
