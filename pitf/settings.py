"""Settings: the defaults below, overridden by PITF_* environment variables."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# The platform's time zone unless PITF_TIMEZONE names another: the secretariat's calendar, the zone of a new
# meeting or account, the day the federal clocks and digests count in.
DEFAULT_TIMEZONE = "America/New_York"


def platform_timezone() -> str:
    """The platform's time zone name (PITF_TIMEZONE): the app's setting inside an app, else the environment's.

    Services and model defaults call this rather than reading a Flask request, so the scheduler, the CLI and
    the pages all agree."""
    try:
        from flask import current_app

        return current_app.config["PITF_TIMEZONE"]
    except (RuntimeError, KeyError):  # no app context (a script, an import), or an app built without settings
        return os.environ.get("PITF_TIMEZONE") or DEFAULT_TIMEZONE


# The address of a development server (`make run` sets PITF_BASE_URL from PORT); production sets PITF_BASE_URL.
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def base_url_from_env() -> str:
    """The public address for links in emails, calendar files and feeds, without a trailing slash."""
    return (os.environ.get("PITF_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _secret_key(env: str, instance: Path) -> str:
    key = os.environ.get("PITF_SECRET_KEY", "")
    if key:
        return key
    if env == "production":
        raise ConfigError(
            "PITF_SECRET_KEY is not set. In production the secret key must come from the environment: "
            "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    # Development and tests: one random key per instance folder, shared by every gunicorn worker
    # and kept across restarts so sign-ins survive them.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


PROVIDER_NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,31}$")
DEFAULT_OIDC_SCOPES = "openid email"


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider the platform signs people in through (PITF_OIDC_<NAME>_*)."""

    name: str  # in the paths /auth/oidc/<name>/... and in the sign-in method "sso:<name>"
    issuer: str
    client_id: str
    label: str
    scopes: str = DEFAULT_OIDC_SCOPES
    acr_values: tuple[str, ...] = ()
    client_secret: str = ""
    private_key_pem: str = ""  # private_key_jwt (Login.gov) when set, else the client secret
    key_id: str = ""
    # An agency's own directory (Entra ID, Okta): the email domains it is authoritative for. Only these link,
    # and without an email_verified claim (Entra ID sends none); an explicit email_verified false still refuses.
    email_domains: tuple[str, ...] = ()

    @property
    def auth_method(self) -> str:
        return "private_key_jwt" if self.private_key_pem else "client_secret_basic"


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


def oidc_providers_from_env(env: Mapping[str, str] | None = None) -> dict[str, OidcProvider]:
    """The providers PITF_OIDC_PROVIDERS names, each from its PITF_OIDC_<NAME>_* variables; ConfigError names
    the variable that is missing or malformed."""
    env = os.environ if env is None else env
    names = [n.strip() for n in (env.get("PITF_OIDC_PROVIDERS") or "").split(",") if n.strip()]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ConfigError(f"PITF_OIDC_PROVIDERS names {', '.join(dupes)} more than once")
    providers: dict[str, OidcProvider] = {}
    for name in names:
        if not PROVIDER_NAME_RE.match(name):
            raise ConfigError(f"PITF_OIDC_PROVIDERS: {name!r} is not a provider name; use lower-case letters and "
                              "digits, starting with a letter (e.g. logingov,agency)")
        prefix = f"PITF_OIDC_{name.upper()}_"

        def get(key: str, prefix: str = prefix) -> str:
            return (env.get(prefix + key) or "").strip()

        issuer = get("ISSUER").rstrip("/")
        if not issuer:
            raise ConfigError(f"{prefix}ISSUER is not set: the provider's issuer URL, e.g. "
                              "https://idp.int.identitysandbox.gov")
        if not (issuer.startswith("https://") or (issuer.startswith("http://") and _loopback(issuer))):
            raise ConfigError(f"{prefix}ISSUER must be an https:// URL (http:// only on this machine), got {issuer!r}")
        client_id = get("CLIENT_ID")
        if not client_id:
            raise ConfigError(f"{prefix}CLIENT_ID is not set: the client id the provider gave this platform")
        secret, key_file = get("CLIENT_SECRET"), get("PRIVATE_KEY_FILE")
        if bool(secret) == bool(key_file):
            raise ConfigError(f"Set exactly one of {prefix}CLIENT_SECRET and {prefix}PRIVATE_KEY_FILE "
                              "(a PEM private key, for private_key_jwt as Login.gov requires)")
        pem = _private_key_pem(f"{prefix}PRIVATE_KEY_FILE", key_file) if key_file else ""
        scopes = " ".join(get("SCOPES").replace(",", " ").split()) or DEFAULT_OIDC_SCOPES
        if "openid" not in scopes.split():
            raise ConfigError(f"{prefix}SCOPES must include openid, got {scopes!r}")
        providers[name] = OidcProvider(
            name=name, issuer=issuer, client_id=client_id, label=get("LABEL") or name.capitalize(),
            scopes=scopes, acr_values=tuple(get("ACR_VALUES").split()), client_secret=secret,
            private_key_pem=pem, key_id=get("KEY_ID"), email_domains=_domains(f"{prefix}EMAIL_DOMAINS",
                                                                             get("EMAIL_DOMAINS")))
    return providers


def _domains(variable: str, raw: str) -> tuple[str, ...]:
    domains = tuple(d.strip().lower().lstrip("@") for d in raw.replace(",", " ").split() if d.strip())
    for d in domains:
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d):
            raise ConfigError(f"{variable}: {d!r} is not an email domain (e.g. usdoj.gov)")
    return domains


def _private_key_pem(variable: str, path: str) -> str:
    try:
        pem = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"{variable}: cannot read {path!r} ({exc.strerror})") from exc
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{variable}: {path!r} is not an unencrypted PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{variable}: {path!r} must hold an RSA or EC private key")
    return pem


def load_settings(overrides: dict | None = None) -> dict:
    """Return the Flask config mapping for this process."""
    overrides = dict(overrides or {})
    env = overrides.get("PITF_ENV") or os.environ.get("PITF_ENV", "development")
    if env not in {"development", "production", "test"}:
        raise ConfigError(f"PITF_ENV must be development, production or test, got {env!r}")
    instance = Path(overrides.get("PITF_INSTANCE_PATH") or os.environ.get("PITF_INSTANCE_PATH") or ROOT / "instance")
    production = env == "production"
    idle_minutes = _int("PITF_SESSION_IDLE_MINUTES", 30)
    cfg: dict[str, Any] = {
        "PITF_ENV": env,
        "PITF_INSTANCE_PATH": str(instance),
        "PITF_DATABASE_URL": os.environ.get("PITF_DATABASE_URL") or f"sqlite:///{instance / 'pitf.db'}",
        "PITF_TIMEZONE": os.environ.get("PITF_TIMEZONE") or DEFAULT_TIMEZONE,
        "PITF_BASE_URL": base_url_from_env(),
        "PITF_LOGIN_MAX_FAILURES": _int("PITF_LOGIN_MAX_FAILURES", 5),
        "PITF_LOGIN_WINDOW_MINUTES": _int("PITF_LOGIN_WINDOW_MINUTES", 15),
        # Distinct accounts that may fail from one address within the window (pitf/services/auth.py).
        "PITF_LOGIN_ADDRESS_LIMIT": _int("PITF_LOGIN_ADDRESS_LIMIT", 50),
        "PITF_SESSION_IDLE_MINUTES": idle_minutes,
        "PITF_SESSION_MAX_HOURS": _int("PITF_SESSION_MAX_HOURS", 12),
        "PITF_PASSWORD_MIN_LENGTH": _int("PITF_PASSWORD_MIN_LENGTH", 12),
        "PITF_ARGON2_TIME_COST": _int("PITF_ARGON2_TIME_COST", 3),
        "PITF_ARGON2_MEMORY_KIB": _int("PITF_ARGON2_MEMORY_KIB", 65536),
        # The federal clocks (41 CFR 102-3): settings, not constants.
        "PITF_FACA_NOTICE_DAYS": _int("PITF_FACA_NOTICE_DAYS", 15),
        "PITF_FACA_CERTIFY_DAYS": _int("PITF_FACA_CERTIFY_DAYS", 90),
        "PITF_COUNCIL_BEFORE_PITF_DAYS": _int("PITF_COUNCIL_BEFORE_PITF_DAYS", 45),
        # Days an agency has to answer a recommendation once it is opened (the secretariat may set others).
        "PITF_RESPONSE_DAYS": _int("PITF_RESPONSE_DAYS", 60),
        "PITF_PROXY_HOPS": _int("PITF_PROXY_HOPS", 0),
        "PITF_SQL_ECHO": os.environ.get("PITF_SQL_ECHO", "") == "1",
        # PostgreSQL only (README, Deployment): a statement running longer is cancelled and the user gets a
        # "busy, try again" page (503) instead of a worker held for minutes; 0 turns it off. The pool is per
        # process: each gunicorn worker keeps PITF_DB_POOL_SIZE connections, and opens up to
        # PITF_DB_MAX_OVERFLOW more in a burst.
        "PITF_STATEMENT_TIMEOUT": _int("PITF_STATEMENT_TIMEOUT", 30000),
        "PITF_DB_POOL_SIZE": _int("PITF_DB_POOL_SIZE", 5),
        "PITF_DB_MAX_OVERFLOW": _int("PITF_DB_MAX_OVERFLOW", 10),
        # Rendered pages each worker keeps for a repeat of the same request (pitf/conditional.py); 0: none.
        "PITF_PAGE_CACHE_ENTRIES": _int("PITF_PAGE_CACHE_ENTRIES", 256),
        # Email (pitf/mail.py): without PITF_MAIL_URL, email waits in the outbox and nothing is lost.
        "PITF_MAIL_URL": os.environ.get("PITF_MAIL_URL", ""),
        "PITF_MAIL_FROM": os.environ.get("PITF_MAIL_FROM") or "PITF Coordination Platform <no-reply@pitf.example.gov>",
        "PITF_MAIL_TIMEOUT": _int("PITF_MAIL_TIMEOUT", 10),
        "PITF_MAIL_MAX_ATTEMPTS": _int("PITF_MAIL_MAX_ATTEMPTS", 6),
        "PITF_MAIL_LEASE_MINUTES": _int("PITF_MAIL_LEASE_MINUTES", 10),
        # Flask and extensions
        "SESSION_COOKIE_NAME": "pitf_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": _int("PITF_SESSION_MAX_HOURS", 12) * 3600,
        # The cookie is sent again when the session changes (its last activity, kept to the minute), not on
        # every answer: its lifetime is renewed while the user is active, and a repeat costs no signing.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_DURATION": 0,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (bounded) session
        "WTF_CSRF_SSL_STRICT": production,
        # Any request body, a form's text included: a Markdown field at its 100,000-character limit is at
        # most 1.2 MB percent-encoded, so a form's text reaches the form's own checks (refused beside the
        # field, the text kept) long before this. Flask's MAX_FORM_MEMORY_SIZE (500 kB) bounds each text
        # part of a multipart form (uploads) only.
        "MAX_CONTENT_LENGTH": _int("PITF_MAX_UPLOAD_MB", 25) * 1024 * 1024 + 64 * 1024,
        "PITF_MAX_UPLOAD_MB": _int("PITF_MAX_UPLOAD_MB", 25),
        "PITF_STORAGE": os.environ.get("PITF_STORAGE", "local"),  # file storage backend (pitf/storage.py)
        # The text of uploaded PDF, Word and plain-text files, for search (pitf/textextract.py): at most this many
        # characters, read in a child process killed after this many seconds (0 turns extraction off) and
        # capped at this much memory.
        "PITF_EXTRACT_MAX_CHARS": _int("PITF_EXTRACT_MAX_CHARS", 200_000),
        "PITF_EXTRACT_TIMEOUT": _int("PITF_EXTRACT_TIMEOUT", 10),
        "PITF_EXTRACT_MEMORY_MB": _int("PITF_EXTRACT_MEMORY_MB", 1024),
        "JSON_SORT_KEYS": False,
    }
    if "PITF_OIDC_PROVIDERS" not in overrides:  # tests pass the parsed providers
        cfg["PITF_OIDC_PROVIDERS"] = oidc_providers_from_env()
    cfg.update(overrides)
    if cfg["PITF_LOGIN_ADDRESS_LIMIT"] < 2:
        raise ConfigError("PITF_LOGIN_ADDRESS_LIMIT counts distinct accounts and must be at least 2, "
                          f"got {cfg['PITF_LOGIN_ADDRESS_LIMIT']!r}")
    for name in ("PITF_STATEMENT_TIMEOUT", "PITF_DB_MAX_OVERFLOW", "PITF_PAGE_CACHE_ENTRIES"):
        if cfg[name] < 0:
            raise ConfigError(f"{name} must be 0 or more, got {cfg[name]!r}")
    if cfg["PITF_EXTRACT_MAX_CHARS"] < 1:
        raise ConfigError(f"PITF_EXTRACT_MAX_CHARS must be at least 1, got {cfg['PITF_EXTRACT_MAX_CHARS']!r}")
    if cfg["PITF_EXTRACT_TIMEOUT"] < 0:
        raise ConfigError(f"PITF_EXTRACT_TIMEOUT must be 0 (off) or more seconds, got {cfg['PITF_EXTRACT_TIMEOUT']!r}")
    if cfg["PITF_EXTRACT_MEMORY_MB"] < 256:
        raise ConfigError(f"PITF_EXTRACT_MEMORY_MB must be at least 256, got {cfg['PITF_EXTRACT_MEMORY_MB']!r}")
    if cfg["PITF_DB_POOL_SIZE"] < 1:
        raise ConfigError(f"PITF_DB_POOL_SIZE must be at least 1, got {cfg['PITF_DB_POOL_SIZE']!r}")
    cfg["SECRET_KEY"] = overrides.get("SECRET_KEY") or _secret_key(env, instance)
    return cfg
