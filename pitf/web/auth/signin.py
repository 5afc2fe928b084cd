"""The one way a browser session starts, whatever proved who the person is (a password and its second factor,
or a single sign-on), and how fresh that proof is."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_user

from pitf.db import get_session
from pitf.security import is_safe_next
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


# ---- between the password and the second factor ----------------------------------------------------------------
# After the right password, a person with a second factor (or whose role needs one) is not signed in yet: the
# session holds who they are, since when, and where they were going, for PENDING_SECONDS (ENROL_SECONDS to set
# one up). Nothing else of the session survives, and their account's session token is kept so that a sign-out
# elsewhere ends this too.

PENDING = "pending_sign_in"
PENDING_SECONDS = 5 * 60  # to give the second factor
ENROL_SECONDS = 15 * 60  # to set one up (installing an authenticator app takes a while)


def begin_second_step(user, *, next_url: str, enrol: bool) -> None:
    """Hold *user* between the password and the second factor (*enrol*: they must first enrol one)."""
    session.clear()
    session[PENDING] = {"user_id": user.id, "token": user.session_token, "at": time.time(),
                        "next": next_url if is_safe_next(next_url) else "", "enrol": enrol}


def pending_state() -> dict | None:
    state = session.get(PENDING)
    if not isinstance(state, dict):
        return None
    if time.time() - float(state.get("at") or 0) > (ENROL_SECONDS if state.get("enrol") else PENDING_SECONDS):
        session.pop(PENDING, None)
        return None
    return state


def pending_user():
    """The person between their password and their second factor, or None (none, expired, or signed out)."""
    from pitf.models import User

    state = pending_state()
    if state is None:
        return None
    user = get_session().get(User, state.get("user_id"))
    if user is None or not user.is_active or user.session_token != state.get("token"):
        session.pop(PENDING, None)
        return None
    return user


def pending_enrolment() -> bool:
    state = pending_state()
    return bool(state and state.get("enrol"))


def pending_next() -> str:
    state = pending_state() or {}
    return state.get("next") or ""


def after_sign_in_url(target: str | None = None) -> str:
    return target if target and is_safe_next(target) else url_for("main.dashboard")


# ---- fresh proof for sensitive steps ----------------------------------------------------------------------------

def reauth_redirect(next_url: str):
    """Send the person to prove who they are again, then back to *next_url*."""
    flash("Confirm it is you to continue: this step needs a sign-in from the last 15 minutes.", "info")
    return redirect(url_for("second_factor.confirm", next=next_url if is_safe_next(next_url) else None))


def fresh_proof_required(back: str | Callable[[], str] | None = None):
    """Decorate a view that needs proof of identity from the last 15 minutes (adding or removing a factor,
    regenerating recovery codes, creating an API token). Without it, the person confirms at /auth/confirm and
    comes back to *back* (an endpoint or a function giving a path; default: the page asked for, if a GET)."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if current_user.is_authenticated and not proved_recently():
                if callable(back):
                    target = back()
                elif back:
                    target = url_for(back)
                else:
                    target = request.full_path if request.method == "GET" else url_for("account.profile")
                return reauth_redirect(target.rstrip("?"))
            return view(*args, **kwargs)

        return inner

    return wrap


def login_policy():
    from datetime import timedelta

    from flask import current_app

    from pitf.services.auth import LoginPolicy

    cfg = current_app.config
    return LoginPolicy(max_failures=cfg["PITF_LOGIN_MAX_FAILURES"],
                       window=timedelta(minutes=cfg["PITF_LOGIN_WINDOW_MINUTES"]),
                       address_limit=cfg["PITF_LOGIN_ADDRESS_LIMIT"])


def relying_party():
    from flask import current_app

    from pitf.services.factors import relying_party as rp

    return rp(current_app.config["PITF_BASE_URL"])
