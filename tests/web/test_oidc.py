"""Single sign-on through OpenID Connect, at the HTTP level: the platform's test client drives the flow and a
requests session plays the browser at a real provider (oidc-provider, tests/oidc/provider.mjs). The answers a
real provider would never give (forged, expired or replayed tokens) come from tests/fake_op.py."""

from __future__ import annotations

import re
from html import escape, unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import select

from pitf.models import AuditEntry, User, UserIdentity
from pitf.services import signin_policy
from pitf.settings import ConfigError, oidc_providers_from_env
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.fake_op import FakeProvider
from tests.oidc_provider import OidcProviderProcess, client, follow_to_platform, log_in, user

SECRET = "test-client-secret-that-is-long-enough-0123456789"
AAL1 = "urn:pitf:test:aal1"
AAL2 = "urn:pitf:test:aal2"
PIV = "http://idmanagement.gov/ns/assurance/aal/3?hspd12=true"
ASK = "ask the secretariat"


@pytest.fixture(scope="module")
def rp_key(tmp_path_factory):
    """The platform's private key for private_key_jwt (as Login.gov's clients have), and its public JWK."""
    key = RSAKey.generate_key(2048, parameters={"kid": "pitf-rp-1"})
    path = tmp_path_factory.mktemp("oidc") / "client-key.pem"
    path.write_bytes(key.as_pem(private=True))
    return path, key.as_dict(private=False)


@pytest.fixture(scope="module")
def provider(rp_key):
    users = [user("alice", "alice@state.gov", acrs=[AAL1, AAL2]), user("bob", "bob@state.gov", acrs=[AAL1]),
             user("victor", "victor@state.gov", verified=False), user("nora", "nora@nowhere.gov"),
             user("dora", "dora@state.gov"), user("liam", "liam@doj.gov"), user("sam", "sam@state.gov")]
    clients = [client("pitf-agency", "agency", secret=SECRET),
               client("pitf-logingov", "logingov", public_jwk=rp_key[1]),
               client("pitf-strict", "strict", secret=SECRET)]
    with OidcProviderProcess(clients=clients, users=users, acr_values=[AAL1, AAL2, PIV]) as op:
        yield op


def provider_env(op, rp_key, **extra) -> dict:
    env = {"PITF_OIDC_PROVIDERS": "agency,logingov,strict",
           "PITF_OIDC_AGENCY_ISSUER": op.issuer, "PITF_OIDC_AGENCY_CLIENT_ID": "pitf-agency",
           "PITF_OIDC_AGENCY_CLIENT_SECRET": SECRET, "PITF_OIDC_AGENCY_LABEL": "Agency ID",
           "PITF_OIDC_LOGINGOV_ISSUER": op.issuer, "PITF_OIDC_LOGINGOV_CLIENT_ID": "pitf-logingov",
           "PITF_OIDC_LOGINGOV_PRIVATE_KEY_FILE": str(rp_key[0]), "PITF_OIDC_LOGINGOV_LABEL": "Login.gov",
           "PITF_OIDC_LOGINGOV_KEY_ID": "pitf-rp-1",
           "PITF_OIDC_STRICT_ISSUER": op.issuer, "PITF_OIDC_STRICT_CLIENT_ID": "pitf-strict",
           "PITF_OIDC_STRICT_CLIENT_SECRET": SECRET, "PITF_OIDC_STRICT_ACR_VALUES": AAL2}
    env.update(extra)
    return env


@pytest.fixture
def app(connection, settings, provider, rp_key):
    return make_app({**settings, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(provider_env(provider, rp_key))},
                    connection)


def start(c, name: str, **query) -> str:
    r = c.get(f"/auth/oidc/{name}/login", query_string=query)
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def back(c, address: str):
    """The provider's redirect, followed on the platform."""
    parts = urlsplit(address)
    return c.get(f"{parts.path}?{parts.query}")


def sso(c, name: str, login: str, browser: requests.Session | None = None, **query):
    """Sign in through provider *name* as the provider's user *login*; the platform's answer to the callback."""
    return back(c, log_in(browser or requests.Session(), start(c, name, **query), login))


def audits(db, action: str) -> list[AuditEntry]:
    return list(db.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def identities(db) -> list[UserIdentity]:
    return list(db.execute(select(UserIdentity)).scalars())


def signed_in_as(c) -> int | None:
    with c.session_transaction() as s:
        return int(s["_user_id"].split(":")[0]) if s.get("_user_id") else None


# ---- success and linking --------------------------------------------------------------------------------------

def test_the_sign_in_page_offers_each_provider_by_its_label(client):
    html = client.get("/login").get_data(as_text=True)
    for name, label in [("agency", "Agency ID"), ("logingov", "Login.gov"), ("strict", "Strict")]:
        assert f'href="/auth/oidc/{name}/login"' in html and f"Sign in with {label}" in html


def test_an_unknown_provider_is_a_404(client):
    assert client.get("/auth/oidc/nosuch/login").status_code == 404
    assert client.get("/auth/oidc/nosuch/callback?code=x&state=y").status_code == 404


def test_the_request_uses_pkce_state_and_nonce(client):
    query = parse_qs(urlsplit(start(client, "agency")).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email"]
    assert query["redirect_uri"][0].endswith("/auth/oidc/agency/callback")


@pytest.mark.parametrize("name", ["agency", "logingov"])  # a client secret; private_key_jwt
def test_first_sign_in_links_the_verified_email_and_signs_in(client, db, make_user, name):
    alice = make_user("secretariat", email="alice@state.gov")
    r = sso(client, name, "alice", next="/meetings")
    assert r.status_code == 302 and r.headers["Location"].endswith("/meetings")
    assert signed_in_as(client) == alice.id
    with client.session_transaction() as s:
        assert s["auth_method"] == f"sso:{name}" and s["oidc"]["id_token"]
    [row] = identities(db)
    assert (row.user_id, row.provider, row.subject, row.email) == (alice.id, name, "sub-alice", "alice@state.gov")
    assert row.issuer.startswith("http://127.0.0.1:")
    [linked] = audits(db, "user.identity_linked")
    assert linked.object_id == alice.id and linked.changes["subject"] == [None, "sub-alice"]
    [signed] = audits(db, "user.signed_in")
    assert signed.actor_id == alice.id and signed.changes["method"] == [None, f"sso:{name}"]
    assert client.get("/dashboard").status_code == 200


def test_a_linked_identity_signs_in_by_its_subject_even_after_the_account_email_changed(client, db, make_user, app):
    alice = make_user("viewer", email="alice@state.gov")
    assert sso(client, "agency", "alice").status_code == 302
    alice.email = "alice.renamed@state.gov"  # the account's email no longer matches what the provider says
    db.flush()
    other = app.test_client()
    assert sso(other, "agency", "alice").status_code == 302
    assert signed_in_as(other) == alice.id
    assert len(identities(db)) == 1 and len(audits(db, "user.identity_linked")) == 1


def test_a_person_with_an_account_sso_required_role_is_refused_a_password_but_signed_in_by_sso(client, db, make_user):
    liaison = make_user("liaison", agency="DOJ", email="liam@doj.gov")
    signin_policy.save(session=db, actor=make_user("admin"), second_factor_roles=[], sso_roles=["liaison"])
    r = client.post("/login", data={"email": liaison.email, "password": PASSWORD})
    assert "signs in through single sign-on" in r.get_data(as_text=True) and signed_in_as(client) is None
    assert sso(client, "agency", "liam").status_code == 302
    assert signed_in_as(client) == liaison.id


# ---- refusals: nothing created, a clear page, the reason audited -------------------------------------------------

def test_an_unverified_email_is_refused_and_nothing_is_linked(client, db, make_user):
    make_user("viewer", email="victor@state.gov")
    r = sso(client, "agency", "victor")
    assert r.status_code == 403 and ASK in r.get_data(as_text=True)
    assert signed_in_as(client) is None and identities(db) == []
    [refused] = audits(db, "user.sso_refused")
    assert refused.changes["reason"] == [None, "email not verified by the provider"]
    assert refused.actor_id is None


def test_a_person_without_an_account_is_refused_and_no_account_is_made(client, db):
    before = db.execute(select(User.id)).scalars().all()
    r = sso(client, "agency", "nora")
    body = r.get_data(as_text=True)
    assert r.status_code == 403 and "no account on the platform for nora@nowhere.gov" in body.lower()
    assert ASK.capitalize() in body or ASK in body
    assert db.execute(select(User.id)).scalars().all() == before and identities(db) == []
    [refused] = audits(db, "user.sso_refused")
    assert refused.changes["reason"] == [None, "no account for this email"]
    assert refused.changes["email"] == [None, "nora@nowhere.gov"]


def test_refusals_and_links_read_in_words_in_the_audit_log(client, client_as, make_user):
    make_user("viewer", email="sam@state.gov")
    sso(client, "agency", "nora")
    sso(client.application.test_client(), "agency", "sam")
    page = client_as("admin").get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Single sign-on refused" in html and "no account for this email" in html
    assert "Single sign-on identity linked" in html


def test_a_deactivated_account_is_refused_before_and_after_linking(client, db, make_user, app):
    dora = make_user("viewer", email="dora@state.gov", active=False)
    r = sso(client, "agency", "dora")
    assert r.status_code == 403 and "deactivated" in r.get_data(as_text=True) and identities(db) == []
    # linked while active, then deactivated: single sign-on stops too
    from pitf.permissions import SYSTEM
    from pitf.services import users

    users.set_active(session=db, actor=SYSTEM, user=dora, active=True)
    assert sso(app.test_client(), "agency", "dora").status_code == 302
    users.set_active(session=db, actor=SYSTEM, user=dora, active=False)
    other = app.test_client()
    r = sso(other, "agency", "dora")
    assert r.status_code == 403 and signed_in_as(other) is None
    reasons = [a.changes["reason"][1] for a in audits(db, "user.sso_refused")]
    assert reasons == ["account deactivated", "account deactivated"]
    assert audits(db, "user.sso_refused")[-1].actor_id == dora.id


def test_an_acr_below_the_required_one_is_refused(client, db, make_user, app):
    make_user("viewer", email="bob@state.gov")
    alice = make_user("viewer", email="alice@state.gov")
    authorize = start(client, "strict")
    assert parse_qs(urlsplit(authorize).query)["acr_values"] == [AAL2]
    r = back(client, log_in(requests.Session(), authorize, "bob"))  # bob's provider account reaches AAL1 only
    assert r.status_code == 403 and signed_in_as(client) is None and identities(db) == []
    [refused] = audits(db, "user.sso_refused")
    assert AAL1 in refused.changes["reason"][1] and AAL2 in refused.changes["reason"][1]
    other = app.test_client()
    assert sso(other, "strict", "alice").status_code == 302 and signed_in_as(other) == alice.id
    assert audits(db, "user.signed_in")[-1].changes["acr"] == [None, AAL2]


def test_a_state_that_does_not_match_is_refused(client, db, make_user):
    make_user("viewer", email="sam@state.gov")
    address = log_in(requests.Session(), start(client, "agency"), "sam")
    tampered = address.replace("state=", "state=x")
    r = back(client, tampered)
    assert r.status_code == 400 and signed_in_as(client) is None and identities(db) == []
    assert "mismatching_state" in audits(db, "user.sso_refused")[0].changes["reason"][1]


def test_an_answer_to_another_browser_is_refused(client, app, db, make_user):
    make_user("viewer", email="sam@state.gov")
    address = log_in(requests.Session(), start(client, "agency"), "sam")
    stranger = app.test_client()  # an attacker's browser given the victim's callback address
    assert back(stranger, address).status_code == 400 and signed_in_as(stranger) is None


def test_the_same_answer_used_twice_is_refused(client, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    browser = requests.Session()
    address = log_in(browser, start(client, "agency"), "sam")
    assert back(client, address).status_code == 302 and signed_in_as(client) == sam.id
    assert back(client, address).status_code == 400  # its state was used up (and the code too)


def test_a_provider_that_does_not_answer_gets_a_clear_page(connection, settings, db):
    from tests.smtp_server import free_port

    env = {"PITF_OIDC_PROVIDERS": "down", "PITF_OIDC_DOWN_ISSUER": f"http://127.0.0.1:{free_port()}",
           "PITF_OIDC_DOWN_CLIENT_ID": "c", "PITF_OIDC_DOWN_CLIENT_SECRET": SECRET}
    app = make_app({**settings, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(env)}, connection)
    r = app.test_client().get("/auth/oidc/down/login")
    assert r.status_code == 503 and "identity provider did not answer" in r.get_data(as_text=True)


def test_a_sign_in_cancelled_at_the_provider_is_refused_and_audited(client, db):
    query = parse_qs(urlsplit(start(client, "agency")).query)
    r = client.get("/auth/oidc/agency/callback", query_string={
        "error": "access_denied", "error_description": "End-User aborted interaction", "state": query["state"][0]})
    body = r.get_data(as_text=True)
    assert r.status_code == 403 and "(access_denied)" in body
    assert "End-User aborted" not in body  # the address's free text is not repeated on the page
    assert signed_in_as(client) is None
    assert audits(db, "user.sso_refused")[0].changes["reason"] == [None, "provider answered access_denied"]


# ---- the provider's keys rotate --------------------------------------------------------------------------------

def test_a_new_signing_key_at_the_provider_is_fetched_and_sign_in_goes_on(app, db, make_user, provider):
    sam = make_user("viewer", email="sam@state.gov")
    first = app.test_client()
    assert sso(first, "agency", "sam").status_code == 302
    old_kid = provider.jwks()["keys"][0]["kid"]
    provider.restart()  # a new key; the platform still holds the old key set
    assert provider.jwks()["keys"][0]["kid"] != old_kid
    second = app.test_client()
    assert sso(second, "agency", "sam").status_code == 302 and signed_in_as(second) == sam.id


# ---- tokens a real provider would never send -------------------------------------------------------------------

@pytest.fixture
def fake():
    with FakeProvider() as op:
        yield op


@pytest.fixture
def fake_app(connection, settings, fake):
    env = {"PITF_OIDC_PROVIDERS": "fake", "PITF_OIDC_FAKE_ISSUER": fake.issuer,
           "PITF_OIDC_FAKE_CLIENT_ID": fake.client_id, "PITF_OIDC_FAKE_CLIENT_SECRET": SECRET}
    return make_app({**settings, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(env)}, connection)


def fake_sso(app):
    c = app.test_client()
    answer = requests.get(start(c, "fake"), allow_redirects=False, timeout=5)
    return c, back(c, follow_to_platform(requests.Session(), answer))


def test_the_fake_provider_signs_in_when_its_token_is_right(fake_app, fake, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    fake.email = sam.email
    c, r = fake_sso(fake_app)
    assert r.status_code == 302 and signed_in_as(c) == sam.id


@pytest.mark.parametrize("claims, reason", [
    ({"aud": "someone-else", "azp": "pitf-fake"}, "aud"),  # Authlib checks aud only when asked to
    ({"aud": ["someone-else", "another"], "azp": "pitf-fake"}, "aud"),
    ({"iss": "https://impostor.example"}, "iss"),
    ({"exp": 1_000_000_000, "iat": 999_999_000}, "expired"),
    ({"nonce": "not-the-nonce-sent"}, "nonce"),
    ({"iat": "yesterday"}, "iat"),
])
def test_a_token_with_a_wrong_claim_is_refused(fake_app, fake, db, make_user, claims, reason):
    sam = make_user("viewer", email="sam@state.gov")
    fake.email = sam.email
    fake.claims_override = claims
    c, r = fake_sso(fake_app)
    assert r.status_code == 400 and signed_in_as(c) is None and identities(db) == []
    [refused] = audits(db, "user.sso_refused")
    assert reason in refused.changes["reason"][1].lower()


def test_a_token_signed_with_a_key_not_in_the_jwks_is_refused(fake_app, fake, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    fake.email = sam.email
    fake.sign_with = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
    c, r = fake_sso(fake_app)
    assert r.status_code == 400 and signed_in_as(c) is None
    assert fake.jwks_requests == 2  # an unknown key id makes the platform fetch the key set again, once
    # the same key id as a published key, but another key: the signature does not verify
    fake.sign_with = RSAKey.generate_key(2048, parameters={"kid": fake.key.kid})
    c, r = fake_sso(fake_app)
    assert r.status_code == 400 and signed_in_as(c) is None and identities(db) == []
    assert len(audits(db, "user.sso_refused")) == 2


def test_a_replayed_id_token_is_refused_by_its_nonce(fake_app, fake, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    fake.email = sam.email
    c, r = fake_sso(fake_app)
    assert r.status_code == 302
    fake.replay = True  # the next answer carries the token of the sign-in before, with its nonce
    c, r = fake_sso(fake_app)
    assert r.status_code == 400 and signed_in_as(c) is None
    assert "nonce" in audits(db, "user.sso_refused")[0].changes["reason"][1]


def test_an_identity_keeps_its_account_when_the_providers_email_claim_changes(fake_app, fake, db, make_user):
    a = make_user("viewer", email="first@state.gov")
    b = make_user("viewer", email="second@state.gov")
    fake.email = a.email
    c, _ = fake_sso(fake_app)
    assert signed_in_as(c) == a.id
    fake.email = b.email  # the same subject now reports B's address
    c, r = fake_sso(fake_app)
    assert r.status_code == 302 and signed_in_as(c) == a.id


def test_a_second_identity_at_the_same_provider_does_not_take_over_a_linked_account(fake_app, fake, db, make_user):
    a = make_user("viewer", email="first@state.gov")
    fake.email = a.email
    fake_sso(fake_app)
    fake.subject = "another-subject"  # someone else at the provider who also shows a's email as verified
    c, r = fake_sso(fake_app)
    assert r.status_code == 403 and signed_in_as(c) is None
    assert len(identities(db)) == 1


@pytest.fixture
def agency_app(connection, settings, fake):
    """The fake provider as an agency's directory, authoritative for its own email domain (Entra ID sends no
    email_verified)."""
    env = {"PITF_OIDC_PROVIDERS": "fake", "PITF_OIDC_FAKE_ISSUER": fake.issuer,
           "PITF_OIDC_FAKE_CLIENT_ID": fake.client_id, "PITF_OIDC_FAKE_CLIENT_SECRET": SECRET,
           "PITF_OIDC_FAKE_EMAIL_DOMAINS": "usdoj.gov, @fbi.gov"}
    return make_app({**settings, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(env)}, connection)


@pytest.mark.parametrize("email, verified, linked", [
    ("jordan@usdoj.gov", None, True),  # its own domain, no claim: its word is taken
    ("JORDAN@FBI.GOV", None, True),
    ("jordan@usdoj.gov", False, False),  # it says it is not verified
    ("jordan@state.gov", True, False),  # another agency's address: not its to vouch for
])
def test_an_agency_directory_vouches_for_its_own_domains_only(agency_app, fake, db, make_user, email, verified,
                                                               linked):
    person = make_user("liaison", agency="DOJ", email=email.lower())
    fake.email = email
    fake.claims_override = {"email_verified": verified}
    c, r = fake_sso(agency_app)
    assert (r.status_code == 302) is linked
    assert (signed_in_as(c) == person.id) is linked and (len(identities(db)) == 1) is linked
    if not linked:
        assert audits(db, "user.sso_refused")[0].changes["reason"][1] in {
            "email not verified by the provider", "email outside the provider's domains"}


# ---- re-authentication and sign-out ----------------------------------------------------------------------------

def test_reauthentication_asks_the_provider_again_and_marks_the_session_proved(client, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    browser = requests.Session()
    assert sso(client, "agency", "sam", browser).status_code == 302
    with client.session_transaction() as s:
        s["proved_at"] = 0  # long ago
    authorize = start(client, "agency", reauth="1", next="/account")
    query = parse_qs(urlsplit(authorize).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    r = back(client, log_in(browser, authorize, "sam"))  # the provider asks for the password again
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    with client.session_transaction() as s:
        assert s["proved_at"] > 0 and signed_in_as(client) == sam.id
    assert audits(db, "user.reauthenticated")[0].actor_id == sam.id


def test_reauthentication_with_someone_elses_identity_is_refused(client, db, make_user):
    make_user("viewer", email="sam@state.gov")
    alice = make_user("viewer", email="alice@state.gov")
    assert sso(client, "agency", "alice").status_code == 302
    assert sso(client.application.test_client(), "agency", "sam").status_code == 302  # sam's identity, linked
    with client.session_transaction() as s:
        s["proved_at"] = 0
    r = sso(client, "agency", "sam", reauth="1", next="/account")
    assert r.status_code == 403
    with client.session_transaction() as s:
        assert s["proved_at"] == 0 and signed_in_as(client) == alice.id


def test_an_unsafe_next_is_dropped(client, make_user):
    make_user("viewer", email="sam@state.gov")
    r = sso(client, "agency", "sam", next="//evil.example/")
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


def test_sign_out_ends_the_session_here_and_at_the_provider(client, db, make_user):
    sam = make_user("viewer", email="sam@state.gov")
    browser = requests.Session()
    assert sso(client, "agency", "sam", browser).status_code == 302
    r = client.post("/logout")
    assert r.status_code == 200 and signed_in_as(client) is None
    # a page that sends the browser on (the page's form-action 'self' forbids redirecting a form elsewhere)
    address = unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', r.get_data(as_text=True))[1])
    assert f'href="{escape(address)}"' in r.get_data(as_text=True)
    end = urlsplit(address)
    query = parse_qs(end.query)
    assert end.path == "/session/end" and query["id_token_hint"][0] and query["client_id"] == ["pitf-agency"]
    assert query["post_logout_redirect_uri"][0].endswith("/auth/oidc/agency/signed-out")
    assert audits(db, "user.signed_out")[0].actor_id == sam.id
    # at the provider: its confirmation form, then back to the platform
    page = browser.get(address, timeout=10)
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, page.text[:300]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    answer = browser.post(requests.compat.urljoin(page.url, form.group(1)), data={**fields, "logout": "yes"},
                          allow_redirects=False, timeout=10)
    done = back(client, follow_to_platform(browser, answer))
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "signed out, here and at Agency ID" in client.get("/login").get_data(as_text=True)
    # the provider's own session is over: a new sign-in there asks for the password again
    again = browser.get(start(client, "agency"), timeout=10)
    assert 'name="password"' in again.text


def test_a_password_session_signs_out_here_only(client_as):
    c = client_as("viewer")
    r = c.post("/logout")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")


# ---- administrators see and unlink identities ----------------------------------------------------------------

def test_an_administrator_sees_and_unlinks_an_identity(client, app, db, make_user, client_as):
    sam = make_user("viewer", email="sam@state.gov")
    assert sso(client, "agency", "sam").status_code == 302
    admin = client_as("admin")
    page = admin.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert "Agency ID" in page and "sam@state.gov" in page and "Unlink Agency ID" in page
    [row] = identities(db)
    r = admin.post(f"/admin/users/{sam.id}/identities/{row.id}/unlink")
    assert r.status_code == 302 and identities(db) == []
    [entry] = audits(db, "user.identity_unlinked")
    assert entry.actor_id == admin.user.id and entry.object_id == sam.id
    assert entry.changes["subject"] == ["sub-sam", None]
    assert "No identity provider is linked" in admin.get(f"/admin/users/{sam.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["secretariat", "viewer"])
def test_only_administrators_unlink(client, make_user, client_as, db, role):
    sam = make_user("viewer", email="sam@state.gov")
    assert sso(client, "agency", "sam").status_code == 302
    [row] = identities(db)
    assert client_as(role).post(f"/admin/users/{sam.id}/identities/{row.id}/unlink").status_code == 403
    assert len(identities(db)) == 1


# ---- settings ----------------------------------------------------------------------------------------------

def test_providers_are_read_from_the_environment(rp_key):
    providers = oidc_providers_from_env(provider_env(type("Op", (), {"issuer": "https://idp.example.gov/"}), rp_key))
    assert list(providers) == ["agency", "logingov", "strict"]
    lg = providers["logingov"]
    assert lg.issuer == "https://idp.example.gov" and lg.auth_method == "private_key_jwt" and lg.key_id == "pitf-rp-1"
    assert providers["agency"].auth_method == "client_secret_basic" and providers["agency"].scopes == "openid email"
    assert providers["strict"].acr_values == (AAL2,) and providers["strict"].label == "Strict"
    assert oidc_providers_from_env({}) == {}


@pytest.mark.parametrize("env, variable", [
    ({"PITF_OIDC_PROVIDERS": "Bad-Name"}, "PITF_OIDC_PROVIDERS"),
    ({"PITF_OIDC_PROVIDERS": "x"}, "PITF_OIDC_X_ISSUER"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "http://idp.example.gov"}, "PITF_OIDC_X_ISSUER"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://idp.example.gov"}, "PITF_OIDC_X_CLIENT_ID"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://i.example", "PITF_OIDC_X_CLIENT_ID": "c"},
     "PITF_OIDC_X_CLIENT_SECRET"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://i.example", "PITF_OIDC_X_CLIENT_ID": "c",
      "PITF_OIDC_X_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "PITF_OIDC_X_PRIVATE_KEY_FILE"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://i.example", "PITF_OIDC_X_CLIENT_ID": "c",
      "PITF_OIDC_X_CLIENT_SECRET": "s", "PITF_OIDC_X_SCOPES": "email"}, "PITF_OIDC_X_SCOPES"),
    ({"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://i.example", "PITF_OIDC_X_CLIENT_ID": "c",
      "PITF_OIDC_X_CLIENT_SECRET": "s", "PITF_OIDC_X_EMAIL_DOMAINS": "not a domain"}, "PITF_OIDC_X_EMAIL_DOMAINS"),
    ({"PITF_OIDC_PROVIDERS": "x,x"}, "PITF_OIDC_PROVIDERS"),
])
def test_a_missing_or_malformed_provider_setting_names_its_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        oidc_providers_from_env(env)


def test_a_private_key_file_that_is_not_a_key_is_refused(tmp_path):
    bad = tmp_path / "key.pem"
    bad.write_text("not a key")
    env = {"PITF_OIDC_PROVIDERS": "x", "PITF_OIDC_X_ISSUER": "https://i.example", "PITF_OIDC_X_CLIENT_ID": "c",
           "PITF_OIDC_X_PRIVATE_KEY_FILE": str(bad)}
    with pytest.raises(ConfigError, match="PITF_OIDC_X_PRIVATE_KEY_FILE"):
        oidc_providers_from_env(env)
