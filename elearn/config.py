"""Settings, read from environment variables.

Every setting can be given as ``ELEARN_<NAME>`` (for example ``ELEARN_SECRET_KEY``);
``DATABASE_URL`` names the database. See README.md for the full list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PREFIX = "ELEARN_"

DEFAULTS: dict[str, object] = {
    "ENV": "development",  # development | production | testing
    "SECRET_KEY": None,
    "SERVER_NAME": None,
    "PREFERRED_URL_SCHEME": "http",
    "BASE_URL": "http://127.0.0.1:5000",
    "ISSUING_BODY": "Secretariat of the Basel, Rotterdam and Stockholm conventions",
    "MAIL_SENDER": "elearn <no-reply@elearn.test>",
    "SMTP_HOST": "",  # empty: mail is written to the log (development)
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 30,  # seconds, per SMTP command (worker only; requests never open SMTP)
    "MAIL_BATCH_SIZE": 100,  # messages a worker claims and sends over one connection
    "MAIL_MAX_ATTEMPTS": 8,  # then the message is marked failed (admins can retry it)
    "MAIL_RETRY_BASE_SECONDS": 60,  # back-off: 1, 2, 4, 8 ... minutes, at most 6 hours
    "MAIL_CLAIM_SECONDS": 600,  # a dead worker's claimed batch is taken over after this
    "REDIS_URL": "",  # set: rate limits, the job queue and the page cache use Redis (several app servers)
    "QUEUE_PATH": "",  # SQLite file of the embedded job queue (default instance/queue.sqlite)
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    # learners' pages served whole from the cache while nothing they show changed (page_cache)
    "PAGE_CACHE": True,
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "MAX_UPLOAD_MB": 20,
    "API_RATE_LIMIT": "300 per minute",  # per API token
    "CERTIFICATE_LOOKUP_LIMIT": "30 per 10 minutes;200 per day",  # failed look-ups per address
    # fonts tried, in order, for characters DejaVu Sans lacks (CJK, Devanagari, ...), separated
    # by the OS path separator (":"); a .ttc collection uses its first face. Missing files are
    # skipped; a name that still has a character without a glyph is refused, never printed
    # with a gap. Defaults: Debian packages fonts-noto-cjk and fonts-lohit-deva.
    "CERTIFICATE_FALLBACK_FONTS": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:"
                                  "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf",
    "CERTIFICATE_VERIFY_LIMIT": "60 per 10 minutes",  # credential checks per address
    "CREDENTIALS_KEY_DIR": "",  # issuer signing keys; empty: instance/keys
    "CERTIFICATE_REMINDER_DAYS": 30,  # remind learners this many days before expiry
    "DEFAULT_LOCALE": "en",
    "DEFAULT_TIMEZONE": "UTC",
    # Comma-separated host names this site answers to (Host header); requests naming any other
    # host get 400. Empty: the host of BASE_URL in production, any host otherwise.
    "TRUSTED_HOSTS": "",
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Prefix
    # headers are believed (werkzeug's ProxyFix). 0: none, the client address is the peer's.
    "PROXY_COUNT": 0,
}

BOOL_KEYS = {"SMTP_STARTTLS", "RATELIMIT_ENABLED", "PAGE_CACHE"}
INT_KEYS = {"SMTP_PORT", "MAX_UPLOAD_MB", "CERTIFICATE_REMINDER_DAYS", "PROXY_COUNT",
            "SMTP_TIMEOUT", "MAIL_BATCH_SIZE", "MAIL_MAX_ATTEMPTS", "MAIL_RETRY_BASE_SECONDS",
            "MAIL_CLAIM_SECONDS"}
#: Interface languages, each named in its own language (as a language switch shows them).
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
#: Languages written right to left: pages and content in them get ``dir="rtl"``.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
#: Compiled catalogues (``pybabel compile -d elearn/translations``; see ``make translations``).
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def _coerce(key: str, value: str) -> object:
    if key in BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if key in INT_KEYS:
        return int(value)
    return value


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from defaults, the environment and ``overrides``."""
    settings: dict[str, object] = dict(DEFAULTS)
    for key in DEFAULTS:
        raw = os.environ.get(PREFIX + key)
        if raw is not None:
            settings[key] = _coerce(key, raw)
    settings["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "elearn.sqlite")
    )
    if overrides:
        settings.update(overrides)
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        str(settings["SQLALCHEMY_DATABASE_URI"])
    )

    env = settings["ENV"]
    if not settings["SECRET_KEY"]:
        if env == "production":
            raise RuntimeError(
                "ELEARN_SECRET_KEY must be set in production (ELEARN_ENV=production)."
            )
        settings["SECRET_KEY"] = _development_secret_key(instance_path)

    if settings["REDIS_URL"] and settings["RATELIMIT_STORAGE_URI"] == "memory://":
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]

    secure = env == "production"
    settings.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 14,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_MB"]) * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None if env == "testing" else 60 * 60 * 8,
        BABEL_DEFAULT_LOCALE=settings["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE="UTC",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        RATELIMIT_STORAGE_URI=settings["RATELIMIT_STORAGE_URI"],
        RATELIMIT_ENABLED=settings["RATELIMIT_ENABLED"],
        RATELIMIT_HEADERS_ENABLED=False,
    )
    settings["TRUSTED_HOSTS"] = trusted_hosts(settings)
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    else:
        settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    return settings


def trusted_hosts(settings: dict) -> list[str] | None:
    """Flask's ``TRUSTED_HOSTS`` from ``ELEARN_TRUSTED_HOSTS`` (a list or a comma-separated
    string). Unset: the host of ``BASE_URL`` in production, and no check in development."""
    raw = settings.get("TRUSTED_HOSTS")
    hosts = [h.strip() for h in (raw.split(",") if isinstance(raw, str) else raw or []) if h.strip()]
    if not hosts and settings["ENV"] == "production":
        host = urlsplit(str(settings["BASE_URL"])).hostname
        hosts = [host] if host else []
    return hosts or None


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _development_secret_key(instance_path: str) -> str:
    """A random key kept in instance/secret_key so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
