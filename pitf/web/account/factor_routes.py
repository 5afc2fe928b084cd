"""Enrol and remove second factors (security keys and passkeys, an authenticator app) and regenerate recovery
codes: from the account page with a fresh proof of identity, or right after the password when the person's role
needs a factor and they have none (then nothing else is open to them until they enrol)."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from pitf import permissions
from pitf.db import get_session
from pitf.errors import DomainError, require
from pitf.security import seal, unseal
from pitf.services import factors, users
from pitf.web.admin.forms import ConfirmForm
from pitf.web.auth.signin import (
    after_sign_in_url,
    finish_sign_in,
    fresh_proof_required,
    pending_enrolment,
    pending_next,
    pending_user,
    relying_party,
)

bp = Blueprint("factors", __name__, url_prefix="/account/security")
admin_bp = Blueprint("admin_factors", __name__, url_prefix="/admin")

TOTP_PENDING = "totp_enrol"  # the new authenticator secret, sealed, until its first code confirms it
KEY_CHALLENGE = "webauthn_register_challenge"
# What a person who must enrol first may open (and the static files).
ENROLMENT_ENDPOINTS = {"factors.enrol", "factors.authenticator_new", "factors.key_new", "second_factor.cancel",
                       "static"}


@bp.before_app_request
def _enrol_first():
    """Right after the password, a person whose role needs a second factor and has none can do nothing else."""
    if request.endpoint in ENROLMENT_ENDPOINTS or request.blueprint == "api" or not pending_enrolment():
        return None
    if current_user.is_authenticated:
        return None
    return redirect(url_for("factors.enrol"))


def _enrolling():
    """(person, whether they are enrolling during sign-in); a redirect to sign in when neither."""
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    user = pending_user() if pending_enrolment() else None
    if user is None:
        flash("Sign in to continue.", "info")
        abort(redirect(url_for("auth.login")))
    return user, True


def _done(user, during_sign_in: bool, method: str, codes: list[str] | None, message: str):
    """After an enrolment: during sign-in, sign the person in now; show new recovery codes once."""
    target = pending_next() if during_sign_in else url_for("account.profile")
    if during_sign_in:
        finish_sign_in(user, method=f"password+{method}", detail={"enrolled": method})
        target = after_sign_in_url(target)
    if codes:
        flash(message, "success")
        return render_template("account/recovery_codes.html", codes=codes, next=target), 201
    flash(message, "success")
    return redirect(target)


@bp.route("/enrol")
def enrol():
    user, during = _enrolling()
    if not during:
        return redirect(url_for("account.profile", _anchor="sign-in-security"))
    return render_template("account/enrol.html", user=user, rp=relying_party())


# ---- an authenticator app ----------------------------------------------------------------------------------------

@bp.route("/authenticator", methods=["GET", "POST"])
@fresh_proof_required(back="factors.authenticator_new")
def authenticator_new():
    user, during = _enrolling()
    key = current_app.config["SECRET_KEY"]
    secret = unseal(session.get(TOTP_PENDING) or "", secret_key=key) if session.get(TOTP_PENDING) else None
    error, status = "", 200
    if request.method == "POST" and secret:
        try:
            codes = factors.enrol_totp(session=get_session(), actor=user, secret=secret,
                                       code=request.form.get("code", "")[:32], secret_key=key)
        except DomainError as err:
            error, status = err.fields.get("code") or err.message, 422
            if "already" in err.message:
                return redirect(url_for("account.profile", _anchor="sign-in-security"))
        else:
            session.pop(TOTP_PENDING, None)
            return _done(user, during, "totp", codes, "Your authenticator app is set up.")
    if secret is None:
        secret = factors.new_totp_secret()
        session[TOTP_PENDING] = seal(secret, secret_key=key)
    uri = factors.totp_uri(secret, user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("account/authenticator.html", qr=qr, secret=grouped, error=error,
                           during_sign_in=during), status


@bp.route("/authenticator/remove", methods=["POST"])
@fresh_proof_required()
def authenticator_remove():
    user, during = _enrolling()
    if during or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        factors.remove_totp(session=get_session(), actor=user)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash("Your authenticator app is removed; its codes no longer work here.", "success")
    return redirect(url_for("account.profile", _anchor="sign-in-security"))


# ---- security keys and passkeys ----------------------------------------------------------------------------------

@bp.route("/keys/new", methods=["GET", "POST"])
@fresh_proof_required(back="factors.key_new")
def key_new():
    user, during = _enrolling()
    rp = relying_party()
    error, status, name = "", 200, ""
    if request.method == "POST":
        name = request.form.get("name", "")[:500]
        raw = session.pop(KEY_CHALLENGE, None)
        try:
            challenge = base64url_to_bytes(raw) if raw else None
        except ValueError:
            challenge = None
        try:
            _key, codes = factors.enrol_key(session=get_session(), actor=user, rp=rp, name=name,
                                            credential=request.form.get("credential", "")[:20000],
                                            challenge=challenge)
        except DomainError as err:
            error, status = err.fields.get("name") or err.message, 422
        else:
            return _done(user, during, "webauthn", codes, f"Security key “{_key.name}” is registered.")
    options, challenge = factors.registration_options(session=get_session(), user=user, rp=rp)
    session[KEY_CHALLENGE] = bytes_to_base64url(challenge)
    return render_template("account/security_key.html", options=options, error=error, name=name, rp=rp,
                           during_sign_in=during), status


@bp.route("/keys/<int:key_id>/remove", methods=["POST"])
@fresh_proof_required()
def key_remove(key_id: int):
    user, during = _enrolling()
    if during or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        factors.remove_key(session=get_session(), actor=user, key_id=key_id)
    except DomainError as err:
        if err.status == 404:
            abort(404)
        flash(err.message, "error")
    else:
        flash("The security key is removed; it no longer signs you in.", "success")
    return redirect(url_for("account.profile", _anchor="sign-in-security"))


# ---- recovery codes ----------------------------------------------------------------------------------------------

@bp.route("/recovery-codes", methods=["POST"])
@fresh_proof_required()
def recovery_codes():
    user, during = _enrolling()
    if during or not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        codes = factors.regenerate_recovery_codes(session=get_session(), actor=user)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("account.profile", _anchor="sign-in-security"))
    flash("New recovery codes: the old ones no longer work.", "success")
    return render_template("account/recovery_codes.html", codes=codes, next=url_for("account.profile")), 201


# ---- an administrator's reset -----------------------------------------------------------------------------------

@admin_bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@login_required
@fresh_proof_required(back=lambda: url_for("admin.user_edit", user_id=(request.view_args or {})["user_id"]))
def admin_reset(user_id: int):
    """Remove a person's second factors (they lost their key and their recovery codes)."""
    require(permissions.can_manage_users(current_user))
    db = get_session()
    user = users.get_user(session=db, actor=current_user, user_id=user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        factors.reset_factors(session=db, actor=current_user._get_current_object(), user=user)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(f"{user.name}'s second factors are removed. They set one up again at their next sign-in if their "
              "role needs one.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
