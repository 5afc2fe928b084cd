"""The second factor of local accounts at the HTTP level: the second step of signing in, forced enrolment, TOTP
with a frozen clock, recovery codes, throttling, confirming it is you before sensitive steps, removal, audit."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from pitf.models import ApiToken, AuditEntry, RecoveryCode, TotpFactor
from pitf.services import factors, second_factor, signin_policy
from pitf.services.auth import LoginPolicy
from tests.factories import PASSWORD
from tests.second_factor import TEST_SECRET_KEY, code_now, enrol_totp


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def answer(client, method, value):
    return client.post("/login/verify", data={"method": method, "code": value})


def actions(db, user, action):
    return list(db.execute(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == user.id)
                           .order_by(AuditEntry.id)).scalars())


def freeze(monkeypatch, when: datetime):
    """The second factor's clock (the TOTP time step) stands at *when*."""
    monkeypatch.setattr(second_factor, "utcnow", lambda: when)
    monkeypatch.setattr(factors, "utcnow", lambda: when)


def stale_proof(client):
    with client.session_transaction() as sess:
        sess["proved_at"] = time.time() - 16 * 60


# ---- the second step of signing in ------------------------------------------------------------------------------

def test_a_person_with_an_authenticator_app_is_not_signed_in_until_the_code(client, make_user, db):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    r = login(client, user.email, next="/agencies/DOJ")
    assert r.status_code == 302 and r.headers["Location"] == "/login/verify"
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    page = client.get("/login/verify").get_data(as_text=True)
    assert "Code from your authenticator app" in page and "Recovery code" in page
    assert "Use security key" not in page  # no key enrolled
    r = answer(client, "totp", code_now(secret))
    assert r.status_code == 302 and r.headers["Location"] == "/agencies/DOJ"  # next kept through the steps
    assert client.get("/dashboard").status_code == 200
    entry = actions(db, user, "user.signed_in")[-1]
    assert entry.changes["method"] == [None, "password+totp"]
    assert actions(db, user, "user.second_factor_used")[-1].changes["method"] == [None, "totp"]


def test_a_wrong_code_is_refused_and_audited(client, make_user, db):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    login(client, user.email)
    wrong = f"{(int(code_now(secret)) + 1) % 1000000:06d}"
    r = answer(client, "totp", wrong)
    assert r.status_code == 200 and "That code is not right" in r.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    assert actions(db, user, "user.second_factor_refused")[-1].changes["method"] == [None, "totp"]


def test_totp_with_a_frozen_clock_current_works_old_and_reused_do_not(app, make_user, db, monkeypatch):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    # an hour after the enrolment (which used its own code at the real time): ten seconds into a time step
    now = (datetime.now(UTC) + timedelta(hours=1)).replace(second=10, microsecond=0)
    freeze(monkeypatch, now)
    totp = pyotp.TOTP(secret)
    old = totp.at(now - timedelta(seconds=90))  # three steps ago: out of the window
    current = totp.at(now)

    first = app.test_client()
    login(first, user.email)
    assert "not right" in answer(first, "totp", old).get_data(as_text=True)
    assert answer(first, "totp", current).headers["Location"] == "/dashboard"

    second = app.test_client()  # someone who saw the code over the shoulder, within the same 30 seconds
    login(second, user.email)
    r = answer(second, "totp", current)
    assert r.status_code == 200 and "already used" in r.get_data(as_text=True)
    assert second.get("/dashboard").status_code == 302
    freeze(monkeypatch, now + timedelta(seconds=30))  # the next step's code works
    assert answer(second, "totp", totp.at(now + timedelta(seconds=30))).status_code == 302
    assert second.get("/dashboard").status_code == 200


def test_the_secret_is_sealed_at_rest_and_a_changed_secret_key_says_what_to_do(app, make_user, db):
    user = make_user("viewer")
    secret, codes = enrol_totp(db, user, secret_key="another key entirely")
    row = db.execute(select(TotpFactor).where(TotpFactor.user_id == user.id)).scalar_one()
    assert secret not in row.secret_sealed
    c = app.test_client()
    login(c, user.email)
    r = answer(c, "totp", code_now(secret))
    assert "secret key changed" in r.get_data(as_text=True)
    assert answer(c, "recovery", codes[0]).status_code == 302  # the way out it names


def test_recovery_codes_are_single_use_and_kept_hashed(app, make_user, db):
    user = make_user("viewer")
    _secret, codes = enrol_totp(db, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars().all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    c = app.test_client()
    login(c, user.email)
    r = answer(c, "recovery", codes[3].upper().replace("-", " "))  # typed loosely
    assert r.status_code == 302 and c.get("/dashboard").status_code == 200
    assert actions(db, user, "user.signed_in")[-1].changes["method"] == [None, "password+recovery"]
    again = app.test_client()
    login(again, user.email)
    r = answer(again, "recovery", codes[3])
    assert r.status_code == 200 and "already used" in r.get_data(as_text=True)
    assert again.get("/dashboard").status_code == 302
    assert factors.factors_of(db, user).recovery_left == 9


def test_the_second_step_expires(client, make_user, db, monkeypatch):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    login(client, user.email)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 6 * 60)
    r = answer(client, "totp", code_now(secret))
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_cancel_leaves_the_second_step(client, make_user, db):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    login(client, user.email)
    assert client.post("/login/cancel").headers["Location"] == "/login"
    assert answer(client, "totp", code_now(secret)).headers["Location"] == "/login"


# ---- throttling --------------------------------------------------------------------------------------------------

def test_guessing_codes_is_paused_per_account_and_a_password_again_does_not_reset_it(app, make_user, db):
    user = make_user("viewer")
    secret, codes = enrol_totp(db, user)
    c = app.test_client()
    login(c, user.email)
    for i in range(5):
        assert answer(c, "recovery", f"aaaa-bbbb-cccc-{i:04d}").status_code == 200
    login(c, user.email)  # the password again, in a new second step
    r = answer(c, "totp", code_now(secret))  # even the right code waits now
    assert r.status_code == 429
    text = r.get_data(as_text=True)
    assert "sign-in is paused" in text and re.search(r"try again in 1[45] minutes", text)
    assert c.get("/dashboard").status_code == 302
    other = app.test_client()  # from elsewhere too: the count is the account's
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    login(other, user.email)
    assert answer(other, "recovery", codes[0]).status_code == 429
    assert len(actions(db, user, "user.second_factor_refused")) == 5  # each guess, audited


def test_the_pause_lifts_after_the_window(make_user, db):
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    policy = LoginPolicy()
    start = datetime.now(UTC) - timedelta(minutes=20)
    for _ in range(5):
        with pytest.raises(second_factor.SecondFactorFailed):
            second_factor.verify(session=db, user=user, method="recovery", value="nope", ip="x", policy=policy,
                                 secret_key=TEST_SECRET_KEY, now=start)
    assert second_factor.verify(session=db, user=user, method="totp", value=code_now(secret), ip="x",
                                policy=policy, secret_key=TEST_SECRET_KEY) == "totp"


# ---- forced enrolment --------------------------------------------------------------------------------------------

def _enrol_through_pages(client) -> tuple[str, str]:
    """Set up an authenticator app on its page; return (the page after, its secret)."""
    page = client.get("/account/security/authenticator").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page  # the QR code
    r = client.post("/account/security/authenticator", data={"code": code_now(secret)})
    return r, secret


def test_a_role_that_needs_a_factor_enrols_first_and_can_do_nothing_else(client, make_user, db):
    user = make_user("secretariat")
    r = login(client, user.email, next="/agencies/DOJ")
    assert r.status_code == 302 and r.headers["Location"] == "/account/security/enrol"
    for path in ("/dashboard", "/account/", "/admin/users", "/login/verify", "/public/"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"] == "/account/security/enrol", path
    page = client.get("/account/security/enrol").get_data(as_text=True)
    assert "Your role needs a second factor" in page
    assert client.get("/account/security/authenticator").status_code == 200
    wrong = client.post("/account/security/authenticator", data={"code": "000000"})
    assert wrong.status_code == 422 and "6-digit code" in wrong.get_data(as_text=True)
    r, _secret = _enrol_through_pages(client)
    assert r.status_code == 201
    text = r.get_data(as_text=True)
    shown = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", text)
    assert len(shown) == 10  # shown once
    assert 'href="/agencies/DOJ"' in text  # then on to where they were going
    assert client.get("/dashboard").status_code == 200
    assert actions(db, user, "user.signed_in")[-1].changes["method"] == [None, "password+totp"]
    assert actions(db, user, "user.factor_added")[-1].changes["factor"] == [None, "authenticator app"]
    assert actions(db, user, "user.recovery_codes_generated")


def test_a_role_that_needs_no_factor_and_has_none_signs_in_with_the_password(client, make_user, db):
    user = make_user("liaison", agency="DOJ")
    assert login(client, user.email).headers["Location"] == "/dashboard"
    signin_policy.save(session=db, actor=make_user("admin"), second_factor_roles=["liaison"], sso_roles=[])
    c2 = client.application.test_client()
    assert login(c2, user.email).headers["Location"] == "/account/security/enrol"


# ---- on the account page -----------------------------------------------------------------------------------------

def test_the_account_page_lists_the_factors_and_enrols_an_app(client_as, db):
    c = client_as("viewer")
    page = c.get("/account/").get_data(as_text=True)
    assert "Second factor" in page and "Set up an authenticator app" in page
    r, _secret = _enrol_through_pages(c)
    assert r.status_code == 201 and len(re.findall(r"<code>[a-z0-9-]{19}</code>", r.get_data(as_text=True))) == 10
    page = c.get("/account/").get_data(as_text=True)
    assert "Remove the authenticator app" in page and "10 of 10 left" in page


def test_adding_a_factor_needs_a_fresh_proof(client_as, db):
    c = client_as("viewer")
    stale_proof(c)
    r = c.get("/account/security/authenticator")
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/confirm?next=/account/security/")
    r = c.post("/auth/confirm", data={"password": "not my password", "next": "/account/security/authenticator"})
    assert r.status_code == 200 and "The password is not correct" in r.get_data(as_text=True)
    r = c.post("/auth/confirm", data={"password": PASSWORD, "next": "/account/security/authenticator"})
    assert r.status_code == 302 and r.headers["Location"] == "/account/security/authenticator"
    assert c.get("/account/security/authenticator").status_code == 200
    assert actions(db, c.user, "user.reauthenticated")[-1].changes["method"] == [None, "password"]


def test_confirming_asks_the_second_factor_too_when_there_is_one(client_as, db):
    c = client_as("viewer")
    secret, _codes = enrol_totp(db, c.user)
    stale_proof(c)
    r = c.post("/account/tokens", data={"name": "sync"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/confirm")
    assert db.execute(select(func.count(ApiToken.id)).where(ApiToken.user_id == c.user.id)).scalar() == 0
    r = c.post("/auth/confirm", data={"password": PASSWORD, "next": "/account/"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/confirm")
    assert c.post("/account/tokens", data={"name": "sync"}).status_code == 302  # the password alone: not yet
    page = c.get("/auth/confirm?next=/account/").get_data(as_text=True)
    assert "Code from your authenticator app" in page
    r = c.post("/auth/confirm/factor?next=/account/", data={"method": "totp", "code": code_now(secret)})
    assert r.status_code == 302 and r.headers["Location"] == "/account/"
    assert c.post("/account/tokens", data={"name": "sync"}).status_code == 201
    assert actions(db, c.user, "user.reauthenticated")[-1].changes["method"] == [None, "password+totp"]


def test_a_single_sign_on_session_confirms_with_its_provider_not_a_password(client_as):
    c = client_as("viewer")
    with c.session_transaction() as sess:
        sess["auth_method"] = "sso:logingov"
    page = c.get("/auth/confirm?next=/account/").get_data(as_text=True)
    assert 'name="password"' not in page
    if "oidc.login" in c.application.view_functions:
        assert "/auth/oidc/logingov/login?reauth=1" in page


def test_changing_a_role_or_agency_needs_a_fresh_proof_other_edits_do_not(client_as, make_user, db):
    admin = client_as("admin")
    person = make_user("viewer")
    stale_proof(admin)
    form = {"email": person.email, "name": "New Name", "title": "", "role": "viewer", "agency": "",
            "version": person.version}
    assert admin.post(f"/admin/users/{person.id}", data=form).status_code == 302
    db.refresh(person)
    assert person.name == "New Name"
    r = admin.post(f"/admin/users/{person.id}", data={**form, "role": "secretariat", "version": person.version})
    assert r.status_code == 302 and r.headers["Location"].startswith("/auth/confirm")
    db.refresh(person)
    assert person.role == "viewer"
    r = admin.post(f"/admin/users/{person.id}", data={**form, "role": "liaison", "agency": "DOJ",
                                                      "version": person.version})
    assert r.headers["Location"].startswith("/auth/confirm")
    with admin.session_transaction() as sess:
        sess["proved_at"] = time.time()
    r = admin.post(f"/admin/users/{person.id}", data={**form, "role": "secretariat", "version": person.version})
    assert r.status_code == 302 and not r.headers["Location"].startswith("/auth/confirm")
    db.refresh(person)
    assert person.role == "secretariat"


def test_removing_the_app_needs_a_fresh_proof_and_takes_the_recovery_codes_with_it(client_as, db):
    c = client_as("viewer")
    enrol_totp(db, c.user)
    stale_proof(c)
    assert c.post("/account/security/authenticator/remove").headers["Location"].startswith("/auth/confirm")
    assert factors.has_factor(db, c.user)
    with c.session_transaction() as sess:
        sess["proved_at"] = time.time()
    assert c.post("/account/security/authenticator/remove").status_code == 302
    assert not factors.has_factor(db, c.user)
    assert factors.factors_of(db, c.user).recovery_left == 0
    assert actions(db, c.user, "user.factor_removed")[-1].changes["factor"] == ["authenticator app", None]
    assert login(c.application.test_client(), c.user.email).headers["Location"] == "/dashboard"


def test_the_last_factor_of_a_role_that_needs_one_cannot_be_removed(client_as, db):
    c = client_as("secretariat")
    enrol_totp(db, c.user)
    r = c.post("/account/security/authenticator/remove", follow_redirects=True)
    assert "Your role needs a second factor" in r.get_data(as_text=True)
    assert factors.has_factor(db, c.user)


def test_new_recovery_codes_replace_the_old_ones(client_as, db):
    c = client_as("viewer")
    _secret, old = enrol_totp(db, c.user)
    r = c.post("/account/security/recovery-codes")
    assert r.status_code == 201
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", r.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    login_client = c.application.test_client()
    login(login_client, c.user.email)
    assert "not right" in answer(login_client, "recovery", old[0]).get_data(as_text=True)
    assert answer(login_client, "recovery", new[0]).status_code == 302


def test_a_security_key_of_someone_else_or_removed_is_refused(make_user, db):
    """The server refuses a key that is not the person's own before looking at its signature."""
    user = make_user("viewer")
    enrol_totp(db, user)
    rp = factors.relying_party("http://localhost:5000")
    with pytest.raises(second_factor.SecondFactorFailed, match="not registered to your account"):
        second_factor.verify(session=db, user=user, method="webauthn", ip="x", policy=LoginPolicy(),
                             secret_key=TEST_SECRET_KEY, rp=rp, challenge=b"x" * 32,
                             value='{"id": "c29tZW9uZSBlbHNlcw", "rawId": "c29tZW9uZSBlbHNlcw", "type": '
                                   '"public-key", "response": {}}')


def test_the_relying_party_is_the_base_urls_host():
    rp = factors.relying_party("https://pitf.example.gov")
    assert (rp.id, rp.origin, rp.usable) == ("pitf.example.gov", "https://pitf.example.gov", True)
    assert not factors.relying_party("http://127.0.0.1:5000").usable


def test_a_deactivated_person_half_way_is_stopped(client, make_user, db):
    from pitf.permissions import SYSTEM
    from pitf.services.users import set_active

    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)
    login(client, user.email)
    db.refresh(user)
    set_active(session=db, actor=SYSTEM, user=user, active=False)
    db.flush()
    assert answer(client, "totp", code_now(secret)).headers["Location"] == "/login"


def test_an_administrator_removes_a_persons_lost_factors_with_a_fresh_proof(client_as, make_user, db):
    admin = client_as("admin")
    person = make_user("secretariat")
    enrol_totp(db, person)
    page = admin.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "an authenticator app" in page and "10 recovery codes left" in page
    stale_proof(admin)
    r = admin.post(f"/admin/users/{person.id}/second-factor/reset")
    assert r.headers["Location"].startswith(f"/auth/confirm?next=/admin/users/{person.id}")
    assert factors.has_factor(db, person)
    with admin.session_transaction() as sess:
        sess["proved_at"] = time.time()
    assert admin.post(f"/admin/users/{person.id}/second-factor/reset").status_code == 302
    assert not factors.has_factor(db, person) and factors.factors_of(db, person).recovery_left == 0
    entry = actions(db, person, "user.factors_reset")[-1]
    assert entry.actor_id == admin.user.id and entry.changes["authenticator_app"] == [True, False]
    assert login(admin.application.test_client(), person.email).headers["Location"] == "/account/security/enrol"


@pytest.mark.parametrize("role", ["secretariat", "liaison", "viewer"])
def test_only_administrators_reset_someone_elses_factors(client_as, make_user, db, role):
    person = make_user("viewer")
    enrol_totp(db, person)
    assert client_as(role).post(f"/admin/users/{person.id}/second-factor/reset").status_code == 403
    assert factors.has_factor(db, person)


def test_no_one_removes_someone_elses_key(client_as, make_user, db):
    from pitf.models import WebAuthnCredential

    owner = make_user("viewer")
    key = WebAuthnCredential(user_id=owner.id, name="Owner's key", credential_id="b3duZXIta2V5", public_key=b"x")
    db.add(key)
    db.flush()
    c = client_as("viewer")
    assert c.post(f"/account/security/keys/{key.id}/remove").status_code == 404
    assert db.get(WebAuthnCredential, key.id) is not None
