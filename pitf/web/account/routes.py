"""The profile page: change password, choose a time zone, manage API tokens and the personal calendar feed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from pitf.db import get_session
from pitf.errors import DomainError
from pitf.models import Agency
from pitf.services import calendar, factors, org, tokens, users
from pitf.services.auth import change_password
from pitf.settings import platform_timezone
from pitf.web.account.forms import PasswordChangeForm, PreferencesForm, TokenForm, zone_choices
from pitf.web.admin.forms import ConfirmForm
from pitf.web.auth.signin import fresh_proof_required
from pitf.web.form_errors import apply_form_errors

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(status: int = 200, **forms):
    db = get_session()
    user = current_user._get_current_object()
    prefs = forms.get("prefs") or PreferencesForm(timezone=user.timezone or platform_timezone())
    prefs.timezone.choices = zone_choices()
    return render_template(
        "account/profile.html",
        pw_form=forms.get("pw_form") or PasswordChangeForm(),
        prefs=prefs,
        token_form=forms.get("token_form") or TokenForm(),
        confirm=ConfirmForm(),
        tokens=tokens.list_tokens(session=db, actor=user, user=user),
        new_token=forms.get("new_token"),
        agency=db.get(Agency, user.agency_id) if user.agency_id else None,
        memberships=org.memberships_of_user(session=db, user_id=user.id),
        feed_url=_feed_url(user.calendar_secret) if user.calendar_secret else None,
        factors=factors.factors_of(db, user),
    ), status


def _feed_url(secret: str) -> str:
    return current_app.config["PITF_BASE_URL"].rstrip("/") + calendar.feed_path(secret)


@bp.route("/")
@login_required
def profile():
    return _render()


@bp.route("/password", methods=["POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_password(session=get_session(), actor=current_user._get_current_object(),
                            current_password=form.current_password.data, new_password=form.new_password.data,
                            min_length=current_app.config["PITF_PASSWORD_MIN_LENGTH"])
        except DomainError as err:
            apply_form_errors(form, err, mapping={"password": "new_password"})
        else:
            logout_user()  # the token rotated: every session, this one too, must sign in again
            flash("Your password has changed. Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return _render(422, pw_form=form)


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences():
    form = PreferencesForm()
    form.timezone.choices = zone_choices()
    if form.validate_on_submit():
        try:
            users.update_preferences(session=get_session(), actor=current_user._get_current_object(),
                                     timezone=form.timezone.data)
        except DomainError as err:
            apply_form_errors(form, err)
        else:
            flash("Preferences saved.", "success")
            return redirect(url_for("account.profile"))
    return _render(422, prefs=form)


@bp.route("/tokens", methods=["POST"])
@login_required
@fresh_proof_required()
def token_create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _row, token = tokens.create_token(session=get_session(), actor=current_user._get_current_object(),
                                              user=current_user._get_current_object(), name=form.name.data or "")
        except DomainError as err:
            apply_form_errors(form, err)
        else:
            return _render(201, new_token=token)
    return _render(422, token_form=form)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke_token(session=get_session(), actor=current_user._get_current_object(), token_id=token_id)
    flash("Token revoked; programs using it can no longer connect.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/calendar-feed", methods=["POST"])
@login_required
def calendar_feed_create():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    calendar.ensure_feed_secret(session=get_session(), actor=current_user._get_current_object())
    flash("Your calendar feed is ready. Subscribe to its address in your calendar program.", "success")
    return redirect(url_for("account.profile", _anchor="calendar-feed"))


@bp.route("/calendar-feed/reset", methods=["POST"])
@login_required
def calendar_feed_reset():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    calendar.reset_feed_secret(session=get_session(), actor=current_user._get_current_object())
    flash("Your calendar feed has a new address; the old one no longer works. Subscribe again with the new one.",
          "success")
    return redirect(url_for("account.profile", _anchor="calendar-feed"))


@bp.app_template_global()
def request_path() -> str:
    return request.path
