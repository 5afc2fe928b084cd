"""The second step of signing in (/login/verify), and confirming it is you before a sensitive step (/auth/confirm)."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from pitf.db import get_session
from pitf.errors import RateLimited
from pitf.security import is_safe_next
from pitf.services import audit, factors, second_factor
from pitf.services.auth import SignInFailed, confirm_password
from pitf.web.auth.signin import (
    after_sign_in_url,
    finish_sign_in,
    login_policy,
    mark_proved,
    pending_enrolment,
    pending_next,
    pending_user,
    relying_party,
)

bp = Blueprint("second_factor", __name__)

CHALLENGE = "webauthn_challenge"
PASSWORD_CONFIRMED = "confirm_password_at"  # noqa: S105 - a session key, not a password
CONFIRM_SECONDS = 5 * 60  # the password step of a confirmation is good this long for its second factor


def _options(user) -> str | None:
    """The security key request's options, its challenge kept in the session for the answer."""
    answer = second_factor.authentication_options(session=get_session(), user=user, rp=relying_party())
    if answer is None:
        return None
    options, challenge = answer
    session[CHALLENGE] = bytes_to_base64url(challenge)
    return options


def _take_challenge() -> bytes | None:
    raw = session.pop(CHALLENGE, None)
    try:
        return base64url_to_bytes(raw) if raw else None
    except ValueError:
        return None


def _check(user, method: str) -> str:
    """Verify the second factor posted; SecondFactorFailed or RateLimited when refused."""
    value = request.form.get("credential" if method == second_factor.WEBAUTHN else "code", "")
    return second_factor.verify(session=get_session(), user=user, method=method, value=value[:20000],
                                ip=request.remote_addr or "unknown", policy=login_policy(),
                                secret_key=current_app.config["SECRET_KEY"], rp=relying_party(),
                                challenge=_take_challenge() if method == second_factor.WEBAUTHN else None)


def _render_factor_page(template: str, user, *, error: str = "", status: int = 200, **context):
    have = factors.factors_of(get_session(), user)
    return render_template(template, factors=have, options=_options(user) if have.keys else None, error=error,
                           rp=relying_party(), **context), status


@bp.route("/login/verify", methods=["GET", "POST"])
def verify():
    user = pending_user()
    if user is None:
        flash("Your sign-in took too long or was interrupted. Sign in again.", "info")
        return redirect(url_for("auth.login"))
    if pending_enrolment():
        return redirect(url_for("factors.enrol"))
    if request.method == "GET":
        return _render_factor_page("auth/second_factor.html", user)
    method = request.form.get("method", "")
    try:
        used = _check(user, method)
    except RateLimited as exc:
        return _render_factor_page("auth/second_factor.html", user, error=exc.message, status=429)
    except second_factor.SecondFactorFailed as exc:
        # 200, not 4xx: the failed attempt must be committed to count against the account
        return _render_factor_page("auth/second_factor.html", user, error=exc.message)
    target = pending_next()
    finish_sign_in(user, method=f"password+{used}")
    return redirect(after_sign_in_url(target))


@bp.route("/login/cancel", methods=["POST"])
def cancel():
    """Leave a sign-in half-way (between the password and the second factor, or before enrolling one)."""
    session.clear()
    flash("Sign-in cancelled.", "info")
    return redirect(url_for("auth.login"))


# ---- confirming it is you ---------------------------------------------------------------------------------------

def _target() -> str:
    target = request.values.get("next") or ""
    return target if is_safe_next(target) else url_for("account.profile")


def _password_confirmed() -> bool:
    return time.time() - float(session.get(PASSWORD_CONFIRMED) or 0) <= CONFIRM_SECONDS


def _sso_link(target: str) -> str | None:
    method = str(session.get("auth_method") or "")
    if not method.startswith("sso:"):
        return None
    if "oidc.login" not in current_app.view_functions:
        return ""
    return url_for("oidc.login", name=method.removeprefix("sso:"), reauth=1, next=target)


def _proved(user, method: str):
    mark_proved()
    session.pop(PASSWORD_CONFIRMED, None)
    audit.record(get_session(), actor=user, action="user.reauthenticated", obj=user,
                 changes={"method": [None, method]})
    return redirect(_target())


@bp.route("/auth/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    user = current_user._get_current_object()
    target = _target()
    sso = _sso_link(target)
    if sso is not None:
        return render_template("auth/confirm.html", sso_link=sso, next=target, step="sso"), 200
    error, status = "", 200
    if request.method == "POST":
        try:
            confirm_password(session=get_session(), user=user, password=request.form.get("password", "")[:1024],
                             ip=request.remote_addr or "unknown", policy=login_policy())
        except RateLimited as exc:
            error, status = exc.message, 429
        except SignInFailed as exc:
            error = exc.message
        else:
            if not factors.has_factor(get_session(), user):
                return _proved(user, "password")
            session[PASSWORD_CONFIRMED] = time.time()
            return redirect(url_for("second_factor.confirm", next=target))
    if request.method == "GET" and _password_confirmed() and factors.has_factor(get_session(), user):
        return _render_factor_page("auth/confirm.html", user, step="factor", next=target)
    return render_template("auth/confirm.html", step="password", next=target, error=error), status


@bp.route("/auth/confirm/factor", methods=["POST"])
@login_required
def confirm_factor():
    user = current_user._get_current_object()
    target = _target()
    if not _password_confirmed():
        flash("Enter your password again.", "info")
        return redirect(url_for("second_factor.confirm", next=target))
    try:
        used = _check(user, request.form.get("method", ""))
    except RateLimited as exc:
        return _render_factor_page("auth/confirm.html", user, step="factor", next=target, error=exc.message,
                                   status=429)
    except second_factor.SecondFactorFailed as exc:
        return _render_factor_page("auth/confirm.html", user, step="factor", next=target, error=exc.message)
    return _proved(user, f"password+{used}")
