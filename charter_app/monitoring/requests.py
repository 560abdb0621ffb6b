"""Every request gets an id: the proxy's `X-Request-ID` when it is well formed, otherwise a new
one. It is returned in the response's `X-Request-ID` (error pages and 500s too), carried by every
log line of the request, and ends with one access line and the request's metrics."""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from charter_app import database_retry
from charter_app.monitoring import metrics
from charter_app.monitoring.logs import log_context, redact

access_log = logging.getLogger("charter_app.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
# Route arguments that are secrets in a link: never written to a log line.
SECRET_ARGUMENTS = {"token", "public_id", "code"}


def request_id_from(header: str | None) -> str:
    """The incoming id when it is letters, digits and dashes (64 at most), else a new one."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def loggable_path() -> str:
    """The path without its query string and with any secret in it taken out."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ARGUMENTS and isinstance(value, str) and value:
            path = path.replace(value, "[redacted]")
    return redact(path)


def register(app: Flask) -> None:
    """Registered before the other hooks: its before-request runs first and its after-request
    last, so the access line sees the final status (a conflict found at commit included)."""

    @app.before_request
    def start_request():
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))
        g.request_started = time.perf_counter()
        g.log_context_token = log_context.set(
            {"request_id": g.request_id, "method": request.method, "path": loggable_path()})

    @app.after_request
    def finish_request(response):
        request_id = g.get("request_id") or request_id_from(None)
        response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        duration = time.perf_counter() - started if started is not None else 0.0
        endpoint = request.endpoint or "unmatched"
        if database_retry.REPLAY_HEADER in response.headers:
            # Never sent: the request runs again (database_retry.py), and the replay's own line
            # and metrics say how it was answered.
            access_log.info("%s %s replayed: database connection lost %.1fms", request.method,
                            loggable_path(), duration * 1000,
                            extra={"status": "replayed", "endpoint": endpoint,
                                   "duration_ms": round(duration * 1000, 1)})
            return response
        metrics.observe_request(endpoint, request.method, response.status_code, duration)
        access_log.info("%s %s %s %.1fms", request.method, loggable_path(),
                        response.status_code, duration * 1000,
                        extra={"status": response.status_code, "endpoint": endpoint,
                               "duration_ms": round(duration * 1000, 1)})
        return response

    @app.teardown_request
    def forget_request(error=None):
        token = g.pop("log_context_token", None)
        if token is not None:
            try:
                log_context.reset(token)
            except ValueError:  # set in another context (a streamed response): just clear it
                log_context.set(None)
