"""Every demo account clicks through everything the app shows it: no link or form leads to a refusal or a dead end."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from pitf.demo import DEMO_USERS, load_demo
from pitf.models import User
from tests.conftest import sign_in_client

MAX_PER_PATTERN = 4  # distinct addresses followed per endpoint and set of query keys
MAX_PAGE = 2  # pagination beyond page 2 adds nothing a crawl can find


class Links(HTMLParser):
    """The same-site addresses a page offers: every link, and every form with its method and the fields it
    sends when the user presses its first button without typing (hidden fields, defaults, that button)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: list[str] = []
        self.forms: list[tuple[str, str, dict]] = []
        self._form: dict | None = None
        self._pressed = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form, self._pressed = {}, False
            self.forms.append(((a.get("method") or "get").lower(), a.get("action", ""), self._form))
        elif self._form is not None and a.get("name"):
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if tag == "button" or kind == "submit":
                if not self._pressed:
                    self._pressed = True
                    self._form[a["name"]] = a.get("value", "")
            elif tag == "input" and (kind not in ("checkbox", "radio", "file") or "checked" in a):
                self._form.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _local(url: str, base: str) -> str | None:
    """The path and query of a same-site address, or None for another site, mailto:, or a bare fragment."""
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc not in ("localhost", "localhost:5000"):
        return None
    if not parts.path and not parts.query:
        return None if url.startswith("#") else base
    path = parts.path if parts.path.startswith("/") else urlsplit(base).path.rsplit("/", 1)[0] + "/" + parts.path
    return path + (f"?{parts.query}" if parts.query else "")


def _pattern(adapter, url: str) -> tuple | None:
    parts = urlsplit(url)
    try:
        endpoint, _args = adapter.match(parts.path, method="GET")
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def _too_deep(url: str) -> bool:
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit() and int(value) > MAX_PAGE:
            return True
    return False


def crawl(app, client, start: str = "/dashboard"):
    """Visit breadth-first every same-site link and GET form from *start*; return (visited, failures, posts)."""
    adapter = app.url_map.bind("localhost")
    seen: set[str] = {start}
    per_pattern: dict[tuple, int] = {}
    queue = deque([(start, "(start)")])
    visited: dict[str, int] = {}
    failures: list[str] = []
    posts: dict[str, tuple[str, dict]] = {}  # action -> (page, fields)

    def offer(url: str, source: str) -> None:
        if url in seen or url.startswith("/static/") or _too_deep(url):
            return
        seen.add(url)
        pattern = _pattern(adapter, url)
        if pattern is not None:
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            if per_pattern[pattern] > MAX_PER_PATTERN:
                return
        queue.append((url, source))

    while queue:
        url, source = queue.popleft()
        r = client.get(url)
        body = r.get_data()  # read every answer to its end: a streamed export holds its database session till then
        r.close()
        visited[url] = r.status_code
        if r.status_code in (301, 302, 303, 307, 308):
            target = _local(r.headers["Location"], url)
            if target:
                offer(target, url)
            continue
        if r.status_code != 200:
            failures.append(f"GET {url} -> {r.status_code} (linked from {source})")
            continue
        if not r.mimetype.startswith("text/html"):
            continue
        parser = Links()
        parser.feed(body.decode())
        if twice := sorted({i for i in parser.ids if parser.ids.count(i) > 1}):
            failures.append(f"GET {url}: ids used more than once: {', '.join(twice)}")
        for href in parser.links:
            target = _local(href, url)
            if target:
                offer(target, url)
        for method, action, fields in parser.forms:
            target = _local(action, url) if action else url
            if target is None:
                continue
            if method == "get":
                offer(target, url)
            else:
                posts.setdefault(target, (url, fields))
    return visited, failures, posts


# Forms whose empty submission changes who is signed in or runs work outside the request.
NOT_POSTED = {"auth.logout", "admin_ops.run_job"}


def check_posts(app, client, connection, posts) -> list[str]:
    """Each POST form's action is a route that takes POST, and the user may use it: pressing its first button
    without typing (rolled back at once) is answered with a form error or a redirect, never 403, 404, 405 or
    5xx."""
    adapter = app.url_map.bind("localhost")
    failures = []
    per_pattern: dict[str, int] = {}
    for action, (source, fields) in sorted(posts.items()):
        path = urlsplit(action).path
        try:
            endpoint, _args = adapter.match(path, method="POST")
        except (NotFound, MethodNotAllowed) as exc:
            failures.append(f"POST {action} -> {exc.code} (form on {source})")
            continue
        per_pattern[endpoint] = per_pattern.get(endpoint, 0) + 1
        if endpoint in NOT_POSTED or per_pattern[endpoint] > MAX_PER_PATTERN:
            continue
        savepoint = connection.begin_nested()
        try:
            r = client.post(action, data=fields)
            r.get_data()
            r.close()
        finally:
            savepoint.rollback()
        if r.status_code in (403, 404, 405) or r.status_code >= 500:
            failures.append(f"POST {action} -> {r.status_code} (form on {source})")
    return failures


@pytest.fixture
def settings(settings):
    """CSRF on, as in production: every form carries its token (and its id), and the crawl posts it back."""
    return {**settings, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def demo(app, db, tmp_path):
    """The demo data, as `make demo` loads it; {email: user}."""
    load_demo(db, tmp_path)
    db.flush()
    return {u.email: u for u in db.execute(select(User)).scalars()}


def _client(app, user):
    c = app.test_client()
    sign_in_client(c, user)
    return c


DEMO_EMAILS = [email for email, *_ in DEMO_USERS]


# Pages no demo account reaches by clicking, and why.
NOT_BY_CLICKING = {
    "main.healthz": "the load balancer's probe",
    "main.favicon": "asked for by browsers",
    "auth.login": "a signed-in user has no need of it",
    "files.feed": "its address is the user's secret, shown once the user creates the feed",
    "files.download": "the demo has no documents",
    "minutes.diff": "the demo's minutes have one revision",
    "recommendations.edit": "the demo has no draft",
    "oidc.login": "single sign-on: the demo names no provider (`make run SSO=dev` does)",
    "oidc.callback": "the identity provider sends the browser there",
    "oidc.signed_out": "the identity provider sends the browser there after signing out",
    "second_factor.verify": "the second step of signing in, right after the password",
    "factors.enrol": "shown right after the password to a person whose role needs a second factor and has none",
    "second_factor.confirm": "asked for by a sensitive step when the last proof of identity is over 15 minutes old",
}
STAFF = {"actions.new", "actions.edit", "actions.cancel", "actions_csv.import_form", "actions_csv.import_example",
         "admin.index", "admin.agency_new", "admin.agency_edit", "admin.committee_new", "admin.committee_edit",
         "admin.committee_members", "admin.membership_appointment", "org.faca_export_download"}
ADMIN = {"admin.audit_log", "admin.user_list", "admin.user_new", "admin.user_edit", "admin_ops.jobs",
         "admin_ops.outbox", "admin_ops.outbox_email", "admin_ops.reminders", "admin_signin.policy"}
SCHEDULE = {"meetings.new"}  # staff, and the chairs of a body
PLANNING = {"meetings.edit", "meetings.agenda", "meetings.cancel", "meetings.copy", "minutes.edit"}  # of a meeting
MINUTES_DUE = {"minutes.due"}  # staff and chairs
DRAFTING = {"recommendations.new"}  # the Council
REPORT_ORDER = {"rec_reports.report_order"}  # the Council and staff
REC_FILES = {"files.recommendation_attachments"}  # not for a viewer, nor an agency it is not addressed to
OUTSIDE_ROLE = {
    "admin@pitf.example.gov": DRAFTING,
    "iga@pitf.example.gov": DRAFTING | ADMIN,
    "liaison.doj@pitf.example.gov": STAFF | ADMIN | SCHEDULE | PLANNING | MINUTES_DUE | DRAFTING | REPORT_ORDER,
    # co-chair of Procurement and Supply Chains, which has no meeting in the demo
    # the demo's recommendations are addressed to DOJ and HHS, and to DHS and DOL: its files are DHS's to read
    "liaison.dhs@pitf.example.gov": STAFF | ADMIN | PLANNING | DRAFTING | REPORT_ORDER,
    "council.chair@pitf.example.gov": STAFF | ADMIN,  # chairs the Council
    "council@pitf.example.gov": STAFF | ADMIN | SCHEDULE | PLANNING | MINUTES_DUE,
    "viewer@pitf.example.gov": STAFF | ADMIN | SCHEDULE | PLANNING | MINUTES_DUE | DRAFTING | REPORT_ORDER | REC_FILES,
}


def web_pages(app) -> set[str]:
    """The endpoints of every page (GET) of the web interface."""
    return {r.endpoint for r in app.url_map.iter_rules()
            if "GET" in r.methods and r.endpoint != "static" and not r.endpoint.startswith("api.")}


def endpoints_of(app, urls) -> set[str]:
    adapter = app.url_map.bind("localhost")
    return {adapter.match(urlsplit(u).path, method="GET")[0] for u in urls}


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_every_link_and_form_a_demo_account_sees_works(app, connection, demo, email):
    client = _client(app, demo[email])
    visited, failures, posts = crawl(app, client)
    failures += check_posts(app, client, connection, posts)
    assert not failures, "\n".join(failures)
    reached = endpoints_of(app, [u for u, status in visited.items() if status < 400])
    expected = web_pages(app) - set(NOT_BY_CLICKING) - OUTSIDE_ROLE[email]
    assert expected - reached == set(), "pages this account may use but cannot reach by clicking"
    assert reached & OUTSIDE_ROLE[email] == set(), "pages shown to an account that may not use them"
    assert {"rec_reports.dashboard", "rec_reports.report", "minutes.public_index"} <= reached


def test_the_sign_in_page_leads_to_the_public_records_and_they_work(app, client, demo):
    visited, failures, posts = crawl(app, client, start="/login")
    assert not failures, "\n".join(failures)
    reached = endpoints_of(app, [u for u, status in visited.items() if status == 200])
    assert {"auth.login", "minutes.public_index", "minutes.public_meeting"} <= reached
    assert set(posts) == {"/login"}
