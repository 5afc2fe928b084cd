"""Safe redirects, password hashing, tokens, and the production settings guard."""

import pytest

from pitf import create_app
from pitf.security import hash_password, hash_token, is_safe_next, new_token, verify_password
from pitf.settings import ConfigError


@pytest.mark.parametrize("target", ["/dashboard", "/committees/3?x=1", "/account/"])
def test_local_paths_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [
    "", None, "//evil.example", "///evil.example", "\\\\evil.example", "/\\evil.example", "https://evil.example/",
    "http:/evil.example", "javascript:alert(1)", "evil.example", " //evil.example", "/\tevil", "dashboard",
])
def test_foreign_and_odd_targets_are_refused(target):
    assert not is_safe_next(target)


def test_passwords_are_argon2id_and_verify():
    digest = hash_password("a long enough password")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "a long enough password")
    assert not verify_password(digest, "another password")
    assert not verify_password("not a hash", "x")


def test_tokens_are_random_and_stored_as_hash():
    token, prefix, digest = new_token()
    other, _, _ = new_token()
    assert token != other and token.startswith(prefix) and len(token) > 40
    assert digest == hash_token(token) and token not in digest


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("PITF_SECRET_KEY", raising=False)
    monkeypatch.setenv("PITF_ENV", "production")
    monkeypatch.setenv("PITF_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError, match="PITF_SECRET_KEY"):
        create_app({"PITF_INSTANCE_PATH": str(tmp_path)})


def test_production_with_a_secret_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("PITF_ENV", "production")
    monkeypatch.setenv("PITF_SECRET_KEY", "s" * 64)
    monkeypatch.setenv("PITF_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    app = create_app({"PITF_INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "s" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 12 * 3600
    app.extensions["pitf_db"].engine.dispose()


def test_a_malformed_number_setting_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("PITF_LOGIN_MAX_FAILURES", "five")
    with pytest.raises(ConfigError, match="PITF_LOGIN_MAX_FAILURES"):
        create_app({"PITF_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
