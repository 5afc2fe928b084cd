"""CSV import and export of action items."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField

from pitf import permissions
from pitf.db import get_db, get_session
from pitf.errors import ValidationFailed, require
from pitf.models import utcnow
from pitf.services import actions, csvio
from pitf.settings import ROOT

bp = Blueprint("actions_csv", __name__, url_prefix="/action-items")

EXAMPLE = ROOT / "docs" / "examples" / "action-items.csv"


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")],
                     description="A .csv file with the columns listed below; UTF-8 (what Excel calls "
                                 "\u201cCSV UTF-8\u201d) or Windows-1252, at most 5,000 rows.")


class ConfirmImportForm(FlaskForm):
    payload = HiddenField()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pitf.action-items.csv-import")


def sign_payload(text: str, user_id: int) -> str:
    """The file's text, signed (and compressed), for the confirm form to carry back."""
    return _serializer().dumps({"u": user_id, "csv": text})


def unsign_payload(token: str, user_id: int) -> str:
    """The text signed for *user_id*; ValidationFailed when it was changed or is someone else's."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature as exc:
        raise ValidationFailed("The import could not be confirmed: its data was changed or damaged. "
                               "Upload the file again.") from exc
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("csv"), str):
        raise ValidationFailed("The import could not be confirmed: it was prepared for someone else. "
                               "Upload the file again.")
    return data["csv"]


@bp.route("/export.csv")
@login_required
def export():
    db = get_session()
    filters = actions.parse_filters(request.args)
    # Check the filters (an unknown agency) and the permission now, while an error can still be a page.
    actions.list_action_items(session=db, actor=current_user, filters=filters, per_page=1)
    actor = current_user._get_current_object()
    today = utcnow().date()

    def generate():
        # The request's session is closed when the response starts: stream from a session of our own.
        with get_db().session(write=False) as session:
            views = actions.iter_action_items(session=session, actor=actor, filters=filters, today=today, batch=2000)
            chunk: list[str] = []
            for line in csvio.export_rows(views, session=session, today=today):
                chunk.append(line)
                if len(chunk) >= 500:
                    yield "".join(chunk).encode("utf-8")
                    chunk.clear()
            yield "".join(chunk).encode("utf-8")

    return Response(stream_with_context(generate()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="action-items-{today.isoformat()}.csv"',
                             "Cache-Control": "no-store"})


def _import_page(form, plan=None, status: int = 200):
    return render_template("actions/import.html", form=form, plan=plan, columns=csvio.COLUMNS,
                           required=csvio.REQUIRED_COLUMNS, column_help=csvio.COLUMN_HELP,
                           max_rows=csvio.MAX_ROWS), status


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_form():
    require(permissions.can_import_action_items(current_user), "Only the secretariat imports action items.")
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422 if request.method == "POST" else 200)
    data = form.file.data.stream.read(csvio.MAX_BYTES + 1)
    plan = csvio.parse_import(get_session(), data)
    if not plan.ok:
        return _import_page(form, plan, 422)
    text, _encoding, _problem = csvio.decode_upload(data)
    confirm = ConfirmImportForm(formdata=None, payload=sign_payload(text, current_user.id))
    return render_template("actions/import_preview.html", plan=plan, confirm=confirm,
                           filename=form.file.data.filename or "the file")


@bp.route("/import/confirm", methods=["POST"])
@login_required
def import_confirm():
    require(permissions.can_import_action_items(current_user), "Only the secretariat imports action items.")
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        raise ValidationFailed("The form expired. Upload the file again.")
    db = get_session()
    plan = csvio.parse_import(db, unsign_payload(confirm.payload.data, current_user.id))
    if not plan.ok:  # something changed since the preview: show the problems, import nothing
        flash("The file no longer imports cleanly; nothing was imported.", "error")
        return _import_page(ImportForm(formdata=None), plan, 422)
    result = csvio.apply_import(db, current_user, plan)
    flash(result.summary(), "success")
    return redirect(url_for("actions.index"))


@bp.route("/import/example.csv")
@login_required
def import_example():
    return Response(EXAMPLE.read_bytes(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="action-items-example.csv"'})
