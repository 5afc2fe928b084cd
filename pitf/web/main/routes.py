"""The dashboard every role lands on after signing in, and what every page's navigation asks: the header's
section, the breadcrumbs, and the links that depend on the role."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.models import utcnow
from pitf.services.dashboard import build_dashboard

bp = Blueprint("main", __name__)


def may_list_minutes_due() -> bool:
    """Whether to link the minutes still to approve (the secretariat's and the chairs' list), as its service decides."""
    if "_pitf_minutes_due" not in g:
        from pitf.services.meetings import chaired_committee_ids

        chaired = set() if permissions.is_staff(current_user) else chaired_committee_ids(get_session(), current_user)
        g._pitf_minutes_due = permissions.can_list_minutes_due(current_user, chaired)
    return g._pitf_minutes_due


def annual_report_year() -> int:
    """The year of the Council's annual report to link: the newest with recommendations, else this year."""
    from pitf.services.rec_reports import latest_report_year

    return latest_report_year(get_session()) or utcnow().year


# The header's section of each part of the site, by the start of its address.
SECTIONS = [("/dashboard", "main.dashboard"), ("/action-items", "actions.index"), ("/meetings", "meetings.index"),
            ("/minutes", "meetings.index"), ("/recommendations", "recommendations.index"),
            ("/scorecards", "scorecards.index"), ("/committees", "org.committees"), ("/agencies", "org.agencies"),
            ("/admin", "admin"), ("/notifications", "notifications"), ("/account/notifications", "notifications"),
            ("/account", "account")]


def nav_section() -> str | None:
    """The header link of the part of the site the user is in (the longest matching address), or None."""
    path = request.path
    found = [(prefix, section) for prefix, section in SECTIONS if path == prefix or path.startswith(prefix + "/")]
    return max(found, default=(None, None), key=lambda f: len(f[0]))[1]


_ADMIN = ("Administration", "admin.index")
# The trail above pages that have no breadcrumbs of their own and no header link of their own.
TRAILS = {
    "admin.agency_new": [_ADMIN], "admin.agency_edit": [_ADMIN], "admin.committee_new": [_ADMIN],
    "admin.committee_edit": [_ADMIN], "admin.committee_members": [_ADMIN], "admin.user_list": [_ADMIN],
    "admin.audit_log": [_ADMIN], "admin_ops.jobs": [_ADMIN], "admin_ops.outbox": [_ADMIN],
    "admin_ops.reminders": [_ADMIN], "admin_ops.outbox_email": [_ADMIN, ("Email outbox", "admin_ops.outbox")],
    "admin.user_new": [_ADMIN, ("People", "admin.user_list")],
    "admin.user_edit": [_ADMIN, ("People", "admin.user_list")], "minutes.due": [("Meetings", "meetings.index")],
}


def breadcrumb_trail() -> list[tuple[str, str]]:
    """(label, address) of the pages above the current one, for the breadcrumbs base.html shows."""
    return [(label, url_for(endpoint)) for label, endpoint in TRAILS.get(request.endpoint or "", [])]


@bp.app_context_processor
def _navigation():
    return {"may_list_minutes_due": may_list_minutes_due, "annual_report_year": annual_report_year,
            "nav_section": nav_section, "breadcrumb_trail": breadcrumb_trail}


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links: answer with the USWDS icon, not a 404."""
    static = current_app.static_folder
    assert static is not None  # the app is created with pitf/static
    return send_from_directory(static, "uswds/img/favicons/favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    dash = build_dashboard(session=get_session(), actor=current_user, now=utcnow())
    return render_template("main/dashboard.html", dash=dash, today=utcnow().date())


@bp.route("/healthz")
def healthz():
    from sqlalchemy import text

    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
