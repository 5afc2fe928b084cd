"""The recommendations dashboard and the Council's annual report: web page, Markdown, PDF, and its order."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import Conflict, NotFound, ValidationFailed, require
from pitf.models import Recommendation, utcnow
from pitf.services import rec_annual_report, rec_reports
from pitf.services.pdf import render_pdf
from pitf.services.recommendations import POSITION_LABELS, STATUS_LABELS
from pitf.textutil import parse_id
from pitf.web.scorecards.routes import bar_chart

bp = Blueprint("rec_reports", __name__, url_prefix="/recommendations")

FIRST_YEAR, LAST_YEAR = 2000, 2100
# USWDS colours with more than 3:1 contrast on white (WCAG 1.4.11); (key, label, colour, colour in words).
ON_TIME = ("on_time", "Answered on time", "#005ea2", "blue")
LATE = ("late", "Answered late", "#c05600", "orange")
OVERDUE = ("overdue", "Overdue, no answer", "#b50909", "red")
SUBMITTED = ("submitted", "Submitted", "#005ea2", "blue")
IMPLEMENTED = ("implemented", "Closed as implemented", "#008817", "green")


@bp.context_processor
def _helpers():
    return {"status_labels": STATUS_LABELS, "position_labels": POSITION_LABELS}


def _year_or_404(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound("No report for that year.")
    return year


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---- the dashboard ---------------------------------------------------------------------------------

def _agency_chart(rows: list[rec_reports.AgencyRow], year: int | None):
    scope = f"recommendations of {year}" if year else "recommendations"
    total = rec_reports.AgencyRow.total(rows)
    desc = (f"Across agencies, {total.answered_on_time} answers on time, {total.answered_late} late, and "
            f"{total.overdue} overdue without an answer.")
    if worst := max(rows, key=lambda r: (r.overdue, r.answered_late), default=None):
        if worst.overdue:
            desc += f" Most overdue: {worst.acronym} with {worst.overdue}."
    # Agency rows all have an acronym (only the total row has none).
    return bar_chart([(r.acronym or "", {"on_time": r.answered_on_time, "late": r.answered_late, "overdue": r.overdue})
                      for r in rows], [ON_TIME, LATE, OVERDUE], chart_id="agency-chart",
                     title=f"Agency answers to the Council's {scope}: on time, late, and overdue", desc=desc)


def _council_chart(years: list[rec_reports.YearRow]):
    ordered = sorted(years, key=lambda y: y.year)
    desc = "; ".join(f"{y.year}: {y.implemented} of {y.submitted} implemented"
                     + (f" ({y.implemented_pct}%)" if y.implemented_pct is not None else "") for y in ordered)
    return bar_chart([(str(y.year), {"submitted": y.submitted, "implemented": y.implemented}) for y in ordered],
                     [SUBMITTED, IMPLEMENTED], chart_id="council-chart",
                     title="The Council's recommendations by report year: submitted and implemented",
                     desc=(desc + ".") if desc else "No recommendations yet.")


@bp.route("/dashboard")
@login_required
def dashboard():
    db = get_session()
    errors: dict[str, str] = {}
    year = None
    if raw := request.args.get("year"):
        year = parse_id(raw)
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            errors["year"] = "Choose a report year such as 2027."
            year = None
    today = utcnow().date()
    rows = rec_reports.agency_dashboard(db, today, year=year)
    years = rec_reports.council_by_year(db)
    return render_template(
        "recommendations/dashboard.html", rows=rows, total=rec_reports.AgencyRow.total(rows), year=year,
        years=years, errors=errors, today=today,
        agency_chart=_agency_chart(rows, year) if rows else None,
        council_chart=_council_chart(years) if years else None,
    ), (422 if errors else 200)


# ---- the annual report -----------------------------------------------------------------------------

def _report(year: int) -> rec_reports.Report:
    return rec_reports.annual_report(get_session(), _year_or_404(year))


def _layout(r: rec_reports.Report) -> dict:
    """The report's groups (?by=pillar or committee) and its index by agency, for the page and the PDF."""
    by = rec_annual_report.grouping(request.args.get("by"))
    return {"report": r, "by": by, "groupings": rec_annual_report.GROUPINGS,
            "groups": rec_annual_report.grouped(r, by), "index": rec_annual_report.agency_index(r),
            "intro": rec_annual_report.intro(r, by) if r.items else "",
            "full_council": rec_annual_report.FULL_COUNCIL}


@bp.route("/report/<int:year>")
@login_required
def report(year: int):
    r = _report(year)
    return render_template("recommendations/report.html", **_layout(r),
                           can_order=permissions.can_order_annual_report(current_user))


def _filename(year: int, ext: str, by: str) -> str:
    grouped = "" if by == rec_annual_report.DEFAULT_GROUPING else f"-by-{by}"
    return f"advisory-council-annual-report-{year}{grouped}.{ext}"


@bp.route("/report/<int:year>.md")
@login_required
def report_markdown(year: int):
    by = rec_annual_report.grouping(request.args.get("by"))
    text = rec_annual_report.report_markdown(_report(year), by)
    response = make_response(text)
    response.headers["Content-Type"] = "text/markdown; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(year, "md", by)}"'
    return response


@bp.route("/report/<int:year>.pdf")
@login_required
def report_pdf(year: int):
    layout = _layout(_report(year))
    html = render_template("recommendations/report_print.html", **layout, css_href="css/report-print.css",
                           link_base=current_app.config["PITF_BASE_URL"].rstrip("/"), printed_at=utcnow())
    assert current_app.static_folder is not None  # the app serves pitf/static
    response = make_response(render_pdf(html, base_url=current_app.static_folder))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(year, "pdf", layout["by"])}"'
    return response


# ---- the Council's order ---------------------------------------------------------------------------

def _render_order(year: int, *, status: int = 200, error: str | None = None, conflict: str | None = None):
    r = _report(year)
    return render_template("recommendations/report_order.html", report=r, error=error, conflict=conflict,
                           seen=",".join(str(i.id) for i in r.items)), status


def _ids(raw: str) -> list[int] | None:
    """The comma-separated ids of the order the page showed; None (no check) when absent or unreadable."""
    parsed = [parse_id(part) for part in raw.split(",")] if raw.strip() else [None]
    ids = [i for i in parsed if i is not None]
    return ids if len(ids) == len(parsed) else None


@bp.route("/report/<int:year>/order", methods=["GET", "POST"])
@login_required
def report_order(year: int):
    _year_or_404(year)
    require(permissions.can_order_annual_report(current_user),
            "Only the Advisory Council's members and the secretariat order the annual report.")
    if request.method == "GET":
        return _render_order(year)
    rec_id = parse_id(request.form.get("rec_id", ""))
    seen = _ids(request.form.get("order", ""))
    if rec_id is None:
        raise NotFound("No such recommendation in this report.")
    try:
        order, index = rec_reports.move_in_report(
            session=get_session(), actor=current_user, year=year, rec_id=rec_id,
            direction=request.form.get("direction", ""), seen=seen)
    except Conflict as err:
        return _render_order(year, status=409, conflict=err.message)
    except ValidationFailed as err:
        return _render_order(year, status=422, error=" ".join(err.fields.values()) or err.message)
    moved = get_session().get(Recommendation, rec_id)
    assert moved is not None  # move_in_report just found it
    flash(f"Moved {moved.number} to place {index + 1} of {len(order)}.", "success")
    return redirect(url_for("rec_reports.report_order", year=year, _anchor=f"rec-{rec_id}"))
