"""The dashboard every role lands on after signing in."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from pitf.db import get_session
from pitf.models import utcnow
from pitf.services.dashboard import build_dashboard

bp = Blueprint("main", __name__)


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
