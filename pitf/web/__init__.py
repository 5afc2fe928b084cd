"""The HTML pages: one blueprint per area, registered on the app with the site's error pages and Jinja helpers."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from pitf.web.account.routes import bp as account_bp
    from pitf.web.actions.csv_routes import bp as actions_csv_bp
    from pitf.web.actions.routes import bp as actions_bp
    from pitf.web.admin.jobs_routes import bp as admin_ops_bp
    from pitf.web.admin.routes import bp as admin_bp
    from pitf.web.auth.routes import bp as auth_bp
    from pitf.web.files.routes import bp as files_bp
    from pitf.web.main.routes import bp as main_bp
    from pitf.web.meetings.minutes_routes import bp as minutes_bp
    from pitf.web.meetings.routes import bp as meetings_bp
    from pitf.web.notifications.routes import bp as notifications_bp
    from pitf.web.org.routes import bp as org_bp
    from pitf.web.recommendations.report_routes import bp as rec_reports_bp
    from pitf.web.recommendations.routes import bp as recommendations_bp
    from pitf.web.scorecards.routes import bp as scorecards_bp
    from pitf.web.scorecards.summary_routes import bp as annual_summary_bp
    from pitf.web.search.routes import bp as search_bp

    for bp in (auth_bp, main_bp, org_bp, admin_bp, account_bp, actions_bp, actions_csv_bp, scorecards_bp,
               meetings_bp, minutes_bp, files_bp, rec_reports_bp, recommendations_bp):
        app.register_blueprint(bp)
    for bp in (notifications_bp, admin_ops_bp):  # notifications and operations (issue #7)
        app.register_blueprint(bp)
    app.register_blueprint(search_bp)  # search (issue #13)
    from pitf.web.admin.signin_routes import bp as admin_signin_bp

    app.register_blueprint(admin_signin_bp)  # sign-in policy (issue #14)
    app.register_blueprint(annual_summary_bp)  # the PITF's annual summary (issue #15)
    from pitf.web.auth.oidc import bp as oidc_bp
    from pitf.web.auth.oidc import init_oidc

    init_oidc(app)  # single sign-on (issue #14)
    app.register_blueprint(oidc_bp)
    from pitf.web.account.factor_routes import admin_bp as admin_factors_bp
    from pitf.web.account.factor_routes import bp as factors_bp
    from pitf.web.auth.second_factor_routes import bp as second_factor_bp

    app.register_blueprint(second_factor_bp)  # second factors (issue #14)
    app.register_blueprint(factors_bp)
    app.register_blueprint(admin_factors_bp)

    from pitf.web.errors import register_error_handlers
    from pitf.web.jinja import register_jinja

    register_jinja(app)
    register_error_handlers(app)

    from pitf.conditional import register_conditional

    register_conditional(app)
