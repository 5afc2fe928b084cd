"""Browser fixtures: Debian's Chromium through Playwright, a live server per test, and axe-core checks."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import IN_CI, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# How often the server thread checks for shutdown; the default 0.5 s would add that much to every test.
POLL_INTERVAL = 0.05


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; each test gets its own context."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} is missing; run scripts/ensure-chromium.sh (as root) to install Debian's chromium"
        if IN_CI:
            pytest.fail(f"{reason}. Under CI=true the browser tests must run.", pytrace=False)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def app(connection, settings):
    """The app with CSRF protection on, as in production: the browser posts the real forms."""
    return make_app({**settings, "WTF_CSRF_ENABLED": True}, connection)


def _close_when_sent(app):
    """Wrap *app* so that each response body is closed as soon as it is sent.

    Werkzeug's server closes the body only after draining the socket, and skips the close when that
    read fails: a browser that drops a connection (a context closing during a favicon request) then
    leaks send_file's open file, and filterwarnings=error turns the ResourceWarning into a failure.
    """

    def wsgi(environ, start_response):
        return _closing(app(environ, start_response))

    return wsgi


def _closing(body):
    try:
        yield from body
    finally:
        if hasattr(body, "close"):
            body.close()


@pytest.fixture
def base_url(app):
    """Serve *app* on a free port from a background thread; the address, without a trailing slash.

    The server is single-threaded and the test thread waits while the browser makes its requests,
    so the server may share the test's one database connection (and its rolled-back transaction).
    """
    server = make_server("127.0.0.1", 0, _close_when_sent(app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def page(browser, base_url):
    """A page in a fresh browser context (no cookies from other tests) on the live server.

    It depends on base_url so that it closes before the server stops: no request is left half-way.
    A script error or a Content-Security-Policy violation on any page fails the test.
    """
    context = browser.new_context(base_url=base_url)
    problems: list[str] = []
    try:
        page = context.new_page()

        def on_console(msg):
            if msg.type == "error" and "Content Security Policy" in msg.text:
                problems.append(f"console: {msg.text}")

        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("console", on_console)
        yield page
    finally:
        context.close()
    # The strict CSP turns a forgotten inline script or style into a silent breakage: make it loud.
    if problems:
        pytest.fail("The page broke in the browser:\n" + "\n".join(problems), pytrace=False)


_RECOVERY_CODES: dict[str, dict[str, list[str]]] = {}  # base_url -> email -> codes sign_in was shown


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form at /login and wait for the page it leads to.

    Where the person's role needs a second factor (administrators and the secretariat, by default), go through
    its real pages too: the first time, set up an authenticator app (its key read off the page, its code made
    as a phone would) and keep the recovery codes shown; later in the same test (another browser context too),
    answer with one of them."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    kept = _RECOVERY_CODES.setdefault(base_url, {})  # this test's server: its browser contexts share them
    if page.url.endswith("/account/security/enrol"):
        page.get_by_role("link", name="Set up an authenticator app").click()
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.get_by_role("button", name="Save the authenticator app").click()
        kept[email] = page.locator(".pitf-recovery-codes code").all_inner_texts()
        with page.expect_navigation():
            page.get_by_role("link", name="I have kept them: continue").click()
    elif page.url.endswith("/login/verify"):
        assert kept.get(email), f"{email} has a second factor this test did not set up through sign_in"
        page.get_by_label("Recovery code").fill(kept[email].pop())
        with page.expect_navigation():
            page.get_by_role("button", name="Use recovery code").click()


def axe_report(violations: list[dict]) -> str:
    """Each violation's rule id, help text and failing elements, one block per rule."""
    lines = [f"axe-core found {len(violations)} WCAG 2.1 AA violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  [{v.get('helpUrl', '')}]")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            if node.get("failureSummary"):
                lines.extend(f"       {s}" for s in node["failureSummary"].splitlines())
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    """Run axe-core on the page as it stands and fail with a readable report on any WCAG 2.1 AA violation."""
    # A dialog still fading in has colours half-way to their own: let transitions end before judging contrast.
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    violations = results.response["violations"]
    if violations:  # pytest prints the report: rule id, help, and each failing element's selector
        pytest.fail(f"{page.url}\n{axe_report(violations)}", pytrace=False)


@pytest.fixture
def axe():
    """axe(page): assert that axe-core finds no WCAG 2.1 AA violations on *page*."""
    return assert_no_axe_violations
