"""Sign-in and sign-out pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from pitf.db import get_session
from pitf.errors import RateLimited
from pitf.security import is_safe_next
from pitf.services import audit
from pitf.services.auth import LoginPolicy, SignInFailed, rotate_session_token, sign_in
from pitf.web.auth import oidc
from pitf.web.auth.forms import LoginForm
from pitf.web.auth.signin import finish_sign_in

bp = Blueprint("auth", __name__)


def _policy() -> LoginPolicy:
    cfg = current_app.config
    return LoginPolicy(max_failures=cfg["PITF_LOGIN_MAX_FAILURES"],
                       window=timedelta(minutes=cfg["PITF_LOGIN_WINDOW_MINUTES"]),
                       address_limit=cfg["PITF_LOGIN_ADDRESS_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = request.values.get("next") or ""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    if request.method == "GET":
        form.next.data = target if is_safe_next(target) else ""
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            user = sign_in(session=db, email=form.email.data, password=form.password.data,
                           ip=request.remote_addr or "unknown", policy=_policy())
        except RateLimited as exc:
            form.form_errors = [exc.message]
            status = 429
        except SignInFailed as exc:
            form.form_errors = [exc.message]
        else:
            finish_sign_in(user, method="password")
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    db = get_session()
    user = current_user._get_current_object()
    rotate_session_token(user)  # a copied cookie of this session stops working too
    audit.record(db, actor=user, action="user.signed_out", obj=user)
    signed_in_by_sso = session.get(oidc.SESSION_KEY)
    logout_user()
    session.clear()
    if (at_provider := oidc.end_session_page(signed_in_by_sso)) is not None:
        return at_provider  # on to the provider, which signs the person out there too and sends them back
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
