"""The notification preferences form: a choice per kind of notification, the weekly digest, the time zone."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField

from pitf.services.notifications import CHANNELS
from pitf.services.reminders import KINDS
from pitf.web.choices import options

PREFIX = "pref_"


def kind_field_name(kind: str) -> str:
    return f"{PREFIX}{kind}"


class NotificationPrefsForm(FlaskForm):
    digest_enabled = BooleanField("Send me a weekly digest by email",
                                  description="On Monday morning in your time zone: what is due, overdue and coming "
                                              "up for you. Nothing to report, no email.")
    timezone = SelectField("Time zone", choices=[], validate_choice=False,
                           description="Times on the platform, in reminders and in your digest are shown in this "
                                       "zone.")


# One radio group per kind a person can choose for; the service checks the values (a bad one is a form error).
for _kind, _label in KINDS.items():
    setattr(NotificationPrefsForm, kind_field_name(_kind),
            RadioField(_label, choices=options(CHANNELS.items()), validate_choice=False))
