"""Forms of the recommendation pages: drafting, the agency's response, and the meeting it was presented at.
The status moves are small hand-written forms on the recommendation's page (one per allowed move)."""

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pitf.models.actions import PILLAR_LABELS
from pitf.models.recommendations import RecommendationBase
from pitf.models.vocab import Pillar, Position
from pitf.services.recommendations import POSITION_LABELS
from pitf.validation import bounds, choices, max_length
from pitf.web.choices import options

MARKDOWN_HINT = "Markdown works: **bold**, *italic*, lists with -, links as [text](https://example.gov)."
NEW_COMMITMENTS = 3  # fieldsets for new action items on the response form; blank ones are ignored


class RecommendationForm(FlaskForm):
    # Limits and choices come from the model family (pitf/models/recommendations.py) and the vocabularies.
    title = StringField("Title", validators=[DataRequired("Enter a title."),
                                             Length(max=max_length(RecommendationBase, "title"))])
    body_md = TextAreaField("The recommendation", validators=[Length(max=max_length(RecommendationBase, "body_md"))],
                            description=MARKDOWN_HINT)
    rationale_md = TextAreaField("Rationale", validators=[Length(max=max_length(RecommendationBase, "rationale_md"))],
                                 description="Why the Council recommends it: findings, survivors' experience. "
                                             + MARKDOWN_HINT)
    pillar = SelectField("Pillar", choices=options(choices(Pillar, PILLAR_LABELS, blank="Choose a pillar")),
                         validate_choice=False)
    target_agencies = SelectMultipleField("Agencies it is addressed to", choices=[], validate_choice=False)
    co_sponsor_ids = SelectMultipleField("Co-sponsors", choices=[], validate_choice=False)
    drafting_committee_id = SelectField("Drafting committee", choices=[], validate_choice=False,
                                        description="The Council committee that drafted it; the annual report "
                                                    "groups recommendations by it.")
    report_year = IntegerField("Report year", validators=[
        Optional(), NumberRange(*bounds(RecommendationBase, "report_year"), "A year such as 2027.")],
        description="The Council's annual report this recommendation belongs to.")
    version = HiddenField()


class NewCommitmentForm(Form):
    """One new action item created with the response (lead: the responding agency)."""

    # No validators here: the service checks the response as a whole, all or nothing, and names the fields.
    title = StringField("Title", render_kw={"maxlength": 300})
    due_date = StringField("Due date", render_kw={"type": "date"}, description="mm/dd/yyyy, for example 09/30/2027.")
    description_md = TextAreaField("Description", description="Optional. " + MARKDOWN_HINT)

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.title, self.due_date, self.description_md))


class ResponseForm(FlaskForm):
    agency = HiddenField()
    position = RadioField("Position", choices=options(choices(Position, POSITION_LABELS)), validate_choice=False)
    response_md = TextAreaField("Explanation", description=MARKDOWN_HINT)
    action_item_ids = SelectMultipleField("Existing commitments to link", choices=[], validate_choice=False)
    new_items = FieldList(FormField(NewCommitmentForm), min_entries=NEW_COMMITMENTS, max_entries=NEW_COMMITMENTS)


class PresentForm(FlaskForm):
    meeting_id = SelectField("Meeting", choices=[], validate_choice=False,
                             description="The Advisory Council's meetings and its joint meetings, from a year ago on.")
