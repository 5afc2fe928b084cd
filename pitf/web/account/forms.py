"""Forms of the account pages."""

import zoneinfo

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from pitf.web.choices import options

# The zones offered first (a vocabulary, not a default: the platform's zone is PITF_TIMEZONE).
US_ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico", "Pacific/Guam", "UTC",
]


def zone_choices():
    others = sorted(z for z in zoneinfo.available_timezones() if z not in US_ZONES and "/" in z)
    return options((z, z.replace("_", " ")) for z in US_ZONES + others)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password.")],
                                 description="At least 12 characters. A passphrase of several words works well.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired("Repeat the new password."),
                                        EqualTo("new_password", "The two new passwords differ.")])


class PreferencesForm(FlaskForm):
    timezone = SelectField("Time zone", choices=[], validate_choice=False,
                           description="Times are shown in this zone. Meetings are planned in their own zones.")


class TokenForm(FlaskForm):
    name = StringField("What the token is for", validators=[Optional(), Length(max=100)],
                       description="For example: DOJ tracker sync.")
