"""Forms of the document pages: the upload form (the service checks the file; the form only carries it)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField

from pitf.services.attachments import KIND_LABELS
from pitf.web.choices import options

PAGE_KINDS = ("received", "issued", "other")


class AttachmentForm(FlaskForm):
    file = FileField("File")
    kind = SelectField("The document was", choices=options((k, KIND_LABELS[k]) for k in PAGE_KINDS),
                       default="received", validate_choice=False,
                       description="Received by the committee, or issued by it.")


class RecommendationAttachmentForm(FlaskForm):
    file = FileField("File")
    kind = SelectField("The document is", choices=options((k, KIND_LABELS[k]) for k in ("evidence", "other")),
                       default="evidence", validate_choice=False,
                       description="Evidence, such as a testimony summary, or another document.")
