"""The one way a browser session starts, whatever proved who the person is (a password and its second factor,
or a single sign-on), and how fresh that proof is."""

from __future__ import annotations

import time

from flask import session
from flask_login import login_user

from pitf.db import get_session
from pitf.services import audit

FRESH_SECONDS = 15 * 60  # sensitive steps ask again for proof older than this


def finish_sign_in(user, *, method: str, detail: dict[str, str] | None = None) -> None:
    """Start a new session for *user*: nothing from before survives (no fixation), the sign-in time and the
    time of the last proof of identity are kept, and the sign-in is audited with how it was made
    (*method*: "password", "password+totp", "password+webauthn", "password+recovery", "sso:NAME")."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = time.time()
    session["signed_in_at"] = session["seen_at"] = session["proved_at"] = now
    session["auth_method"] = method
    audit.record(get_session(), actor=user, action="user.signed_in", obj=user,
                 changes={k: [None, v] for k, v in {"method": method, **(detail or {})}.items()})


def mark_proved() -> None:
    """The person just proved who they are again (re-authentication for a sensitive step)."""
    session["proved_at"] = time.time()


def proved_recently(max_age: int = FRESH_SECONDS) -> bool:
    return time.time() - float(session.get("proved_at") or 0) <= max_age
