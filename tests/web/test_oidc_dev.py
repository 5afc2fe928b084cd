"""The documented local provider (`make sso-dev`, and `make run SSO=dev`): it knows every demo account, and the
settings the Makefile exports sign a demo account in through it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from pitf.demo import DEMO_USERS
from pitf.settings import ROOT, oidc_providers_from_env
from tests.conftest import make_app
from tests.oidc_provider import OidcProviderProcess, log_in

CONFIG = json.loads((ROOT / "config" / "sso-dev.json").read_text())


def makefile_sso_env() -> dict[str, str]:
    """The variables `make run SSO=dev` exports, as the Makefile writes them."""
    text = (Path(ROOT) / "Makefile").read_text()
    block = text.split("ifeq ($(SSO),dev)", 1)[1].split("endif", 1)[0]
    env = dict(re.findall(r"export (PITF_\w+) := (.*)", block))
    port = re.search(r"SSO_DEV_PORT \?= (\d+)", text)[1]
    return {k: v.replace("$(SSO_DEV_PORT)", port) for k, v in env.items()}


def test_the_local_provider_knows_every_demo_account():
    verified = {u["email"] for u in CONFIG["users"] if u["email_verified"]}
    assert {email for email, *_ in DEMO_USERS} <= verified
    env = makefile_sso_env()
    assert env["PITF_OIDC_DEV_ISSUER"] == f"http://127.0.0.1:{CONFIG['port']}"
    assert env["PITF_OIDC_DEV_CLIENT_SECRET"] == CONFIG["clients"][0]["client_secret"]


@pytest.fixture
def local_provider():
    with OidcProviderProcess(clients=CONFIG["clients"], users=CONFIG["users"],
                             acr_values=CONFIG["acr_values"]) as op:
        yield op


def test_a_demo_account_signs_in_through_the_local_provider(connection, settings, local_provider, make_user):
    env = {**makefile_sso_env(), "PITF_OIDC_DEV_ISSUER": local_provider.issuer}  # its port here: a free one
    app = make_app({**settings, "PITF_OIDC_PROVIDERS": oidc_providers_from_env(env)}, connection)
    staff = make_user("secretariat", email="iga@pitf.example.gov")
    c = app.test_client()
    assert "Sign in with the local test provider" in c.get("/login").get_data(as_text=True)
    authorize = c.get("/auth/oidc/dev/login").headers["Location"]
    back = urlsplit(log_in(requests.Session(), authorize, "iga@pitf.example.gov", "sso-demo"))
    assert c.get(f"{back.path}?{back.query}").status_code == 302
    with c.session_transaction() as s:
        assert s["_user_id"].startswith(f"{staff.id}:") and s["auth_method"] == "sso:dev"
