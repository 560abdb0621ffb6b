"""Log lines an operator can search: one JSON object per line in production, plain text in
development, each carrying the request id (or the job's name) it belongs to, and never a secret.

The request id lives in a context variable, so every line logged while a request runs (by our
code, SQLAlchemy, Flask-Mail...) carries it without being passed around. A job or a command sets
the job's name the same way.

Redaction is a filter on our handler: whatever a line says, passwords, tokens, session cookies,
signed links and password hashes are replaced before it is written.
"""

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

# What the current request or job is: request_id, method, path, or job.
log_context: ContextVar[dict[str, str] | None] = ContextVar("log_context", default=None)

REDACTED = "[redacted]"
# Names of fields whose values are hidden (not secrets themselves).
_SECRET_NAMES = "|".join((
    "password", "passwd", "new_password", "current_password", "password_confirmation",
    "confirm", "csrf_token", "x-csrftoken", "token", "secret", "api_key", "authorization",
    "cookie", "set-cookie", "session", "remember_token", "password_hash", "body_text",
    "body_html"))
_PATTERNS = [
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {REDACTED}"),
    # name=value, name: value, "name": "value" (form data, headers, reprs of dicts)
    (re.compile(rf"(?i)\b({_SECRET_NAMES})(['\"]?\s*[:=]\s*['\"]?)([^\s&'\",;}}]+)"),
     rf"\1\2{REDACTED}"),
    # Signed tokens (itsdangerous) and JWTs: three dot-separated base64url parts.
    (re.compile(r"\.?eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]{4,}){1,2}"), REDACTED),
    (re.compile(r"\.?[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]{4,})*\.[A-Za-z0-9_-]{27,}"), REDACTED),
    (re.compile(r"\$argon2[a-z]*\$[^\s'\"]+"), REDACTED),
    # The part of a link that is the secret: reset, confirmation and invitation links,
    # unsubscribe and feedback links, calendar feeds and shared statements.
    (re.compile(r"(/(?:confirm|reset|invitation|welcome|feedback|unsubscribe|calendar|"
                r"statements|check-in)/)[^/\s?#\"']+"), rf"\1{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites the record's message (and traceback) with every secret taken out."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formed log call must not lose the line
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Adds the current request's id, method and path, or the job's name, to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (log_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


@contextmanager
def job_context(name: str) -> Iterator[None]:
    """Every line logged inside carries `job=name` (scheduled jobs and commands)."""
    token = log_context.set({"job": name})
    try:
        yield
    finally:
        log_context.reset(token)


class RedactingJsonFormatter(JsonFormatter):
    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


class TextFormatter(logging.Formatter):
    """Development: time, level, logger, [request id or job], message."""

    def format(self, record: logging.LogRecord) -> str:
        context = getattr(record, "request_id", None) or getattr(record, "job", None)
        record.context = f" [{context}]" if context else ""
        return super().format(record)


def build_handler(stream=None, log_format: str = "text") -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(RedactingJsonFormatter(
            "{levelname}{name}{message}", style="{", timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False))
    else:
        handler.setFormatter(TextFormatter(
            "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"))
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    handler._charter = True  # type: ignore[attr-defined] - ours, to replace on a new app
    return handler


def configure(app) -> None:
    """One handler on the root logger, in the configured format; building a second app
    replaces it rather than doubling every line."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_charter", False):
            root.removeHandler(handler)
    root.addHandler(build_handler(log_format=app.config.get("LOG_FORMAT", "text")))
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    from flask.logging import default_handler

    # Flask's own handler would write each app.logger line a second time, unredacted.
    app.logger.removeHandler(default_handler)
