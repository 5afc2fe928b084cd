"""Forms of the minutes pages: the editor, comments, and the proposed actions."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length

from pitf.models.actions import PILLAR_LABELS
from pitf.models.meetings import MinutesUpdate
from pitf.validation import max_length
from pitf.web.choices import options

MAX_MINUTES = max_length(MinutesUpdate, "body_md")
MAX_REASON = max_length(MinutesUpdate, "revision_reason")
MARKDOWN_HINT = "Markdown works: # headings, **bold**, *italic*, lists with -, links as [text](https://example.gov)."


class MinutesForm(FlaskForm):
    body_md = TextAreaField("Minutes", validators=[Length(max=MAX_MINUTES)], description=MARKDOWN_HINT,
                            render_kw={"rows": 24})
    revision_reason = TextAreaField("Reason for the correction", validators=[Length(max=MAX_REASON)],
                                    description="Required: approved minutes are locked. Your change becomes a new "
                                                "revision, approved again, while the approved one stays in force.")
    version = HiddenField()


class CommentForm(FlaskForm):
    body_md = TextAreaField("Your comment", validators=[Length(max=20_000)], description=MARKDOWN_HINT)


class ConfirmActionForm(FlaskForm):
    pillar = SelectField("Pillar", choices=options(PILLAR_LABELS.items()), default="partnership",
                         validate_choice=False)
