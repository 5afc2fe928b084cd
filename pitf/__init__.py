"""The PITF Coordination Platform: create_app builds the Flask application."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFProtect

from pitf import db as dbmod
from pitf.settings import load_settings

csrf = CSRFProtect()
SEEN_AT_STEP = 60  # seconds: how finely a session's last activity is kept (the idle limit is in minutes)
login_manager = LoginManager()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(config: dict | None = None, *, bind=None) -> Flask:
    """Build the app. *config* overrides settings; *bind* replaces the engine (tests)."""
    from pitf.settings import ROOT

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static",
                instance_path=None)
    app.config.update(load_settings(config))
    from pitf.paging import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids in paths are ASCII and bounded
    app.instance_path = app.config["PITF_INSTANCE_PATH"]
    logging.basicConfig(level=logging.INFO if app.config["PITF_ENV"] != "test" else logging.WARNING)
    for noisy in ("alembic", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from pitf.security import configure_hasher

    configure_hasher(time_cost=app.config["PITF_ARGON2_TIME_COST"], memory_kib=app.config["PITF_ARGON2_MEMORY_KIB"])

    if app.config["PITF_PROXY_HOPS"]:
        # Behind N reverse proxies: take the client address and scheme from X-Forwarded-*,
        # so that sign-in lockouts count the real address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PITF_PROXY_HOPS"]
        # Flask documents wrapping wsgi_app in middleware so; its stubs declare it a plain method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    dbmod.init_app(app, bind)
    csrf.init_app(app)
    _init_login(app)
    _init_security_headers(app)

    from pitf.web import register_web

    register_web(app)
    from pitf.api import api_bp

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    from pitf.cli import register_cli

    register_cli(app)
    _init_request_limits(app)
    return app


def _init_request_limits(app: Flask) -> None:
    from werkzeug.exceptions import RequestEntityTooLarge

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_err):
        """A body over MAX_CONTENT_LENGTH or a form's text over MAX_FORM_MEMORY_SIZE, refused before any view
        runs: say which (a file, or the text of the form) and that nothing was saved."""
        from pitf.api.errors import error_response
        from pitf.web.errors import error_page

        title, message = too_large_message(app.config, request.mimetype, request.content_length,
                                           api=request.path.startswith("/api/"))
        if request.path.startswith("/api/"):
            return error_response(413, "too_large", message)
        return error_page(413, title, message)


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n / mb:.1f} MB".replace(".0 MB", " MB") if n >= mb else f"{max(1, round(n / 1024)):,} KB"


def too_large_message(config, mimetype: str, sent: int | None, *, api: bool = False) -> tuple[str, str]:
    """(title, message) for a request refused as too large."""
    from pitf.storage import too_large_message as file_message

    body_limit = config["MAX_CONTENT_LENGTH"]
    size = f" ({_size(sent)})" if sent else ""
    again = ("Nothing was saved. Go back (your browser keeps what you typed), shorten the longest text to the "
             "limit its field shows, and send it again.")
    if mimetype == "multipart/form-data":
        if sent is None or sent > body_limit:  # with a file field: the file is what makes a body this big
            return "File too large", file_message(config["PITF_MAX_UPLOAD_MB"] * 1024 * 1024)
        part_limit = config.get("MAX_FORM_MEMORY_SIZE") or 500_000  # one text part of the form
        return "Text too long", (f"A text field of this form is longer than {_size(part_limit)}, or the form "
                                 f"has too many fields; the file was not the problem. {again}")
    if api:
        return "Request too large", (f"The request body{size} is larger than {config['PITF_MAX_UPLOAD_MB']} MB, "
                                     "the most the API accepts. Nothing was saved.")
    most = f"{config['PITF_MAX_UPLOAD_MB']} MB"  # the limit people are told; the rest is the envelope
    return "Text too long", (f"The text of this form{size} is longer than {most}, the most a form accepts; "
                             f"no file was sent. {again}")


def _init_login(app: Flask) -> None:
    from sqlalchemy import select

    from pitf.models import User
    from pitf.textutil import parse_id

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(ident: str):
        user_id, _, token = ident.partition(":")
        if parse_id(user_id) is None or not token:
            return None
        user = dbmod.get_session().execute(select(User).where(User.id == int(user_id))).scalar_one_or_none()
        if user is None or not user.is_active or user.session_token != token:
            return None
        return user

    @app.before_request
    def _session_age():
        """End sessions idle for too long or older than the maximum, whatever the cookie says."""
        if request.blueprint == "api" or request.endpoint == "static":
            return None
        if not current_user.is_authenticated:
            return None
        now = time.time()
        idle = app.config["PITF_SESSION_IDLE_MINUTES"] * 60
        max_age = app.config["PITF_SESSION_MAX_HOURS"] * 3600
        signed_in_at = session.get("signed_in_at", 0)
        seen_at = session.get("seen_at", 0)
        if now - seen_at > idle or now - signed_in_at > max_age:
            logout_user()
            session.clear()
            flash("Your session ended after a period of inactivity. Sign in again to continue.", "info")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        if now - seen_at >= SEEN_AT_STEP:
            session["seen_at"] = now  # to the minute: an unchanged session sends no new cookie
        return None

    @app.before_request
    def _refuse_nul():
        """NUL characters cannot be stored by PostgreSQL: refuse them clearly instead of failing later.
        (The API answers its own 422 naming the field.)"""
        if request.blueprint == "api":
            return None
        values = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if any("\x00" in k or "\x00" in v for k, v in values):
            from werkzeug.exceptions import BadRequest

            raise BadRequest("The request contains a NUL character (%00), which no field accepts.")
        return None

    @app.context_processor
    def _inject():
        from pitf import permissions

        return {"perm": permissions, "now_utc": datetime.now(UTC)}


def _init_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PITF_ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user_is_signed_in():
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def current_user_is_signed_in() -> bool:
    try:
        return bool(g.get("_login_user") and g._login_user.is_authenticated)
    except RuntimeError:
        return False
