"""Single sign-on in Chromium, by keyboard: the sign-in page's button, the real provider's login form, back
signed in; sign-out at both ends; the refusal page and the administrator's view of linked identities, each
axe-core clean at 1280 and 320 px."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pitf.models import UserIdentity
from pitf.settings import oidc_providers_from_env
from tests.browser.conftest import assert_no_axe_violations, sign_in
from tests.browser.test_layout import WIDTHS, check_page
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.oidc_provider import PASSWORD as PROVIDER_PASSWORD
from tests.oidc_provider import OidcProviderProcess, client, user

pytestmark = pytest.mark.browser

SECRET = "browser-test-client-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def provider():
    with OidcProviderProcess(clients=[client("pitf-browser", "agency", secret=SECRET)],
                             users=[user("alice", "alice@state.gov"), user("nora", "nora@nowhere.gov")]) as op:
        yield op


@pytest.fixture
def app(connection, settings, provider):
    env = {"PITF_OIDC_PROVIDERS": "agency", "PITF_OIDC_AGENCY_ISSUER": provider.issuer,
           "PITF_OIDC_AGENCY_CLIENT_ID": "pitf-browser", "PITF_OIDC_AGENCY_CLIENT_SECRET": SECRET,
           "PITF_OIDC_AGENCY_LABEL": "Agency ID"}
    return make_app({**settings, "WTF_CSRF_ENABLED": True, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(env)},
                    connection)


@pytest.fixture
def site(app, base_url):
    app.config["PITF_BASE_URL"] = base_url  # the address the provider sends the browser back to
    return base_url


def sso_by_keyboard(page, site: str, login: str) -> None:
    page.goto(f"{site}/login")
    page.get_by_role("link", name="Sign in with Agency ID").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    with page.expect_navigation(url=f"{site}/**"):
        page.keyboard.press("Enter")


def test_sign_in_and_out_at_both_ends_by_keyboard(page, site, make_user, db):
    alice = make_user("secretariat", email="alice@state.gov", name="Alice Example")
    sso_by_keyboard(page, site, "alice")
    assert page.url == f"{site}/dashboard"
    assert page.get_by_text("Alice Example").count() >= 1
    assert db.execute(select(UserIdentity.user_id)).scalar_one() == alice.id
    page.get_by_role("button", name="Sign out").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # the provider asks whether to sign out there too
    with page.expect_navigation(url=f"{site}/**"):
        page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{site}/login")
    assert page.get_by_text("You have signed out, here and at Agency ID.").is_visible()
    assert page.goto(f"{site}/dashboard").url.startswith(f"{site}/login")
    # the provider's session ended too: its login form again
    page.goto(f"{site}/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with Agency ID").click()
    assert page.get_by_label("Password").is_visible()


def test_the_new_pages_are_axe_clean_and_reflow(page, site, make_user, browser):
    alice = make_user("viewer", email="alice@state.gov")
    admin = make_user("admin", email="root@pitf.example.gov")
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, site, "/login", width, problems)
    # the refusal: a person the provider knows but the platform does not
    sso_by_keyboard(page, site, "nora")
    assert page.get_by_role("heading", name="No access through single sign-on").is_visible()
    assert page.get_by_text("Ask the secretariat for access").count() >= 1
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page)
    # alice links her identity; the administrator's page lists it, with its Unlink button
    context = browser.new_context(base_url=site)
    try:
        sso_by_keyboard(context.new_page(), site, "alice")
    finally:
        context.close()
    sign_in(page, site, admin.email, PASSWORD)
    for width in WIDTHS:
        check_page(page, site, f"/admin/users/{alice.id}", width, problems)
    assert page.get_by_role("button", name="Unlink Agency ID").is_visible()
    assert not problems, "\n".join(problems)
