"""Single sign-on pages: the relying party of each OpenID provider in PITF_OIDC_PROVIDERS, on Authlib.

Authlib does the protocol: discovery from the issuer's /.well-known/openid-configuration, the authorization
code flow with PKCE (S256), `state` and `nonce`, client authentication by private_key_jwt or client secret, and
the ID token's checks (signature against the provider's JWKS, fetched again when a token names a key it does
not have, so keys may rotate; iss, aud, exp, iat, nonce). This module adds what the platform requires on top:
the `acr` the settings demand, and which account the identity signs in to (pitf/services/sso.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from pitf.db import get_db, get_session, write_intent
from pitf.models import User
from pitf.security import is_safe_next
from pitf.services import sso
from pitf.settings import OidcProvider
from pitf.web.auth.signin import finish_sign_in, mark_proved

bp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")
log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10  # seconds for each call to a provider (discovery, keys, token, userinfo)
FLOW_KEY = "oidc_flow"  # the sign-in under way: provider, re-authentication or not, where to go after
SESSION_KEY = "oidc"  # a session signed in by SSO: the provider and the ID token (the hint at sign-out)
PROTOCOL_FAILED = ("The sign-in with your identity provider did not complete, so you are not signed in. "
                   "Start again from the sign-in page; if it keeps failing, tell the IGA team.")
UNREACHABLE = ("The identity provider did not answer, so you are not signed in. Try again in a few minutes, "
               "or sign in another way if your account allows it.")


def init_oidc(app: Flask) -> None:
    """Register one Authlib client per configured provider (an OAuth registry of this app's own)."""
    oauth = OAuth(app)
    for provider in app.config.get("PITF_OIDC_PROVIDERS", {}).values():
        kwargs: dict[str, Any] = {"scope": provider.scopes, "code_challenge_method": "S256",
                                  "token_endpoint_auth_method": provider.auth_method,
                                  "default_timeout": HTTP_TIMEOUT}
        secret: Any = provider.client_secret
        auth_methods = None
        if provider.private_key_pem:
            key = _signing_key(provider.private_key_pem)
            secret = key
            headers = {"kid": provider.key_id} if provider.key_id else None
            auth_methods = [PrivateKeyJWT(headers=headers, alg="ES256" if isinstance(key, ECKey) else "RS256")]
        oauth.register(name=provider.name, client_id=provider.client_id, client_secret=secret,
                       server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
                       client_kwargs=kwargs, client_auth_methods=auth_methods)
    app.extensions["pitf_oidc"] = oauth

    @app.context_processor
    def _sign_in_options():
        return {"oidc_providers": list(app.config.get("PITF_OIDC_PROVIDERS", {}).values())}


def _signing_key(pem: str) -> RSAKey | ECKey:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    loaded = load_pem_private_key(pem.encode(), password=None)
    return ECKey.import_key(pem) if isinstance(loaded, ec.EllipticCurvePrivateKey) else RSAKey.import_key(pem)


def providers() -> dict[str, OidcProvider]:
    return current_app.config.get("PITF_OIDC_PROVIDERS", {})


def _provider(name: str) -> tuple[OidcProvider, Any]:
    provider = providers().get(name)
    if provider is None:
        abort(404)
    return provider, current_app.extensions["pitf_oidc"].create_client(name)


def _callback_url(name: str) -> str:
    # The address registered at the provider: PITF_BASE_URL, not the Host header, names this site.
    return current_app.config["PITF_BASE_URL"] + url_for("oidc.callback", name=name)


def _writing_session():
    """The request's session, beginning as a writer: this GET (the provider's redirect) writes the sign-in's
    audit entry, and on SQLite a transaction that began as a reader cannot write under load (STYLE.md)."""
    write_intent.set(True)  # the request's teardown resets it
    db = get_session()
    if db.in_transaction():
        db.commit()  # it has only read (the signed-in user); the next transaction begins IMMEDIATE
    return db


def _refused_page(status: int, title: str, message: str):
    return render_template("auth/sso_refused.html", title=title, message=message), status


def _record_refusal(provider: str, reason: str, user: User | None = None,
                    identity: sso.VerifiedIdentity | None = None) -> None:
    # Its own transaction: the refusal's answer is an error, whose request transaction is rolled back.
    with get_db().session() as db:
        sso.record_refusal(db, provider=provider, reason=reason,
                           user=db.get(User, user.id) if user is not None else None, identity=identity)


@bp.route("/<name>/login")
def login(name: str):
    """Send the person to the provider (or, with reauth=1, to prove again who they are for a sensitive step)."""
    provider, client = _provider(name)
    reauth = request.args.get("reauth") == "1"
    target = request.args.get("next") or ""
    target = target if is_safe_next(target) else ""
    if reauth and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=target or None))
    params: dict[str, Any] = {}
    if provider.acr_values:
        params["acr_values"] = " ".join(provider.acr_values)
    if reauth:
        params.update(prompt="login", max_age=0)  # the provider asks again, whatever session it has
    session[FLOW_KEY] = {"provider": name, "reauth": reauth, "next": target}
    try:
        return client.authorize_redirect(_callback_url(name), **params)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OpenID provider %s: discovery failed: %s", name, exc)
        return _refused_page(503, "Identity provider unavailable", UNREACHABLE)


def _claims_options(provider: OidcProvider) -> dict:
    """What the ID token's claims must be, beyond Authlib's own checks (signature, exp, iat, nonce, azp):
    issued by the configured issuer, and meant for this client (Authlib checks `aud` only when told to)."""
    issuers = [provider.issuer, provider.issuer + "/"]  # Login.gov's issuer ends in a slash; a setting may not
    return {"iss": {"essential": True, "values": issuers},
            "aud": {"essential": True, "values": [provider.client_id]}}


def _verified_identity(provider: OidcProvider, client, token: dict) -> sso.VerifiedIdentity:
    """The identity the checked ID token names, its email and email_verified from the token or, where the
    provider keeps them out of it (Login.gov), from its userinfo endpoint for the same subject."""
    claims = token.get("userinfo")
    if not claims:  # no ID token at all: nothing vouches for anyone
        raise ValueError("the token response has no ID token")
    subject = str(claims["sub"])
    email, verified = claims.get("email"), claims.get("email_verified")
    if not email and client.load_server_metadata().get("userinfo_endpoint"):
        info = client.userinfo(token=token)
        if str(info.get("sub")) != subject:  # OpenID Connect Core 5.3.2: a userinfo of someone else
            raise ValueError("the userinfo response names another subject")
        email, verified = info.get("email", email), info.get("email_verified", verified)
    if isinstance(verified, str):  # some providers send "true" / "false"
        verified = {"true": True, "false": False}.get(verified.lower())
    return sso.VerifiedIdentity(provider=provider.name, issuer=str(claims["iss"]), subject=subject,
                                email=str(email or ""), email_verified=verified if isinstance(verified, bool) else None,
                                acr=str(claims.get("acr") or ""))


@bp.route("/<name>/callback")
def callback(name: str):
    """The provider's answer: check it (Authlib), find the account, and sign in (or prove again)."""
    provider, client = _provider(name)
    flow = session.pop(FLOW_KEY, None) or {}
    if error := request.args.get("error"):
        # Only an error code is repeated (never the free text of the address, which anyone can write).
        code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "error"
        _record_refusal(name, f"provider answered {code}")
        return _refused_page(403, "Sign-in cancelled", f"The identity provider did not sign you in ({code}). "
                             "Start again from the sign-in page.")
    try:
        token = client.authorize_access_token(claims_options=_claims_options(provider))
        identity = _verified_identity(provider, client, token)
    except requests.RequestException as exc:
        log.warning("OpenID provider %s unreachable at the callback: %s", name, exc)
        _record_refusal(name, f"provider unreachable: {type(exc).__name__}")
        return _refused_page(503, "Identity provider unavailable", UNREACHABLE)
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as exc:
        reason = f"invalid answer: {getattr(exc, 'error', '') or type(exc).__name__}: {exc}"[:500]
        log.warning("OpenID provider %s: sign-in refused: %s", name, reason)
        _record_refusal(name, reason)
        return _refused_page(400, "Sign-in did not complete", PROTOCOL_FAILED)
    if flow.get("provider") != name:  # the answer of a sign-in this browser did not start here
        _record_refusal(name, "no sign-in under way for this provider", identity=identity)
        return _refused_page(400, "Sign-in did not complete", PROTOCOL_FAILED)
    target = flow.get("next") or ""
    target = target if is_safe_next(target) else ""
    if flow.get("reauth"):
        return _reauthenticated(provider, identity, token, target)
    refusal: sso.SsoRefused | None = None
    user_id: int | None = None
    with get_db().session() as db:  # committed even when the answer is a refusal (its audit entry)
        try:
            user_id = sso.sign_in(session=db, identity=identity, acr_values=provider.acr_values,
                                  email_domains=provider.email_domains).id
        except sso.SsoRefused as exc:
            refusal = exc
    if refusal is not None or user_id is None:
        return _refused_page(403, "No access through single sign-on", refusal.message if refusal else "")
    user = _writing_session().get(User, user_id)
    finish_sign_in(user, method=f"sso:{name}", detail={"issuer": identity.issuer, **(
        {"acr": identity.acr} if identity.acr else {})})
    session[SESSION_KEY] = {"provider": name, "id_token": token.get("id_token", "")}
    return redirect(target or url_for("main.dashboard"))


def _reauthenticated(provider: OidcProvider, identity: sso.VerifiedIdentity, token: dict, target: str):
    if not current_user.is_authenticated:
        _record_refusal(provider.name, "re-authentication without a signed-in session", identity=identity)
        return redirect(url_for("auth.login"))
    refusal: sso.SsoRefused | None = None
    with get_db().session() as db:
        try:
            user = db.get(User, current_user.id)
            assert user is not None
            sso.reauthenticate(session=db, user=user, identity=identity, acr_values=provider.acr_values)
        except sso.SsoRefused as exc:
            refusal = exc
    if refusal is not None:
        return _refused_page(403, "Not your identity", refusal.message)
    mark_proved()
    session[SESSION_KEY] = {"provider": provider.name, "id_token": token.get("id_token", "")}
    return redirect(target or url_for("main.dashboard"))


def end_session_page(signed_in: dict | None):
    """After sign-out here: a page sending the browser to the provider's end_session_endpoint (RP-initiated
    logout) when the session was a single sign-on and the provider publishes one, else None."""
    if not signed_in or signed_in.get("provider") not in providers():
        return None
    name = signed_in["provider"]
    client = current_app.extensions["pitf_oidc"].create_client(name)
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        back = current_app.config["PITF_BASE_URL"] + url_for("oidc.signed_out", name=name)
        logout = client.create_logout_url(post_logout_redirect_uri=back, client_id=client.client_id,
                                          id_token_hint=signed_in.get("id_token") or None)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("OpenID provider %s: no sign-out there: %s", name, exc)
        return None
    # What Authlib's logout_redirect keeps, for validate_logout_response on the way back.
    client.framework.set_state_data(session, logout["state"], {"post_logout_redirect_uri": back})
    return render_template("auth/signing_out.html", url=logout["url"], label=providers()[name].label)


@bp.route("/<name>/signed-out")
def signed_out(name: str):
    """Where the provider sends the person back after signing out there too."""
    provider, client = _provider(name)
    try:
        client.validate_logout_response()
    except AuthlibBaseError:
        pass  # signed out here anyway; a missing or stale state only means the provider's part is unconfirmed
    flash(f"You have signed out, here and at {provider.label}.", "success")
    return redirect(url_for("auth.login"))
