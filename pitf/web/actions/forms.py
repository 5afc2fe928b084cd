"""Forms of the action item pages: the status update, and the secretariat's create, edit and cancel forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pitf.markdown import MAX_SOURCE
from pitf.models.actions import PILLAR_LABELS, PRIORITIES
from pitf.web.choices import options

MARKDOWN_HINT = "Markdown works: **bold**, *italic*, lists with -, links as [text](https://example.gov)."


class StatusUpdateForm(FlaskForm):
    # Choices are set per person (cancelling is the secretariat's); the service decides who may do what.
    status = SelectField("Status", choices=[], validate_choice=False)
    percent_complete = IntegerField("Percent complete", validators=[
        Optional(), NumberRange(0, 100, "A whole number from 0 to 100.")],
        description="Optional: a whole number from 0 to 100.", render_kw={"inputmode": "numeric"})
    note_md = TextAreaField("Note", validators=[Length(max=MAX_SOURCE)], description=MARKDOWN_HINT)
    version = HiddenField()
    seen_update_id = HiddenField()


class ActionItemForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=300)])
    description_md = TextAreaField("Description", validators=[Length(max=MAX_SOURCE)], description=MARKDOWN_HINT)
    committee_id = SelectField("Committee", choices=[], validate_choice=False)
    lead_agency = SelectField("Lead agency", choices=[], validate_choice=False)
    supporting_agencies = SelectMultipleField("Supporting agencies", choices=[], validate_choice=False)
    owner_id = SelectField("Owner", choices=[], validate_choice=False,
                           description="Optional: a person of the lead agency.")
    due_date = StringField("Due date", render_kw={"type": "date"}, description="mm/dd/yyyy, for example 01/15/2027.")
    pillar = SelectField("Pillar", choices=options([("", "Choose a pillar"), *PILLAR_LABELS.items()]),
                         validate_choice=False)
    priority = SelectField("Priority", choices=options((p, p.capitalize()) for p in PRIORITIES), default="normal",
                           validate_choice=False)
    meeting_id = IntegerField("Meeting number", validators=[Optional()], render_kw={"inputmode": "numeric"},
                              description="Optional: the meeting this item came from.")
    recommendation_id = IntegerField("Recommendation number", validators=[Optional()],
                                     render_kw={"inputmode": "numeric"},
                                     description="Optional: the internal number of the recommendation it answers.")
    version = HiddenField()


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason for cancelling", validators=[
        DataRequired("Give the reason for cancelling."), Length(max=2000)],
        description="Shown in the item's history. Nothing is deleted.")
    version = HiddenField()
