"""Security keys and passkeys in Chromium, through the DevTools protocol's virtual authenticators: enrol a key
(right after the password, where the role needs a second factor), sign in with it, a wrong key and a removed key
refused; the new pages pass axe-core and work by keyboard."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect
from sqlalchemy import select

from pitf.models import AuditEntry, WebAuthnCredential
from tests.factories import PASSWORD
from tests.second_factor import code_now, enrol_totp

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, base_url):
    """The live server under the name localhost: browsers refuse WebAuthn on an IP address, and the relying
    party is PITF_BASE_URL's host."""
    url = base_url.replace("127.0.0.1", "localhost")
    app.config["PITF_BASE_URL"] = url
    return url


class Authenticators:
    """Chromium's virtual authenticators (CDP WebAuthn domain) on one page."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})

    def add(self) -> str:
        return self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    def only(self, chosen: str, every: list[str]) -> None:
        """Let *chosen* answer (the person touches that key); the others wait for a touch that never comes."""
        for authenticator in every:
            self.cdp.send("WebAuthn.setAutomaticPresenceSimulation",
                          {"authenticatorId": authenticator, "enabled": authenticator == chosen})

    def add_impostor(self, authenticator: str, credential_id: str, rp_id: str, sign_count: int) -> None:
        """A credential claiming *credential_id* (base64url) but with a private key of its own."""
        key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        raw_id = base64.urlsafe_b64decode(credential_id + "=" * (-len(credential_id) % 4))
        self.cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": {
            "credentialId": base64.b64encode(raw_id).decode(), "isResidentCredential": False, "rpId": rp_id,
            "privateKey": base64.b64encode(key).decode(), "signCount": sign_count}})


def sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def password_step(page, site, email):
    page.goto(f"{site}/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_secretariat_enrols_a_security_key_at_sign_in_then_signs_in_with_it(page, site, make_user, db, axe):
    keys = Authenticators(page)
    keys.add()
    user = make_user("secretariat")
    password_step(page, site, user.email)
    expect(page).to_have_url(f"{site}/account/security/enrol")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    axe(page)
    page.get_by_role("link", name="Register a security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a security key or passkey")
    axe(page)
    name = page.get_by_label("Name of the key")
    name.fill("Blue key on my keyring")
    with page.expect_navigation():
        name.press("Enter")  # by keyboard: Enter in the field asks the key
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".pitf-recovery-codes code")).to_have_count(10)
    axe(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page).to_have_url(f"{site}/dashboard")

    sign_out(page)
    password_step(page, site, user.email)
    expect(page).to_have_url(f"{site}/login/verify")
    axe(page)
    button = page.get_by_role("button", name="Use security key")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/dashboard")
    key = db.execute(select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)).scalar_one()
    assert key.name == "Blue key on my keyring" and key.last_used_at is not None
    methods = db.execute(select(AuditEntry.changes).where(AuditEntry.action == "user.signed_in",
                                                          AuditEntry.object_id == user.id)
                         .order_by(AuditEntry.id)).scalars().all()
    assert [m["method"][1] for m in methods] == ["password+webauthn", "password+webauthn"]
    page.goto(f"{site}/account/")
    expect(page.get_by_role("table", name="Your security keys and passkeys")).to_contain_text("Blue key on my keyring")
    axe(page)


def test_a_wrong_key_and_a_removed_key_are_refused(page, site, make_user, db, axe):
    keys = Authenticators(page)
    first, second = keys.add(), keys.add()
    user = make_user("viewer")
    secret, _codes = enrol_totp(db, user)  # an authenticator app too, so that a key can be removed
    password_step(page, site, user.email)
    page.get_by_label("Code from your authenticator app").fill(code_now(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Verify code").click()
    expect(page).to_have_url(f"{site}/dashboard")

    for authenticator, label in ((first, "Old key"), (second, "Spare key")):
        keys.only(authenticator, [first, second])
        page.goto(f"{site}/account/security/keys/new")
        page.get_by_label("Name of the key").fill(label)
        with page.expect_navigation():
            page.get_by_role("button", name="Register the key").click()
        expect(page.get_by_role("status").first).to_contain_text(f"Security key “{label}” is registered.")
    registered = {k.name: k.credential_id for k in db.execute(
        select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)).scalars()}
    assert set(registered) == {"Old key", "Spare key"}

    page.get_by_role("button", name="Remove Old key").click()
    expect(page.get_by_role("status").first).to_contain_text("The security key is removed")
    sign_out(page)

    # The removed key: the page no longer asks for it; asked for all the same, the server refuses it.
    password_step(page, site, user.email)
    keys.only(first, [first, second])
    form = page.locator("form[data-webauthn=get]")
    options = json.loads(form.get_attribute("data-webauthn-options"))
    options["allowCredentials"] = [{"id": registered["Old key"], "type": "public-key"}]
    form.evaluate("(f, o) => f.setAttribute('data-webauthn-options', o)", json.dumps(options))
    with page.expect_navigation():
        page.get_by_role("button", name="Use security key").click()
    expect(page.get_by_role("alert").first).to_contain_text("This security key is not registered to your account.")
    axe(page)
    page.goto(f"{site}/dashboard")
    expect(page).to_have_url(re.compile(re.escape(f"{site}/login?next=")))  # not signed in

    # A wrong key: another authenticator claims the spare key's id, but signs with a key of its own. A copy
    # whose use counter is behind the real key's is refused for that; one ahead, for its signature.
    keys.add_impostor(first, registered["Spare key"], "localhost", sign_count=0)
    page.goto(f"{site}/login/verify")
    with page.expect_navigation():
        page.get_by_role("button", name="Use security key").click()
    expect(page.get_by_role("alert").first).to_contain_text("use counter went back")
    third = keys.add()
    keys.add_impostor(third, registered["Spare key"], "localhost", sign_count=1000)
    keys.only(third, [first, second, third])
    with page.expect_navigation():
        page.get_by_role("button", name="Use security key").click()
    expect(page.get_by_role("alert").first).to_contain_text("could not be verified")

    # The spare key itself still signs in.
    keys.only(second, [first, second, third])
    with page.expect_navigation():
        page.get_by_role("button", name="Use security key").click()
    expect(page).to_have_url(f"{site}/dashboard")
    refused = db.execute(select(AuditEntry.changes).where(AuditEntry.action == "user.second_factor_refused",
                                                          AuditEntry.object_id == user.id)).scalars().all()
    assert len(refused) == 3 and all(r["method"][1] == "webauthn" for r in refused)
