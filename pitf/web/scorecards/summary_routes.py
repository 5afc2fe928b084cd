"""The PITF's annual summary: the page, and the same figures as Markdown, PDF and CSV."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask_login import current_user, login_required

from pitf.db import get_session
from pitf.errors import ValidationFailed
from pitf.models import utcnow
from pitf.services import annual_summary as summaries
from pitf.services import annual_summary_files as files
from pitf.services.pdf import render_pdf

bp = Blueprint("annual_summary", __name__, url_prefix="/scorecards")


def _asked() -> tuple[str, str]:
    return request.args.get("year", ""), request.args.get("period", "")


def _summary() -> summaries.Summary:
    year, period = _asked()
    return summaries.annual_summary(session=get_session(), actor=current_user, year=year, period=period,
                                    now=utcnow())


def _page(summary: summaries.Summary | None, errors: dict[str, str], status: int = 200):
    year, period = _asked()
    today = utcnow().date()
    if summary is not None:
        year, period = str(summary.period.year), summary.period.kind
    return render_template("scorecards/annual_summary.html", summary=summary, errors=errors, year=year,
                           period=period or summaries.FISCAL, kinds=summaries.PERIOD_KINDS, today=today,
                           heads=files, definitions=files.DEFINITIONS), status


def _refused(err: ValidationFailed):
    return _page(None, err.fields or {"year": err.message}, 422)


@bp.route("/annual-summary")
@login_required
def page():
    try:
        summary = _summary()
    except ValidationFailed as err:
        return _refused(err)
    return _page(summary, {})


def _download(body, summary: summaries.Summary, ext: str, mimetype: str) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    name = f"pitf-annual-summary-{summary.period.short.lower()}.{ext}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/annual-summary.md")
@login_required
def markdown():
    try:
        summary = _summary()
    except ValidationFailed as err:
        return _refused(err)
    return _download(files.summary_markdown(summary), summary, "md", "text/markdown; charset=utf-8")


@bp.route("/annual-summary.csv")
@login_required
def csv():
    try:
        summary = _summary()
    except ValidationFailed as err:
        return _refused(err)
    return _download("".join(files.summary_csv(summary)), summary, "csv", "text/csv; charset=utf-8")


@bp.route("/annual-summary.pdf")
@login_required
def pdf():
    try:
        summary = _summary()
    except ValidationFailed as err:
        return _refused(err)
    html = render_template("scorecards/annual_summary_print.html", summary=summary, heads=files,
                           definitions=files.DEFINITIONS, css_href="css/summary-print.css", printed_at=utcnow())
    assert current_app.static_folder is not None  # the app serves pitf/static
    return _download(render_pdf(html, base_url=current_app.static_folder), summary, "pdf", "application/pdf")
