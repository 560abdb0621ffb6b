"""Configuration classes, read from the environment (a `.env` file in development).

`CHARTER_ENV` picks the class: development (default), testing or production.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'charter.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # On PostgreSQL, how long a request waits for a database that is restarting (refusing
    # connections, starting up, shutting down) before it is answered 503; a request whose
    # connection is lost mid-way is replayed once within the same wait (database_retry.py).
    DATABASE_WAIT_SECONDS = float(os.environ.get("DATABASE_WAIT_SECONDS", "15"))
    SECRET_KEY = os.environ.get("SECRET_KEY")

    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = False
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "County Durham Pound <charter@countydurhampound.example>"
    )
    MAIL_TIMEOUT_SECONDS = int(os.environ.get("MAIL_TIMEOUT_SECONDS", "10"))
    # Web requests only queue email; the scheduler process delivers the outbox this often.
    OUTBOX_POLL_SECONDS = int(os.environ.get("OUTBOX_POLL_SECONDS", "5"))
    # How long a worker holds a message it is sending; a worker that dies mid-send loses its
    # claim after this, and another sends the message. Longer than a send can take.
    OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", "120"))
    OUTBOX_MAX_ATTEMPTS = 8

    # Shared state for several web nodes (charter_app/shared_state.py): rate-limit counters
    # and cached public pages live in this Redis (redis://host:6379/0), so every node sees the
    # same. Unset: each process keeps its own, right for one node. A Redis outage never stops
    # the service: pages are rendered without the cache and rate limits let requests through.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Seconds to wait for Redis to connect or answer, and to leave it alone after a failure.
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
    REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "2"))
    # Where Flask-Limiter counts; unset: REDIS_URL when set, otherwise memory:// (per process).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    # Fail open: a rate-limit storage that cannot be reached lets the request through.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    SIGNUP_RATE_LIMIT = "5 per minute"
    RESET_RATE_LIMIT = "5 per minute"
    CHANGE_EMAIL_RATE_LIMIT = "5 per 10 minutes"
    # Failed sign-ins to one account, from any address, before it waits out the window.
    SIGN_IN_ACCOUNT_FAILURES = 10
    SIGN_IN_ACCOUNT_WINDOW = 15 * 60
    # How many reverse proxies in front of the app set X-Forwarded-For (and -Proto, -Host).
    # 0 trusts none, so a client cannot pick the address that rate limits count against.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # A signed-in session ends after this long unused, and this long after sign-in whatever
    # happens (seconds). Sign-out ends it on the server at once (see accounts/sessions.py).
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(3 * 3600)))
    SESSION_ABSOLUTE_LIFETIME = int(os.environ.get("SESSION_ABSOLUTE_LIFETIME", str(12 * 3600)))
    # We never issue remember-me cookies; should one ever be issued it lasts no longer.
    REMEMBER_COOKIE_DURATION = SESSION_ABSOLUTE_LIFETIME

    CONFIRM_EMAIL_MAX_AGE = 3 * 24 * 3600
    RESET_PASSWORD_MAX_AGE = 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600

    DIRECTORY_PAGE_SIZE = 20
    # Messages from the public (/contact): the staff mailbox that gets them, and the address
    # staff replies name as Reply-To.
    CONTACT_STAFF_EMAIL = os.environ.get("CONTACT_STAFF_EMAIL", "charter@businessdurham.example")
    # The contact form's signed time stamp expires with the form's CSRF token.
    CONTACT_FORM_MAX_AGE = WTF_CSRF_TIME_LIMIT
    # Messages accepted per connection (IP address) and per email address in each window.
    CONTACT_MESSAGES_PER_ADDRESS = int(os.environ.get("CONTACT_MESSAGES_PER_ADDRESS", "10"))
    CONTACT_MESSAGES_PER_EMAIL = int(os.environ.get("CONTACT_MESSAGES_PER_EMAIL", "3"))
    CONTACT_LIMIT_WINDOW = 3600
    # Cache public directory pages for visitors who are not signed in (see directory/cache.py).
    PUBLIC_PAGE_CACHE = _bool("PUBLIC_PAGE_CACHE", True)
    # With Redis, how long a cached page is kept there (a newer content version replaces it
    # at once; this only bounds what old pages occupy).
    PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))
    # Evidence files for quarterly reports: outside static/, served only through the app.
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR", str(INSTANCE_DIR / "evidence"))
    # Public uploads (case study images, logos) at every width: outside static/, served by the
    # app under random names; a backup copies this whole folder.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Laid-out PDFs of frozen documents, kept by the hash of their HTML (charter_app/pdf.py).
    PDF_CACHE_DIR = os.environ.get("PDF_CACHE_DIR", str(INSTANCE_DIR / "pdf-cache"))
    # One evidence file (5 MB) and the form around it; a bigger request is refused with 413.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    # Where the development SMTP catcher keeps what it receives; None hides /dev/mail.
    MAIL_CATCHER_DIR: str | None = None
    # Badge credentials (Open Badges 3.0, VC-JWT): the PEM RSA private key that signs new ones,
    # and earlier keys (public or private PEM, separated by os.pathsep) still published so the
    # credentials they signed keep verifying. Unset in development and tests: a key is generated
    # in the instance folder; unset in production: badge credentials answer 503.
    BADGE_SIGNING_KEY_FILE = os.environ.get("BADGE_SIGNING_KEY_FILE") or None
    BADGE_RETIRED_KEY_FILES = os.environ.get("BADGE_RETIRED_KEY_FILES", "")

    # Logs: "json" (one object per line, for a log collector) or "text" (for people).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # The bearer token Prometheus sends to /metrics; unset, /metrics answers 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # /healthz's body says the outbox is backed up when an email has waited longer than this
    # (or one has failed), and the scheduler late when no job has finished for this long.
    OUTBOX_BACKLOG_MINUTES = int(os.environ.get("OUTBOX_BACKLOG_MINUTES", "15"))
    SCHEDULER_LATE_MINUTES = int(os.environ.get("SCHEDULER_LATE_MINUTES", "5"))
    # Static URLs carry each file's content hash (charter_app/static_assets.py). In production
    # it is computed once per process, as only a deploy (which restarts workers) changes the
    # files; in development and tests each link re-checks the file, so an edit shows at once.
    STATIC_HASHES_FOLLOW_EDITS = False


class DevelopmentConfig(Config):
    DEBUG = False
    # Development only: a fixed key keeps sessions across restarts on a developer's machine.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))
    MAIL_CATCHER_DIR = os.environ.get("MAIL_CATCHER_DIR", str(INSTANCE_DIR / "mail"))
    STATIC_HASHES_FOLLOW_EDITS = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret-key"  # noqa: S105 - tests only
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    BASE_URL = "http://localhost"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # tests that send email start a real SMTP server and set the port
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would otherwise fake sending under TESTING
    MAIL_TIMEOUT_SECONDS = 5
    DIRECTORY_PAGE_SIZE = 5
    PUBLIC_PAGE_CACHE = False  # tests of the cache switch it on; the rest see every query
    STATIC_HASHES_FOLLOW_EDITS = True
    DATABASE_WAIT_SECONDS = 0  # a down database answers at once; restart tests set a wait


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")

    @classmethod
    def check(cls) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production (CHARTER_ENV=production).")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
