"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pitf.models.org import (
    APPOINTMENT_TYPE_LABELS,
    COMMITTEE_KIND_LABELS,
    MEMBERSHIP_ROLE_LABELS,
    ROLE_LABELS,
    AgencyCreate,
    AgencyKind,
    CommitteeCreate,
    QuorumRule,
    Role,
    UserCreate,
)
from pitf.validation import max_length
from pitf.web.choices import options

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]
APPOINTMENT_CHOICES = options([("", "Not recorded")] + list(APPOINTMENT_TYPE_LABELS.items()))
QUORUM_LABELS = {"majority_agencies": "Majority of member agencies", "majority_members": "Majority of members"}


class UserForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter an email address."),
                                                    Length(max=max_length(UserCreate, "email"))])
    name = StringField("Full name", validators=[DataRequired("Enter the person's name."),
                                                Length(max=max_length(UserCreate, "name"))])
    title = StringField("Job title", validators=[Optional(), Length(max=max_length(UserCreate, "title"))])
    role = SelectField("Role", choices=options(ROLE_CHOICES))
    agency = SelectField("Agency", choices=[], validate_choice=False,
                         description="Required for agency liaisons.")
    local_sign_in_allowed = BooleanField(
        "May sign in with a password where administrators must use single sign-on",
        description="Administrators only: the way back in if the identity provider fails. Keep it to one or two "
                    "accounts, each with a security key.")
    version = HiddenField()


class NewUserForm(UserForm):
    password = PasswordField("Initial password", validators=[DataRequired("Set an initial password.")],
                             description="At least 12 characters. Share it securely; the person can change it.")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter the new password.")])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change state."""


class AgencyForm(FlaskForm):
    acronym = StringField("Acronym", validators=[DataRequired("Enter the acronym."),
                                                 Length(max=max_length(AgencyCreate, "acronym"))])
    name = StringField("Name", validators=[DataRequired("Enter the name."),
                                           Length(max=max_length(AgencyCreate, "name"))])
    kind = SelectField("Kind", choices=options((k.value, k.capitalize()) for k in AgencyKind))
    version = HiddenField()


class CommitteeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the name."),
                                           Length(max=max_length(CommitteeCreate, "name"))])
    short_name = StringField("Short name", validators=[Optional(),
                                                       Length(max=max_length(CommitteeCreate, "short_name"))])
    kind = SelectField("Kind of body", choices=options(COMMITTEE_KIND_LABELS.items()))
    parent_id = SelectField("Part of", choices=[], validate_choice=False)
    description = TextAreaField("Description", validators=[Optional(),
                                                          Length(max=max_length(CommitteeCreate, "description"))])
    follows_faca = BooleanField("Follows FACA procedures (public notice, certified minutes)")
    quorum_rule = SelectField("Quorum rule", choices=options((q.value, QUORUM_LABELS[q]) for q in QuorumRule))
    is_active = BooleanField("Active", default=True)
    version = HiddenField()


class MembershipForm(FlaskForm):
    member_type = SelectField("Member is", choices=options([("agency", "An agency"), ("person", "A person")]))
    agency = SelectField("Agency", choices=[], validate_choice=False)
    user_id = SelectField("Person", choices=[], validate_choice=False)
    role = SelectField("Role", choices=options(MEMBERSHIP_ROLE_LABELS.items()))
    appointment_type = SelectField("Appointment type", choices=APPOINTMENT_CHOICES, validate_choice=False,
                                   description="For a body that follows FACA procedures (the FACA Database "
                                               "asks it).")
    started_on = StringField("Appointed on", render_kw={"type": "date"},
                             description="Optional: mm/dd/yyyy; blank for today.")
    term_ends_on = StringField("Term ends on", render_kw={"type": "date"},
                               description="Optional: the last day of the appointment's term, mm/dd/yyyy.")


class AppointmentForm(FlaskForm):
    """A member's appointment: its type and its term."""

    appointment_type = SelectField("Appointment type", choices=APPOINTMENT_CHOICES, validate_choice=False)
    started_on = StringField("Appointed on", render_kw={"type": "date"}, description="mm/dd/yyyy.")
    term_ends_on = StringField("Term ends on", render_kw={"type": "date"},
                               description="Optional: the last day of the appointment's term, mm/dd/yyyy.")
    version = HiddenField()
