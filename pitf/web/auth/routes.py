"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from pitf.db import get_session
from pitf.errors import RateLimited
from pitf.security import is_safe_next
from pitf.services import audit, factors, signin_policy
from pitf.services.auth import SignInFailed, rotate_session_token, sign_in
from pitf.web.auth import oidc
from pitf.web.auth.forms import LoginForm
from pitf.web.auth.signin import begin_second_step, finish_sign_in, login_policy

bp = Blueprint("auth", __name__)


def _after_password(user, target: str):
    """A person with a second factor gives it next; one whose role needs one and has none enrols one first;
    anyone else is signed in."""
    db = get_session()
    if factors.has_factor(db, user):
        begin_second_step(user, next_url=target, enrol=False)
        return redirect(url_for("second_factor.verify"))
    if signin_policy.second_factor_required(db, user):
        begin_second_step(user, next_url=target, enrol=True)
        return redirect(url_for("factors.enrol"))
    finish_sign_in(user, method="password")
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))


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
                           ip=request.remote_addr or "unknown", policy=login_policy())
        except RateLimited as exc:
            form.form_errors = [exc.message]
            status = 429
        except SignInFailed as exc:
            form.form_errors = [exc.message]
        else:
            return _after_password(user, form.next.data or "")
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
