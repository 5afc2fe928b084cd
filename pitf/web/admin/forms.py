"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pitf.models.org import (
    AGENCY_KINDS,
    COMMITTEE_KIND_LABELS,
    MEMBERSHIP_ROLE_LABELS,
    QUORUM_RULES,
    ROLE_LABELS,
)
from pitf.web.choices import options

ROLE_CHOICES = list(ROLE_LABELS.items())
QUORUM_LABELS = {"majority_agencies": "Majority of member agencies", "majority_members": "Majority of members"}


class UserForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter an email address."), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    title = StringField("Job title", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=options(ROLE_CHOICES))
    agency = SelectField("Agency", choices=[], validate_choice=False,
                         description="Required for agency liaisons.")
    version = HiddenField()


class NewUserForm(UserForm):
    password = PasswordField("Initial password", validators=[DataRequired("Set an initial password.")],
                             description="At least 12 characters. Share it securely; the person can change it.")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter the new password.")])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change state."""


class AgencyForm(FlaskForm):
    acronym = StringField("Acronym", validators=[DataRequired("Enter the acronym."), Length(max=16)])
    name = StringField("Name", validators=[DataRequired("Enter the name."), Length(max=200)])
    kind = SelectField("Kind", choices=options((k, k.capitalize()) for k in AGENCY_KINDS))
    version = HiddenField()


class CommitteeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the name."), Length(max=200)])
    short_name = StringField("Short name", validators=[Optional(), Length(max=32)])
    kind = SelectField("Kind of body", choices=options(COMMITTEE_KIND_LABELS.items()))
    parent_id = SelectField("Part of", choices=[], validate_choice=False)
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    follows_faca = BooleanField("Follows FACA procedures (public notice, certified minutes)")
    quorum_rule = SelectField("Quorum rule", choices=options((q, QUORUM_LABELS[q]) for q in QUORUM_RULES))
    is_active = BooleanField("Active", default=True)
    version = HiddenField()


class MembershipForm(FlaskForm):
    member_type = SelectField("Member is", choices=options([("agency", "An agency"), ("person", "A person")]))
    agency = SelectField("Agency", choices=[], validate_choice=False)
    user_id = SelectField("Person", choices=[], validate_choice=False)
    role = SelectField("Role", choices=options(MEMBERSHIP_ROLE_LABELS.items()))
