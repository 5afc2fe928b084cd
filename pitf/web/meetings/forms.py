"""Forms of the meeting pages: scheduling (one meeting or a series), editing, cancelling, copying, agenda items."""

from flask_wtf import FlaskForm
from sqlmodel import SQLModel
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField

from pitf.models.meetings import AgendaItemBase, MeetingBase
from pitf.validation import bounds, max_length
from pitf.web.choices import options

# The service validates every value (and says so per field); these forms only carry the input.
MARKDOWN_HINT = "Markdown works: **bold**, *italic*, lists with -, links as [text](https://example.gov)."
REPEAT_CHOICES = [("none", "Does not repeat"), ("weekly", "Every N weeks"), ("monthly", "Monthly"),
                  ("quarterly", "Quarterly (every three months)")]
ACCESS_CHOICES = [("open", "Open: every signed-in user sees it"),
                  ("partly_closed", "Partly closed: open, with a part closed to the public (FACA); every "
                                    "signed-in user sees it"),
                  ("closed", "Closed: only the committee's members and the secretariat see its agenda, "
                             "attendance, documents and minutes")]


def _most(name: str, model: type[SQLModel] = MeetingBase) -> dict:
    """The input's maxlength: the model family's limit for *name* (MeetingBase's unless named)."""
    return {"maxlength": max_length(model, name)}


def _date(label: str, **kw) -> StringField:
    return StringField(label, render_kw={"type": "date"}, **kw)


def _time(label: str, **kw) -> StringField:
    return StringField(label, render_kw={"type": "time"}, **kw)


class MeetingFields(FlaskForm):
    title = StringField("Title", render_kw=_most("title"))
    date = _date("Date", description="mm/dd/yyyy, for example 03/15/2027.")
    start_time = _time("Start time",
                       description="In the time zone chosen below: hh:mm AM or PM, for example 10:00 AM.")
    end_time = _time("End time", description="The same day: hh:mm AM or PM, for example 12:00 PM.")
    timezone = SelectField("Time zone", choices=[], validate_choice=False,
                           description="The meeting's own zone: daylight saving is handled for you.")
    location = StringField("Location", render_kw=_most("location"),
                           description="Optional: building and room.")
    virtual_url = StringField("Virtual meeting link", render_kw={"type": "url", **_most("virtual_url")},
                              description="Optional: a web address starting with https://.")
    access = RadioField("Open or closed", choices=options(ACCESS_CHOICES), default="open", validate_choice=False)
    purpose = TextAreaField("Purpose", render_kw=_most("purpose"),
                            description="Optional: what the meeting is for, as the FACA Database asks.")
    federal_register_notice_date = _date(
        "Federal Register notice date",
        description="For a body that follows FACA procedures: the day the notice was published (optional), "
                    "mm/dd/yyyy.")
    federal_register_citation = StringField(
        "Federal Register citation", render_kw=_most("federal_register_citation"),
        description="Optional: the notice's citation as the Register prints it, for example 91 FR 12345.")
    joint_with_committee_id = SelectField("Joint meeting with", choices=[], validate_choice=False,
                                          description="Optional: for example the Advisory Council meeting "
                                                      "the SPOG.")


class NewMeetingForm(MeetingFields):
    committee_id = SelectField("Committee", choices=[], validate_choice=False)
    repeat = SelectField("Repeat", choices=options(REPEAT_CHOICES), default="none", validate_choice=False)
    interval = StringField("Every how many weeks", default="1", render_kw={"inputmode": "numeric"},
                           description="For a weekly series: 1 for every week, 2 for every other week.")
    count = StringField("Number of meetings", default="4", render_kw={"inputmode": "numeric"},
                        description="For a series: from 2 to 24 meetings, each edited on its own afterwards.")


class EditMeetingForm(MeetingFields):
    version = HiddenField()


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField("Reason for cancelling", render_kw=_most("cancel_reason"),
                           description="Members are told, with this reason. Nothing is deleted.")
    version = HiddenField()


class CopyMeetingForm(FlaskForm):
    title = StringField("Title", render_kw=_most("title"))
    date = _date("Date of the next meeting", description="mm/dd/yyyy, for example 03/15/2027.")
    start_time = _time("Start time", description="hh:mm AM or PM, for example 10:00 AM.")
    end_time = _time("End time", description="hh:mm AM or PM, for example 12:00 PM.")


class AgendaItemForm(FlaskForm):
    title = StringField("Item title", render_kw=_most("title", AgendaItemBase))
    presenter = StringField("Presenter", render_kw=_most("presenter", AgendaItemBase),
                            description="Optional: a person's name.")
    presenter_agency = SelectField("Presenting agency", choices=[], validate_choice=False)
    duration_minutes = StringField("Duration in minutes", default="15", render_kw={"inputmode": "numeric"},
                                   description="A whole number from {} to {}.".format(
                                       *bounds(AgendaItemBase, "duration_minutes")))
    notes_md = TextAreaField("Notes", render_kw=_most("notes_md", AgendaItemBase), description=MARKDOWN_HINT)
    # Searchable lists (USWDS combo box; a plain list without JavaScript), filled by services.agenda_links.
    action_item_id = SelectField("Action item reviewed", choices=[], validate_choice=False,
                                 description="Optional: type the action item's number or words of its title. "
                                             "The open items of this body are listed.")
    recommendation_id = SelectField("Recommendation presented", choices=[], validate_choice=False,
                                    description="Optional: type the recommendation's number (like 2026-01) or "
                                                "words of its title.")
    version = HiddenField()


class PublishAgendaForm(FlaskForm):
    short_notice_reason = TextAreaField(
        "Reason for the short notice", render_kw=_most("short_notice_reason"),
        description="Required when the Federal Register notice is late (41 CFR 102-3.150).")
