"""Forms of the action item pages: the status update, and the secretariat's create, edit and cancel forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pitf.models.actions import ActionItem, ActionItemCreate, StatusUpdateCreate
from pitf.models.vocab import PILLAR_LABELS, Pillar, Priority
from pitf.validation import bounds, choices, max_length
from pitf.web.choices import options

# Limits and choices come from the model family (pitf/models/actions.py), where they are written once.
TITLE_MAX = max_length(ActionItemCreate, "title")
MARKDOWN_MAX = max_length(ActionItemCreate, "description_md")
PERCENT_HINT = "A whole number from {} to {}.".format(*bounds(StatusUpdateCreate, "percent_complete"))
CANCEL_REASON_MAX = max_length(ActionItem, "cancel_reason")

MARKDOWN_HINT = "Markdown works: **bold**, *italic*, lists with -, links as [text](https://example.gov)."


class StatusUpdateForm(FlaskForm):
    # Choices are set per person (cancelling is the secretariat's); the service decides who may do what.
    status = SelectField("Status", choices=[], validate_choice=False)
    percent_complete = IntegerField("Percent complete", validators=[
        Optional(), NumberRange(*bounds(StatusUpdateCreate, "percent_complete"), PERCENT_HINT)],
        description=f"Optional: {PERCENT_HINT[0].lower()}{PERCENT_HINT[1:]}", render_kw={"inputmode": "numeric"})
    note_md = TextAreaField("Note", validators=[Length(max=MARKDOWN_MAX)], description=MARKDOWN_HINT)
    version = HiddenField()
    seen_update_id = HiddenField()


class ActionItemForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=TITLE_MAX)])
    description_md = TextAreaField("Description", validators=[Length(max=MARKDOWN_MAX)], description=MARKDOWN_HINT)
    committee_id = SelectField("Committee", choices=[], validate_choice=False)
    lead_agency = SelectField("Lead agency", choices=[], validate_choice=False)
    supporting_agencies = SelectMultipleField("Supporting agencies", choices=[], validate_choice=False)
    owner_id = SelectField("Owner", choices=[], validate_choice=False,
                           description="Optional: a person of the lead agency.")
    due_date = StringField("Due date", render_kw={"type": "date"}, description="mm/dd/yyyy, for example 01/15/2027.")
    pillar = SelectField("Pillar", choices=options(choices(Pillar, PILLAR_LABELS, blank="Choose a pillar")),
                         validate_choice=False)
    priority = SelectField("Priority", choices=options(choices(Priority)), default=Priority.NORMAL.value,
                           validate_choice=False)
    meeting_id = IntegerField("Meeting number", validators=[Optional()], render_kw={"inputmode": "numeric"},
                              description="Optional: the meeting this item came from.")
    recommendation_id = IntegerField("Recommendation number", validators=[Optional()],
                                     render_kw={"inputmode": "numeric"},
                                     description="Optional: the internal number of the recommendation it answers.")
    version = HiddenField()


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason for cancelling", validators=[
        DataRequired("Give the reason for cancelling."), Length(max=CANCEL_REASON_MAX)],
        description="Shown in the item's history. Nothing is deleted.")
    version = HiddenField()
