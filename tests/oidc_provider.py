"""A real OpenID provider for tests: oidc-provider (tests/oidc/provider.mjs) on a free loopback port.

    with OidcProviderProcess(clients=[...], users=[...]) as op:
        op.issuer                     # http://127.0.0.1:PORT
        op.restart()                  # the same port and clients, a new signing key (a key rotation)

`log_in(session, url, login, password)` drives its login form over HTTP and returns the address it sends the
browser back to (the platform's callback, with code and state).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.smtp_server import free_port

HERE = Path(__file__).resolve().parent / "oidc"
SCRIPT = HERE / "provider.mjs"
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "provider-password"


def require_provider() -> None:
    """Skip (fail under CI) when Node.js or the npm package is missing: scripts/ensure-oidc-provider.sh."""
    problem = None
    if shutil.which("node") is None:
        problem = "Node.js is not installed"
    elif not (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        problem = "oidc-provider is not installed; run scripts/ensure-oidc-provider.sh"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}. Under CI=true the single sign-on tests must run.", pytrace=False)
        pytest.skip(problem)


def user(login: str, email: str, *, verified: bool = True, acrs: list[str] | None = None, sub: str | None = None):
    return {"sub": sub or f"sub-{login}", "login": login, "password": PASSWORD, "email": email,
            "email_verified": verified, "name": login.capitalize(), "acrs": acrs or []}


def client(client_id: str, name: str, *, secret: str | None = None, public_jwk: dict | None = None) -> dict:
    """A test client of the platform's provider *name*: loopback addresses on any port (a native client)."""
    meta = {
        "client_id": client_id, "application_type": "native",
        "redirect_uris": [f"http://{h}/auth/oidc/{name}/callback" for h in ("127.0.0.1", "localhost")],
        "post_logout_redirect_uris": [f"http://{h}/auth/oidc/{name}/signed-out" for h in ("127.0.0.1", "localhost")],
    }
    if public_jwk is not None:
        meta.update(token_endpoint_auth_method="private_key_jwt", jwks={"keys": [public_jwk]})
    else:
        meta.update(token_endpoint_auth_method="client_secret_basic", client_secret=secret)
    return meta


class OidcProviderProcess:
    def __init__(self, *, clients: list[dict], users: list[dict], acr_values: list[str] | None = None,
                 port: int | None = None):
        require_provider()
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = {"port": self.port, "clients": clients, "users": users, "acr_values": acr_values or []}
        self._dir = tempfile.TemporaryDirectory(prefix="oidc-provider-")
        self._config_path = Path(self._dir.name) / "config.json"
        self._config_path.write_text(json.dumps(self.config))
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        node = shutil.which("node") or "node"
        self._process = subprocess.Popen([node, str(SCRIPT), str(self._config_path)], cwd=HERE,  # noqa: S603
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # "ready <issuer>" once it listens
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"the test OpenID provider did not start: {line!r}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout:
                self._process.stdout.close()
            self._process = None

    def restart(self) -> None:
        """Stop and start again on the same port: a new signing key, every session and code forgotten."""
        self.stop()
        for _ in range(50):  # the port is free again once the old process has closed it
            try:
                self.start()
                return
            except RuntimeError:
                time.sleep(0.1)
        self.start()

    def jwks(self) -> dict:
        return requests.get(f"{self.issuer}/jwks", timeout=5).json()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self._dir.cleanup()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.I)


def log_in(browser: requests.Session, authorize_url: str, login: str, password: str = PASSWORD) -> str:
    """Follow *authorize_url* at the provider, fill its login form, and return where it sends the browser back
    to (the platform's callback address with its query)."""
    answer = browser.get(authorize_url, allow_redirects=True, timeout=10)
    match = _FORM.search(answer.text)
    assert match, f"no login form at the provider: {answer.status_code} {answer.text[:300]}"
    action = urljoin(answer.url, unescape(match.group(1)))
    answer = browser.post(action, data={"login": login, "password": password}, allow_redirects=False, timeout=10)
    return follow_to_platform(browser, answer)


def follow_to_platform(browser: requests.Session, answer: requests.Response) -> str:
    """Follow the provider's redirects until one leaves it; that address."""
    provider = urlsplit(answer.url).netloc
    for _ in range(10):
        assert answer.status_code in (302, 303), f"{answer.status_code} at {answer.url}: {answer.text[:300]}"
        location = urljoin(answer.url, answer.headers["Location"])
        if urlsplit(location).netloc != provider:
            return location
        answer = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")
