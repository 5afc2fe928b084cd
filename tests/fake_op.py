"""A deliberately bad OpenID provider for the tests of what the platform must refuse: it answers the token
request with an ID token the test forged (a wrong audience, an expired token, a key not in its JWKS, a replayed
token). The honest flows run against the real provider (tests/oidc_provider.py); this one only lies.

    with FakeProvider() as op:
        op.claims_override = {"aud": "someone-else"}
        op.sign_with = other_key
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


class FakeProvider:
    def __init__(self, *, client_id: str = "pitf-fake"):
        self.client_id = client_id
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1", "use": "sig"})
        self.published: list[RSAKey] = [self.key]  # what its JWKS serves
        self.sign_with: RSAKey = self.key
        self.claims_override: dict = {}
        self.subject = "fake-sub-1"
        self.email = ""
        self.replay = False  # answer with the ID token it issued last time
        self.issued: list[str] = []
        self.nonces: list[str] = []
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="fake-op")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def id_token(self) -> str:
        if self.replay and self.issued:
            return self.issued[-1]
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": self.subject, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": self.nonces[-1] if self.nonces else "", "email": self.email, "email_verified": True}
        claims.update(self.claims_override)
        claims = {k: v for k, v in claims.items() if v is not None}  # an override of None leaves the claim out
        header = {"alg": "RS256", "kid": self.sign_with.kid}
        token = jwt.encode(header, claims, self.sign_with)
        self.issued.append(token)
        return token

    def _handler(self):
        op = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body: dict, status: int = 200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's protocol
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json({
                        "issuer": op.issuer, "authorization_endpoint": f"{op.issuer}/authorize",
                        "token_endpoint": f"{op.issuer}/token", "jwks_uri": f"{op.issuer}/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"]})
                if url.path == "/jwks":
                    op.jwks_requests += 1
                    return self._json({"keys": [k.as_dict(private=False) for k in op.published]})
                if url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    op.nonces.append(query.get("nonce", ""))
                    self.send_response(302)
                    self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                        {"code": f"code-{len(op.nonces)}", "state": query.get("state", "")}))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if urlsplit(self.path).path == "/token":
                    return self._json({"access_token": "fake-access", "token_type": "Bearer", "expires_in": 300,
                                       "id_token": op.id_token()})
                return self._json({"error": "not_found"}, 404)

        return Handler
