"""Second factors for tests: enrol an authenticator app in the database, and answer it like a phone would."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from pitf.models import utcnow
from pitf.services import factors

TEST_SECRET_KEY = "test-secret-key"  # tests/conftest.py TEST_SETTINGS


def enrol_totp(db, user, secret_key: str = TEST_SECRET_KEY) -> tuple[str, list[str]]:
    """Give *user* an authenticator app (its secret) and recovery codes, as if set up a minute ago: its code of
    now is still unused."""
    secret = factors.new_totp_secret()
    earlier = utcnow() - timedelta(seconds=90)
    codes = factors.enrol_totp(session=db, actor=user, secret=secret, code=pyotp.TOTP(secret).at(earlier),
                               secret_key=secret_key, now=earlier)
    db.flush()
    return secret, codes or []


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()
