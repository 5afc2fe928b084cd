"""The sign-in policy page: which roles need a second factor, which must use single sign-on."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from pitf import permissions
from pitf.db import get_session
from pitf.errors import ValidationFailed, require
from pitf.models.org import ROLE_LABELS, Role
from pitf.services import signin_policy
from pitf.web.choices import options
from pitf.web.form_errors import apply_form_errors

bp = Blueprint("admin_signin", __name__, url_prefix="/admin")

ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]  # the template lays out one checkbox for each


class RoleChecks(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInPolicyForm(FlaskForm):
    second_factor_roles = RoleChecks("Roles that need a second factor after the password",
                                     choices=options(ROLE_CHOICES), validate_choice=False)
    sso_roles = RoleChecks("Roles that must sign in through single sign-on", choices=options(ROLE_CHOICES),
                           validate_choice=False)


@bp.route("/sign-in", methods=["GET", "POST"])
@login_required
def policy():
    require(permissions.is_admin(current_user), "Only administrators change how people sign in.")
    db = get_session()
    current = signin_policy.load(db)
    if request.method == "POST":
        form = SignInPolicyForm()
    else:
        form = SignInPolicyForm(data={"second_factor_roles": sorted(current.second_factor_roles),
                                      "sso_roles": sorted(current.sso_roles)})
    status = 200
    if form.validate_on_submit():
        try:
            signin_policy.save(session=db, actor=current_user, second_factor_roles=form.second_factor_roles.data,
                               sso_roles=form.sso_roles.data)
        except ValidationFailed as err:
            apply_form_errors(form, err)
            status = 422
        else:
            flash("Sign-in policy saved. It applies at each person's next sign-in.", "success")
            return redirect(url_for("admin_signin.policy"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/signin_policy.html", form=form, local_admins=signin_policy.local_admins(db),
                           roles=ROLE_CHOICES), status
